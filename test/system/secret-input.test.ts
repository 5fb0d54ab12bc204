import {execFileSync, spawn} from 'node:child_process'
import {closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'

import {ExitCode, UsageError} from '../../src/errors.js'
import {MAX_PASSWORD_BYTES, readSecretFile, readSecretFromStdin, stripOneNewline} from '../../src/system/secret-input.js'
import {FIXTURES, REPO} from '../helpers/fixtures.js'

const folder = (): string => mkdtempSync(join(tmpdir(), 'mailcert-secret-input-'))

async function usageError(attempt: Promise<unknown>): Promise<UsageError> {
  const error = await attempt.then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(UsageError)
  expect(error).toMatchObject({exitCode: ExitCode.usage})
  return error as UsageError
}

describe('stripOneNewline', () => {
  it('drops one trailing LF or CRLF, nothing else', () => {
    expect(stripOneNewline('pw\n')).toBe('pw')
    expect(stripOneNewline('pw\r\n')).toBe('pw')
    expect(stripOneNewline('pw\n\n')).toBe('pw\n')
    expect(stripOneNewline(' pw ')).toBe(' pw ')
  })
})

describe('readSecretFile', () => {
  it('reads the password, up to 64 KiB of it', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'pw'), 'pässwörd\n', {mode: 0o600})
    expect(await readSecretFile(join(dir, 'pw'), '--password-file')).toBe('pässwörd')
    writeFileSync(join(dir, 'long'), 'a'.repeat(MAX_PASSWORD_BYTES))
    expect(await readSecretFile(join(dir, 'long'), '--password-file')).toHaveLength(MAX_PASSWORD_BYTES)
  })

  it('refuses /dev/zero, a link to it, a named pipe, a folder and a file over 64 KiB, each in one sentence', async () => {
    const dir = folder()
    symlinkSync('/dev/zero', join(dir, 'zero-link'))
    execFileSync('mkfifo', [join(dir, 'fifo')])
    mkdirSync(join(dir, 'folder'))
    writeFileSync(join(dir, 'big'), 'a'.repeat(MAX_PASSWORD_BYTES + 1))
    const messages = await Promise.all(
      ['/dev/zero', join(dir, 'zero-link'), join(dir, 'fifo'), join(dir, 'folder'), join(dir, 'big'), join(dir, 'missing')].map(async (path) => (await usageError(readSecretFile(path, '--password-file'))).message),
    )
    expect(messages).toEqual([
      'The file given to --password-file, /dev/zero, is a device, not a regular file: give --password-file a file that holds only the password, or pipe the password in with --password-stdin.',
      `The file given to --password-file, ${join(dir, 'zero-link')}, is a link to /dev/zero, which is a device, not a regular file: give --password-file a file that holds only the password, or pipe the password in with --password-stdin.`,
      `The file given to --password-file, ${join(dir, 'fifo')}, is a named pipe, not a regular file: give --password-file a file that holds only the password, or pipe the password in with --password-stdin.`,
      `The file given to --password-file, ${join(dir, 'folder')}, is a folder, not a file: give --password-file a file that holds only the password.`,
      `The file given to --password-file, ${join(dir, 'big')}, is larger than 64 KiB, far too long for a password: give --password-file a file that holds only the password.`,
      `The file given to --password-file, ${join(dir, 'missing')}, does not exist: give --password-file a file that holds only the password.`,
    ])
  })

  it('does not offer a stdin flag that does not exist (--db-password-file)', async () => {
    const error = await usageError(readSecretFile('/dev/zero', '--db-password-file'))
    expect(error.message).toBe('The file given to --db-password-file, /dev/zero, is a device, not a regular file: give --db-password-file a file that holds only the password.')
  })
})

/** An endless stream of zero bytes, as `</dev/zero` gives, that records whether it was stopped. */
function endlessZeros(): {stream: NodeJS.ReadStream; produced: () => number} {
  let produced = 0
  const stream = new Readable({
    read() {
      produced += 16 * 1024
      this.push(Buffer.alloc(16 * 1024))
    },
  })
  return {stream: stream as unknown as NodeJS.ReadStream, produced: () => produced}
}

describe('readSecretFromStdin', () => {
  it('reads a piped password without its trailing newline', async () => {
    expect(await readSecretFromStdin('--password-stdin', Readable.from([Buffer.from('geheim\n')]) as unknown as NodeJS.ReadStream)).toBe('geheim')
  })

  it('stops reading after 64 KiB of an endless input and refuses it', async () => {
    const {stream, produced} = endlessZeros()
    const error = await usageError(readSecretFromStdin('--password-stdin', stream))
    expect(error.code).toBe('password-stdin-too-long')
    expect(error.message).toBe('More than 64 KiB came in on standard input for --password-stdin, so it is not a password: pipe in only the password (for example `printf \'%s\' "$PW" | mailcert … --password-stdin`).')
    expect(stream.destroyed).toBe(true)
    // What was read is about the limit (one stream buffer more at most), not more and more.
    expect(produced()).toBeLessThan(MAX_PASSWORD_BYTES + 64 * 1024)
  })

  it('refuses a terminal', async () => {
    const terminal = Object.assign(Readable.from([]), {isTTY: true}) as unknown as NodeJS.ReadStream
    expect((await usageError(readSecretFromStdin('--password-stdin', terminal))).message).toContain('standard input is a terminal')
  })
})

/** The built CLI with stdin taken from a file or device, the way a shell's `<` gives it. */
function runWithStdinFrom(stdinPath: string, args: string[]): Promise<{code: number | null; stdout: string; stderr: string}> {
  const fd = openSync(stdinPath, 'r')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), ...args], {stdio: [fd, 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1', MAILCERT_NO_LOG: '1'}})
    closeSync(fd)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // A guard against a hang (the bug this is about), not a measure of speed.
    const guard = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mailcert ${args.join(' ')} did not end:\n${stderr}`))
    }, 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({code, stdout, stderr})
    })
  })
}

describe('the CLI given an endless password (needs `npm run build`)', () => {
  const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')

  it('ends with a usage error for --password-stdin </dev/zero', async () => {
    const result = await runWithStdinFrom('/dev/zero', ['inspect', p12, '--password-stdin'])
    expect(result.code).toBe(ExitCode.usage)
    expect(result.stderr).toContain('More than 64 KiB came in on standard input for --password-stdin, so it is not a password')
    expect(result.stdout).toBe('')
  })

  it('ends with a usage error for --password-file /dev/zero, and a link to it', async () => {
    const link = join(folder(), 'password')
    symlinkSync('/dev/zero', link)
    for (const path of ['/dev/zero', link]) {
      const result = await runWithStdinFrom('/dev/null', ['inspect', p12, '--password-file', path])
      expect(result.code).toBe(ExitCode.usage)
      expect(result.stderr).toContain(`The file given to --password-file, ${path}, `)
      expect(result.stderr).toContain('not a regular file')
    }
  })

  it('still reads a real password from stdin', async () => {
    const file = join(folder(), 'pw')
    writeFileSync(file, 'test\n')
    const result = await runWithStdinFrom(file, ['inspect', p12, '--password-stdin', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('alice@example.com')
  })
})
