import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES, VECTORS} from '../helpers/fixtures.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const home = sandboxHome()
const passwordFile = join(home, 'password')
writeFileSync(passwordFile, 'test\n', {mode: 0o600})

describe('mailcert inspect, as a script uses it', () => {
  it('reads the password from a file (one trailing newline ignored) and prints a JSON envelope', async () => {
    const result = await runCli(['inspect', p12('sponsor-rsa.p12'), '--password-file', passwordFile, '--json'])
    expect(result.code).toBe(0)
    const envelope = json<{status: number; result: Record<string, unknown>; warnings: string[]}>(result)
    expect(envelope.status).toBe(0)
    expect(envelope.result).toMatchObject({
      emails: ['alice@example.com', 'alice.example@example.org'],
      type: 'sponsor',
      typeLabel: 'Email, sender name and company',
      generation: 'strict',
      key: {algorithm: 'RSA', bits: 2048},
      chainComplete: true,
      findings: expect.any(Array),
      file: {format: 'PKCS#12', mac: 'HMAC-SHA256'},
    })
    expect((envelope.result.fingerprints as {sha256: string}).sha256).toMatch(/^[0-9a-f]{64}$/)
  })

  it('reads the password from standard input and from MAILCERT_PASSWORD', async () => {
    const viaStdin = await runCli(['inspect', p12('ec-p256.p12'), '--password-stdin', '--json'], {input: 'test\n'})
    expect(json<{result: {key: unknown}}>(viaStdin).result.key).toEqual({algorithm: 'EC', curve: 'P-256', bits: 256, name: 'EC P-256'})
    const viaEnv = await runCli(['inspect', p12('ed25519.p12'), '--json'], {env: {MAILCERT_PASSWORD: 'test'}})
    expect(json<{result: {key: unknown}}>(viaEnv).result.key).toMatchObject({algorithm: 'Ed25519'})
  })

  it('has no --password flag: a password in the arguments would be visible to every user', async () => {
    const result = await runCli(['inspect', p12('mailbox-rsa.p12'), '--password', 'test'])
    expect(result.code).toBe(2)
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/^test$/m)
  })

  it('says "wrong password" (exit 3) and never echoes what was given', async () => {
    const result = await runCli(['inspect', p12('mailbox-rsa.p12'), '--password-stdin'], {input: 'Secret-Guess-42'})
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('The password is wrong.')
    expect(`${result.stdout}${result.stderr}`).not.toContain('Secret-Guess-42')
    const asJson = await runCli(['inspect', p12('mailbox-rsa.p12'), '--json'], {env: {MAILCERT_PASSWORD: 'Secret-Guess-42'}})
    expect(asJson.code).toBe(3)
    expect(json(asJson)).toMatchObject({status: 3, error: {code: 'wrong-password', kind: 'user'}})
    expect(asJson.stdout).not.toContain('Secret-Guess-42')
  })

  it('opens a file with an empty password without asking, and never prompts without a terminal', async () => {
    expect((await runCli(['inspect', p12('rsa-emptypw.p12')])).code).toBe(0)
    const result = await runCli(['inspect', p12('mailbox-rsa.p12')], {input: ''})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/protected by a password, and none was given/)
    expect(result.stderr).toMatch(/--password-file/)
  })

  it('takes a non-ASCII password', async () => {
    const result = await runCli(['inspect', p12('rsa-nss-export.p12'), '--password-stdin'], {input: 'pässwörd'})
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('600,000 iterations')
  })

  it('exits 5 and says why when the certificate cannot be used for S/MIME', async () => {
    const result = await runCli(['inspect', p12('tls-server.p12'), '--password-file', passwordFile])
    expect(result.code).toBe(5)
    expect(result.stdout).toContain('This is a TLS (web server) certificate, not one for e-mail.')
    expect(result.stdout).toContain('Not usable for S/MIME')
    const asJson = await runCli(['inspect', p12('expired.p12'), '--password-file', passwordFile, '--json'])
    expect(json<{status: number; result: {findings: Array<{code: string}>}}>(asJson)).toMatchObject({status: 5})
  })

  it('inspects a bare certificate without a password', async () => {
    const result = await runCli(['inspect', join(FIXTURES, 'certs', 'mailbox-rsa.der'), '--json'])
    expect(json<{result: {hasPrivateKey: boolean; file: {format: string}}}>(result).result).toMatchObject({hasPrivateKey: false, file: {format: 'DER certificate'}})
  })

  it('reads the shared vectors: Thunderbird Alice (nss) and RFC 9579 PBMAC1 (1234)', async () => {
    const alice = await runCli(['inspect', join(VECTORS, 'thunderbird', 'Alice.p12'), '--json'], {env: {MAILCERT_PASSWORD: 'nss'}})
    expect(json<{result: {emails: string[]}}>(alice).result.emails).toEqual(['Alice@example.com'])
    const pbmac1 = await runCli(['inspect', join(VECTORS, 'rfc9579', 'rfc9579-a1.txt'), '--json'], {env: {MAILCERT_PASSWORD: '1234'}})
    expect(json<{result: {file: {mac: string}}}>(pbmac1).result.file.mac).toMatch(/^PBMAC1/)
  })
})

describe('mailcert inspect with bad input: exit 4, one sentence, no stack trace', () => {
  it.each([
    ['a missing file', join(home, 'nope.p12'), /There is no file/],
    ['a folder', FIXTURES, /is a folder/],
    ['an empty file', join(FIXTURES, 'bad', 'empty.p12'), /empty/],
    ['random bytes', join(FIXTURES, 'bad', 'random.p12'), /not a PKCS#12/],
    ['a truncated file', join(FIXTURES, 'bad', 'truncated.p12'), /incomplete/],
    ['a ZIP archive', join(FIXTURES, 'bad', 'archive.zip'), /ZIP archive/],
    ['RFC 9579 a4', join(VECTORS, 'rfc9579', 'rfc9579-a4.txt'), /integrity check fails/],
    ['RFC 9579 a5', join(VECTORS, 'rfc9579', 'rfc9579-a5.txt'), /integrity check fails/],
    ['RFC 9579 a6', join(VECTORS, 'rfc9579', 'rfc9579-a6.txt'), /key length/],
  ])('%s', async (_, file, message) => {
    const result = await runCli(['inspect', file], {env: {MAILCERT_PASSWORD: '1234'}})
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })

  it('refuses a file over 10 MB', async () => {
    const big = join(home, 'big.pfx')
    writeFileSync(big, Buffer.alloc(10 * 1024 * 1024 + 1, 0x30))
    const result = await runCli(['inspect', big])
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/too large/)
  })

  it('shows the stack trace only when DEBUG is set', async () => {
    const result = await runCli(['inspect', join(FIXTURES, 'bad', 'random.p12')], {env: {DEBUG: '1'}})
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/\n\s+at /)
  })
})
