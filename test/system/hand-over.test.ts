import {spawn} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {decodeHandOver, encodeHandOver, type HandOver} from '../../src/system/hand-over.js'

const frame: HandOver = {files: {'alice.p12': Buffer.from([0x30, 0x82, 0, 1]).toString('base64')}, secretFiles: {'/root/pw': 'pässwörd\n'}, stdin: 'piped', variables: {MAILCERT_PASSWORD: 's3cret'}}

describe('the hand-over frame', () => {
  it('comes back as it went', () => {
    expect(decodeHandOver(encodeHandOver(frame))).toEqual(frame)
  })

  it('carries only secret variables: anything else would bypass the environment built for the user', () => {
    const smuggled = encodeHandOver({...frame, variables: {LD_PRELOAD: '/tmp/x.so'}})
    expect(() => decodeHandOver(smuggled)).toThrow(/not secrets: LD_PRELOAD/)
    expect(() => decodeHandOver(Buffer.from('{"files": []}'))).toThrow(/not what it should be/)
    expect(() => decodeHandOver(Buffer.from('nope'))).toThrow(/not JSON/)
  })

  // The built module (npm run build), in a process of its own as mailcert's child is.
  it('is read by the child from the descriptor named in MAILCERT_SECRETS_FD, answering its file, stdin and variable reads', async () => {
    const script = `
      const {receiveHandOver, handedOverFile, handedOverSecretFile, handedOverStdin} = await import(${JSON.stringify(new URL('../../dist/system/hand-over.js', import.meta.url).href)})
      const received = await receiveHandOver(process.env)
      process.stdout.write(JSON.stringify({received, file: handedOverFile('alice.p12').toString('hex'), missing: handedOverFile('other') ?? null, secret: handedOverSecretFile('/root/pw'), stdin: handedOverStdin(), variable: process.env.MAILCERT_PASSWORD, fd: process.env.MAILCERT_SECRETS_FD ?? null}))
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {env: {...process.env, MAILCERT_SECRETS_FD: '3', MAILCERT_PASSWORD: undefined}, stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
    const channel = child.stdio[3] as NodeJS.WritableStream & NodeJS.EventEmitter
    channel.on('error', () => undefined)
    channel.end(encodeHandOver(frame))
    let out = ''
    let err = ''
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const code = await new Promise((resolve) => child.on('close', resolve))
    expect(code, err).toBe(0)
    expect(JSON.parse(out)).toEqual({received: true, file: '30820001', missing: null, secret: 'pässwörd\n', stdin: 'piped', variable: 's3cret', fd: null})
  })
})
