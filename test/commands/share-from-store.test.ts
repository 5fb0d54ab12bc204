/**
 * `mailcert share --from-store` with the real NSS tools: identities put into a sandbox HOME's NSS
 * databases by pk12util (a Thunderbird profile listed in profiles.ini, the shared ~/.pki/nssdb), the
 * built CLI signing there with cmsutil, and the message read back by openssl and by NSS (cmsutil -D).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {FIXTURES, manifest, plainHex} from '../helpers/fixtures.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'

const TEST_ROOT = 'mailcert Test Root CA - mailcert Test PKI'

interface Envelope {
  status: number
  result: {
    certificate: {fingerprintSha256: string; emails: string[]}
    files: {certificate: string; chain: string; message: string | null}
    fromStore: {store: string; location: string; nickname: string; why: string; passedOver: string[]; encryptionKeyPreference: boolean}
  }
  error?: {code: string; message: string; hints: string[]}
}

function run(program: string, args: string[]): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync(program, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  return {status: result.status, stdout: result.stdout, stderr: result.stderr}
}

function secret(home: string, name: string, content: string): string {
  const path = join(home, name)
  writeFileSync(path, content, {mode: 0o600})
  return path
}

/** An NSS database in `dir` (certutil -N), with these fixtures imported by pk12util (password `test`). */
function database(home: string, dir: string, p12s: string[], options: {password?: string} = {}): string {
  mkdirSync(dir, {recursive: true})
  const dbPassword = options.password === undefined ? null : secret(home, `db-password-${Math.random().toString(36).slice(2)}`, `${options.password}\n`)
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, ...(dbPassword ? ['-f', dbPassword] : ['--empty-password'])], {stdio: 'pipe'})
  const p12Password = secret(home, 'p12-password', 'test')
  for (const p12 of p12s) execFileSync('pk12util', ['-i', join(FIXTURES, 'p12', p12), '-d', `sql:${dir}`, '-w', p12Password, ...(dbPassword ? ['-k', dbPassword] : [])], {stdio: 'pipe'})
  return dir
}

/** A Thunderbird profile "default" in ~/.thunderbird, as profiles.ini lists it, with these identities in its database. */
function thunderbirdProfile(home: string, p12s: string[]): string {
  const root = join(home, '.thunderbird')
  mkdirSync(join(root, 'k3x9test.default'), {recursive: true})
  writeFileSync(join(root, 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=k3x9test.default\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n')
  writeFileSync(join(root, 'k3x9test.default', 'prefs.js'), '// Mozilla User Preferences\n')
  return database(home, join(root, 'k3x9test.default'), p12s)
}

function sharedDatabase(home: string, p12s: string[], options: {password?: string} = {}): string {
  return database(home, join(home, '.pki', 'nssdb'), p12s, options)
}

function out(home: string): string {
  const dir = join(home, 'out')
  mkdirSync(dir, {recursive: true})
  return dir
}

const envOf = (home: string) => ({HOME: home, MAILCERT_DB_PASSWORD: undefined, MAILCERT_DB_PASSWORD_FILE: undefined, MAILCERT_ACCOUNT: undefined, MAILCERT_PROFILE: undefined})

function share(home: string, args: string[] = [], env: Record<string, string | undefined> = {}) {
  return runCli(['share', '--from-store', '--out', join(home, 'out'), '--json', ...args], {env: {...envOf(home), ...env}})
}

/** The signed part and the signature, cut out of the message as a mail client does (RFC 8551 §3.5). */
function partsOf(message: string): {content: string; signature: Buffer} {
  const boundary = /boundary="([^"]+)"/.exec(message)![1]!
  const sections = message.split(`\r\n--${boundary}`)
  return {content: sections[1]!.slice(2), signature: Buffer.from(sections[2]!.split('\r\n\r\n')[1]!.replace(/\r\n/g, ''), 'base64')}
}

/** NSS's own verdict on the message (cmsutil -D, the code Thunderbird verifies with), the test roots trusted for e-mail. */
function nssVerdict(home: string, message: string): string {
  const dir = join(home, `verify-${Math.random().toString(36).slice(2)}`)
  database(home, dir, [])
  for (const [name, root] of [['root', 'ca/root.pem'], ['extra-root', 'ca/extra-root.pem'], ['ec-root', 'ca/ec-root.pem']]) {
    execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', name, '-t', 'C,C,C', '-i', join(FIXTURES, root)], {stdio: 'pipe'})
  }
  const {content, signature} = partsOf(message)
  writeFileSync(join(dir, 'smime.p7s'), signature)
  writeFileSync(join(dir, 'content.txt'), content)
  const result = run('cmsutil', ['-D', '-i', join(dir, 'smime.p7s'), '-c', join(dir, 'content.txt'), '-d', `sql:${dir}`, '-n', '-u', '4', '-h', '2'])
  expect(result.status, result.stderr).toBe(0)
  return /signer0\.status=(\w+)/.exec(result.stdout)?.[1] ?? result.stdout
}

function opensslVerifies(message: string, root: string): {status: number | null; stdout: string; stderr: string} {
  return run('openssl', ['cms', '-verify', '-in', message, '-CAfile', join(FIXTURES, root), '-purpose', 'smimesign'])
}

/** The certificate as the database holds it (certutil -L -n NICK -r: DER). */
function storedDer(dir: string, nickname: string): Buffer {
  return execFileSync('certutil', ['-L', '-d', `sql:${dir}`, '-n', nickname, '-r'])
}

describe('mailcert share --from-store', () => {
  it('signs with the identity in ~/.pki/nssdb: openssl and NSS verify the message, the .cer is the stored certificate, the .p7c its chain from the database', async () => {
    const home = sandboxHome('mailcert-share-store-')
    const nssdb = sharedDatabase(home, ['mailbox-rsa.p12'])
    // A root the database trusts for e-mail: then NSS also names the certificate to encrypt to.
    execFileSync('certutil', ['-M', '-d', `sql:${nssdb}`, '-n', TEST_ROOT, '-t', 'C,C,'])
    out(home)
    const result = await share(home)
    expect(result.code, result.stderr).toBe(0)
    const {files, certificate, fromStore} = json<Envelope>(result).result
    expect(certificate.fingerprintSha256).toBe(plainHex(manifest['certs/mailbox-rsa.pem']!.sha256!))
    expect(fromStore).toMatchObject({location: nssdb, nickname: 'Alice Example', encryptionKeyPreference: true})
    expect(readdirSync(join(home, 'out')).sort()).toEqual(['alice@example.com.cer', 'alice@example.com.eml', 'alice@example.com.p7c'])

    const verified = opensslVerifies(files.message!, 'ca/root.pem')
    expect(verified.status, verified.stderr).toBe(0)
    expect(verified.stderr).toContain('Verification successful')
    expect(verified.stdout).toContain('this message is signed with my S/MIME certificate for alice@example.com.')
    const message = readFileSync(files.message!, 'utf8')
    expect(message.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    expect(nssVerdict(home, message)).toBe('GoodSignature')
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', writeSignature(home, message)])
    expect(printed.stdout).toContain('S/MIME Capabilities (1.2.840.113549.1.9.15)')
    expect(printed.stdout).toMatch(/1\.2\.840\.113549\.1\.9\.16\.2\.11|encrypKeyPref/i)

    expect(readFileSync(files.certificate)).toEqual(storedDer(nssdb, 'Alice Example'))
    const chain = run('openssl', ['pkcs7', '-inform', 'DER', '-in', files.chain, '-print_certs', '-noout'])
    expect(chain.stdout.match(/^subject=/gm)).toHaveLength(3)
  })

  it('in a Thunderbird profile holding a renewal beside the certificate it replaces (one nickname): signs with the renewal, and says so', async () => {
    const home = sandboxHome('mailcert-share-store-')
    const profile = thunderbirdProfile(home, ['mailbox-rsa.p12', 'renewed-rsa.p12'])
    out(home)
    const result = await share(home)
    expect(result.code, result.stderr).toBe(0)
    const {files, certificate, fromStore} = json<Envelope>(result).result
    expect(certificate.fingerprintSha256).toBe(plainHex(manifest['certs/renewed-rsa.pem']!.sha256!))
    expect(fromStore.location).toBe(profile)
    expect(fromStore.store).toBe('Thunderbird profile "default"')
    // The test root is not trusted in the profile: NSS then leaves out which certificate to encrypt to.
    expect(fromStore.encryptionKeyPreference).toBe(false)
    expect(fromStore.passedOver).toEqual([expect.stringContaining('valid for a shorter time')])
    const verified = opensslVerifies(files.message!, 'ca/extra-root.pem')
    expect(verified.status, verified.stderr).toBe(0)
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', writeSignature(home, readFileSync(files.message!, 'utf8'))])
    // The signer NSS picked by nickname is the renewal (openssl prints the serial in decimal).
    const serial = /serial=([0-9A-F]+)/.exec(run('openssl', ['x509', '-in', join(FIXTURES, 'certs/renewed-rsa.pem'), '-noout', '-serial']).stdout)![1]!
    expect(printed.stdout).toContain(`serialNumber: ${BigInt(`0x${serial}`).toString()}`)
    expect(nssVerdict(home, readFileSync(files.message!, 'utf8'))).toBe('GoodSignature')
    expect(readFileSync(files.certificate)).toEqual(derOf('certs/renewed-rsa.pem'))
  })

  it('with identities for two addresses and two databases: exit 2 naming --account, then --profile; each flag narrows the choice', async () => {
    const home = sandboxHome('mailcert-share-store-')
    thunderbirdProfile(home, ['bob-rsa.p12', 'ec-p256.p12'])
    const nssdb = sharedDatabase(home, ['mailbox-rsa.p12'])
    out(home)

    const addresses = await share(home)
    expect(addresses.code).toBe(2)
    expect(json<Envelope>(addresses).error).toMatchObject({code: 'ambiguous-identity', message: expect.stringMatching(/alice@example\.com.*bob@example\.com|bob@example\.com.*alice@example\.com/), hints: [expect.stringContaining('--account')]})

    const stores = await share(home, ['--account', 'alice@example.com'])
    expect(stores.code).toBe(2)
    const error = json<Envelope>(stores).error!
    expect(error).toMatchObject({code: 'ambiguous-store', hints: [expect.stringContaining('--profile')]})
    expect(error.message).toContain('Thunderbird profile "default"')
    expect(error.message).toContain(nssdb)
    expect(readdirSync(join(home, 'out'))).toEqual([])

    const ec = await share(home, ['--account', 'alice@example.com', '--profile', 'default'])
    expect(ec.code, ec.stderr).toBe(0)
    expect(json<Envelope>(ec).result.certificate.fingerprintSha256).toBe(plainHex(manifest['certs/ec-p256.pem']!.sha256!))
    expect(opensslVerifies(json<Envelope>(ec).result.files.message!, 'ca/root.pem').status).toBe(0)

    const rsa = await share(home, ['--force'], {MAILCERT_ACCOUNT: 'alice@example.com', MAILCERT_PROFILE: nssdb})
    expect(rsa.code, rsa.stderr).toBe(0)
    expect(json<Envelope>(rsa).result.certificate.fingerprintSha256).toBe(plainHex(manifest['certs/mailbox-rsa.pem']!.sha256!))

    const bob = await share(home, ['--account', 'bob@example.com'])
    expect(bob.code, bob.stderr).toBe(0)
    expect(json<Envelope>(bob).result.files.message).toBe(join(home, 'out', 'bob@example.com.eml'))
    expect(nssVerdict(home, readFileSync(join(home, 'out', 'bob@example.com.eml'), 'utf8'))).toBe('GoodSignature')
  })

  it('refuses, writing nothing: no identity (exit 5), an encryption-only one (exit 5), an unknown --profile (exit 2), a FILE beside --from-store (exit 2)', async () => {
    const empty = sandboxHome('mailcert-share-store-')
    out(empty)
    const none = await share(empty)
    expect(none.code).toBe(5)
    expect(json<Envelope>(none).error).toMatchObject({code: 'no-stored-identity', hints: [expect.stringContaining('mailcert share FILE'), expect.any(String)]})

    const home = sandboxHome('mailcert-share-store-')
    sharedDatabase(home, ['encryption-only-rsa.p12'])
    out(home)
    const encryptionOnly = await share(home)
    expect(encryptionOnly.code).toBe(5)
    expect(json<Envelope>(encryptionOnly).error!.message).toContain('cannot sign')
    const unknown = await share(home, ['--profile', 'nonesuch'])
    expect(unknown.code).toBe(2)
    expect(json<Envelope>(unknown).error!.code).toBe('no-such-profile')
    const withFile = await runCli(['share', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--from-store', '--out', join(home, 'out')], {env: envOf(home)})
    expect(withFile.code).toBe(2)
    const neither = await runCli(['share', '--out', join(home, 'out')], {env: envOf(home)})
    expect(neither.code).toBe(2)
    expect(neither.stderr).toContain('--from-store')
    expect(readdirSync(join(home, 'out'))).toEqual([])
    expect(readdirSync(join(empty, 'out'))).toEqual([])
  })

  it('a database with a primary password: none given without a terminal is exit 2, a wrong one exit 3 (nothing written), the right one signs', async () => {
    const home = sandboxHome('mailcert-share-store-')
    sharedDatabase(home, ['mailbox-rsa.p12'], {password: 'primary secret'})
    out(home)
    const missing = await share(home)
    expect(missing.code).toBe(2)
    expect(json<Envelope>(missing).error!.hints.join(' ')).toContain('--db-password-file')
    const wrong = await share(home, ['--db-password-file', secret(home, 'wrong', 'not it\n')])
    expect(wrong.code).toBe(3)
    expect(json<Envelope>(wrong).error!.code).toBe('wrong-db-password')
    expect(readdirSync(join(home, 'out'))).toEqual([])
    const right = await share(home, [], {MAILCERT_DB_PASSWORD_FILE: secret(home, 'right', 'primary secret\n')})
    expect(right.code, right.stderr).toBe(0)
    expect(opensslVerifies(json<Envelope>(right).result.files.message!, 'ca/root.pem').status).toBe(0)
  })

  describe('at a terminal', () => {
    let terminal: Terminal | undefined
    afterEach(() => terminal?.close())

    it('asks which address, then writes the files for the one chosen', async () => {
      const home = sandboxHome('mailcert-share-store-')
      sharedDatabase(home, ['mailbox-rsa.p12', 'bob-rsa.p12'])
      const folder = out(home)
      terminal = Terminal.start(['share', '--from-store', '--out', folder], {HOME: home})
      const question = await terminal.waitFor('Sign for which one?')
      expect(question).toContain('alice@example.com')
      expect(question).toContain('bob@example.com')
      terminal.press('Down')
      terminal.press('Enter')
      await terminal.waitFor('Wrote three files')
      expect(await terminal.exitCode()).toBe(0)
      expect(readdirSync(folder).sort()).toEqual(['bob@example.com.cer', 'bob@example.com.eml', 'bob@example.com.p7c'])
    })
  })
})

function writeSignature(home: string, message: string): string {
  const path = join(home, `signature-${Math.random().toString(36).slice(2)}.p7s`)
  writeFileSync(path, partsOf(message).signature)
  return path
}

function derOf(pem: string): Buffer {
  return execFileSync('openssl', ['x509', '-in', join(FIXTURES, pem), '-outform', 'DER'])
}
