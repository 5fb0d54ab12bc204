import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeInput} from '../../src/identity/input.js'
import {MAX_INPUT_BYTES, readInputFile} from '../../src/system/input-file.js'
import {fixture, FIXTURES} from '../helpers/fixtures.js'

describe('recognising what a file is', () => {
  it.each([
    ['bad/empty.p12', /empty/],
    ['bad/random.p12', /not a PKCS#12/],
    ['bad/truncated.p12', /incomplete/],
    ['bad/archive.zip', /ZIP archive/],
    ['bad/text.txt', /text file/],
  ])('%s is refused with one sentence (exit 4)', (name, message) => {
    expect(() => decodeInput(fixture(name))).toThrow(expect.objectContaining({exitCode: 4, message: expect.stringMatching(message)}))
  })

  it('tells a bare certificate (PEM, DER, a PEM bundle) from a PKCS#12 file', () => {
    expect(decodeInput(fixture('certs/mailbox-rsa.pem'))).toMatchObject({kind: 'certificate', format: 'PEM certificate'})
    expect(decodeInput(fixture('certs/mailbox-rsa.der'))).toMatchObject({kind: 'certificate', format: 'DER certificate'})
    const bundle = decodeInput(fixture('certs/chain-bundle.pem'))
    expect(bundle.kind === 'certificate' && bundle.identity.chainComplete).toBe(true)
    expect(decodeInput(fixture('p12/mailbox-rsa.p12'))).toMatchObject({kind: 'pkcs12', format: 'PKCS#12'})
  })

  it('explains a PEM private key and a PKCS#7 bundle', () => {
    expect(() => decodeInput(fixture('keys/mailbox-rsa.key.pem'))).toThrow(/only a private key/)
    expect(() => decodeInput(Buffer.from('-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n'))).toThrow(/PKCS#7/)
  })

  it('describes the protection without a password', () => {
    const input = decodeInput(fixture('p12/rsa-legacy.p12'))
    expect(input.kind === 'pkcs12' && input.protection).toEqual({
      mac: 'HMAC-SHA1',
      macIterations: 2048,
      certificateEncryption: 'RC2-40 (PKCS#12 PBE, SHA-1)',
      certificateIterations: 2048,
    })
  })
})

describe('reading the file from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-input-'))

  it('refuses a missing file, a folder and a file over 10 MB with exit 4', async () => {
    await expect(readInputFile(join(dir, 'missing.p12'))).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/no file/)})
    await expect(readInputFile(FIXTURES)).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/folder/)})
    const big = join(dir, 'big.p12')
    writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1))
    await expect(readInputFile(big)).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/too large/)})
  })
})
