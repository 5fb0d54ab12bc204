import {spawnSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES, manifest, plainHex} from '../helpers/fixtures.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const home = sandboxHome('mailcert-share-')
const passwordFile = join(home, 'password')
writeFileSync(passwordFile, 'test\n', {mode: 0o600})
const env = {HOME: home, MAILCERT_PASSWORD: undefined, MAILCERT_PASSWORD_FILE: passwordFile}

interface Envelope {
  status: number
  result: {certificate: {fingerprintSha256: string}; files: {certificate: string; chain: string; message: string | null}; encryptable: boolean}
  error?: {code: string; message: string; hints: string[]}
}

function folder(name: string): string {
  const path = join(home, name)
  mkdirSync(path)
  return path
}

describe('mailcert share', () => {
  it('writes the signed message, the certificate and its chain (0644), which openssl reads and verifies; a second run replaces nothing without --force', async () => {
    const out = folder('alice')
    const result = await runCli(['share', p12('mailbox-rsa.p12'), '--out', out, '--json'], {env})
    expect(result.code, result.stderr).toBe(0)
    const {files, certificate, encryptable} = json<Envelope>(result).result
    expect(files).toEqual({certificate: join(out, 'alice@example.com.cer'), chain: join(out, 'alice@example.com.p7c'), message: join(out, 'alice@example.com.eml')})
    expect(certificate.fingerprintSha256).toBe(plainHex(manifest['certs/mailbox-rsa.pem']!.sha256!))
    expect(encryptable).toBe(true)
    for (const path of Object.values(files)) expect(statSync(path!).mode & 0o777).toBe(0o644)

    const verified = spawnSync('openssl', ['cms', '-verify', '-in', files.message!, '-CAfile', join(FIXTURES, 'ca/root.pem'), '-purpose', 'smimesign'], {encoding: 'utf8'})
    expect(verified.status, verified.stderr).toBe(0)
    const der = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', files.certificate, '-noout', '-fingerprint', '-sha256'], {encoding: 'utf8'})
    expect(der.stdout).toContain(manifest['certs/mailbox-rsa.pem']!.sha256)
    const chain = spawnSync('openssl', ['pkcs7', '-inform', 'DER', '-in', files.chain, '-print_certs', '-noout'], {encoding: 'utf8'})
    expect(chain.stdout.match(/^subject=/gm)).toHaveLength(3)

    const before = readFileSync(files.message!)
    const again = await runCli(['share', p12('mailbox-rsa.p12'), '--out', out, '--json'], {env})
    expect(again.code).toBe(2)
    expect(json<Envelope>(again).error).toMatchObject({code: 'share-files-exist', hints: [expect.stringContaining('--force')]})
    expect(readFileSync(files.message!)).toEqual(before)

    const forced = await runCli(['share', p12('mailbox-rsa.p12'), '--out', out, '--force'], {env})
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stdout).toContain('Send the .eml')
    expect(readFileSync(files.message!)).not.toEqual(before)
  })

  it('writes no message for a certificate that cannot sign, and nothing for a wrong password or a file that is not PKCS#12', async () => {
    const out = folder('encryption-only')
    const encryptionOnly = await runCli(['share', p12('encryption-only-rsa.p12'), '--out', out], {env})
    expect(encryptionOnly.code, encryptionOnly.stderr).toBe(0)
    expect(encryptionOnly.stdout).toContain('cannot sign, so there is no signed message')
    expect(readdirSync(out).sort()).toEqual(['alice@example.com.cer', 'alice@example.com.p7c'])

    const empty = folder('nothing')
    const wrong = await runCli(['share', p12('mailbox-rsa.p12'), '--out', empty], {env: {...env, MAILCERT_PASSWORD_FILE: undefined, MAILCERT_PASSWORD: 'nope'}})
    expect(wrong.code).toBe(3)
    const garbage = await runCli(['share', join(FIXTURES, 'bad/random.p12'), '--out', empty], {env})
    expect(garbage.code).toBe(4)
    expect(readdirSync(empty)).toEqual([])
  })
})
