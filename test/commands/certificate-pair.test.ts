/**
 * `mailcert install SIGN.p12 ENC.p12`: an authority's separate signing and encryption
 * certificates for one address, given in either order, go into the store together and each
 * client's settings keep them apart. Real Thunderbird profiles and Evolution sources, the built
 * CLI, NSS's tools to read back.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {evolutionEnvironment, makeEvolutionHome, readSmimeThroughEds, signWithEvolution} from '../helpers/evolution-home.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {prefsOf, thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const SIGNING = p12('signing-only-rsa.p12')
const ENCRYPTION = p12('encryption-only-rsa.p12')

function cli(home: ThunderbirdHome, args: string[], env: Record<string, string> = {MAILCERT_PASSWORD: 'test'}) {
  return runCli(args, {env: {HOME: home.home, ...env}, timeoutMs: 120_000})
}

/** certutil -K fails ("no keys found") on a database without keys. */
const keyCount = (home: ThunderbirdHome) => spawnSync('certutil', ['-K', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'}).stdout.split('\n').filter((line) => /^<\s*\d+>/.test(line)).length
const pref = (home: ThunderbirdHome, name: string) => new RegExp(`user_pref\\("mail\\.identity\\.${home.identityKeys['alice@example.com']}\\.${name}", "([^"]*)"\\);`).exec(prefsOf(home))?.[1]
/** The SHA-256 of a certificate file's leaf, as the JSON reports name it. */
const sha256Of = (file: string) => execFileSync('sh', ['-c', `openssl pkcs12 -in "${file}" -passin pass:test -nokeys -clcerts | openssl x509 -outform der | sha256sum`], {encoding: 'utf8'}).slice(0, 64)

type Installed = {status: number; result: {certificate: {fingerprintSha256: string}; encryptionCertificate?: {fingerprintSha256: string}; changed: boolean}}

describe('a separate signing and encryption certificate', () => {
  it('are told apart in either order, set apart in Thunderbird, and removed together', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const before = prefsOf(home)
    const listing = execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})

    // The encryption file first: which is which comes from the key usage, not the order.
    const installed = await cli(home, ['install', ENCRYPTION, SIGNING, '--yes', '--trust-root', '--json'])
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    const result = json<Installed>(installed).result
    expect(result.certificate.fingerprintSha256).toBe(sha256Of(SIGNING))
    expect(result.encryptionCertificate?.fingerprintSha256).toBe(sha256Of(ENCRYPTION))
    expect(keyCount(home)).toBe(2)
    const signing = pref(home, 'signing_cert_dbkey')
    const encryption = pref(home, 'encryption_cert_dbkey')
    expect(signing).toBeTruthy()
    expect(encryption).toBeTruthy()
    expect(signing).not.toBe(encryption)

    // check finds both certificates with their keys, and nothing wrong.
    const checked = await cli(home, ['check', '--json'])
    type Checked = {result: {clients: Array<{profiles: Array<{identities: Array<{email: string; signing: {certificate: {fingerprintSha256: string}; hasKey: boolean}; encryption: {certificate: {fingerprintSha256: string}; hasKey: boolean}}>}>}>}}
    const identity = json<Checked>(checked).result.clients[0]!.profiles[0]!.identities.find((i) => i.email === 'alice@example.com')!
    expect(identity.signing).toMatchObject({hasKey: true, certificate: {fingerprintSha256: sha256Of(SIGNING)}})
    expect(identity.encryption).toMatchObject({hasKey: true, certificate: {fingerprintSha256: sha256Of(ENCRYPTION)}})
    expect(checked.code, checked.stdout).toBe(0)

    // status, as a fleet asks it: each half for the use it serves, and the recorded pair as a whole.
    for (const args of [['status', SIGNING], ['status', ENCRYPTION], ['status']]) {
      const status = await cli(home, args)
      expect(status.code, `${args.join(' ')}: ${status.stdout}${status.stderr}`).toBe(0)
    }

    const again = await cli(home, ['install', SIGNING, ENCRYPTION, '--yes', '--trust-root', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(json<Installed>(again).result.changed).toBe(false)

    // Both halves share one subject, so NSS gives them one nickname: remove still takes out exactly these two.
    const removed = await cli(home, ['remove', '--all', '--delete-identity', '--yes'])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(prefsOf(home)).toBe(before)
    expect(keyCount(home)).toBe(0)
    expect(execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})).toBe(listing)
  }, 240_000)

  it('refuses two files that are not a pair, and a second password it was not given, changing nothing', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const before = prefsOf(home)
    const twoSigners = await cli(home, ['install', SIGNING, p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
    expect(twoSigners.code).toBe(4)
    expect(twoSigners.stderr).toContain('One of the certificates can both sign and encrypt')
    const otherAddress = await cli(home, ['install', SIGNING, p12('bob-rsa.p12'), '--yes', '--trust-root'])
    expect(otherAddress.code).toBe(4)
    expect(otherAddress.stderr).toContain('different addresses')

    // The encryption file under another password: the first one's does not open it, and none other was given.
    const dir = home.home
    const other = join(dir, 'encryption-other-password.p12')
    const pem = join(dir, 'encryption.pem')
    execFileSync('openssl', ['pkcs12', '-in', ENCRYPTION, '-passin', 'pass:test', '-nodes', '-out', pem])
    execFileSync('openssl', ['pkcs12', '-export', '-in', pem, '-passout', 'pass:other', '-out', other])
    const missing = await cli(home, ['install', SIGNING, other, '--yes', '--trust-root'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--second-password-file')
    expect(prefsOf(home)).toBe(before)
    expect(keyCount(home)).toBe(0)

    const passwordFile = join(dir, 'second-password')
    writeFileSync(passwordFile, 'other\n', {mode: 0o600})
    const given = await cli(home, ['install', SIGNING, other, '--yes', '--trust-root', '--second-password-file', passwordFile])
    expect(given.code, given.stderr).toBe(0)
    expect(keyCount(home)).toBe(2)
    expect(readFileSync(passwordFile, 'utf8')).toBe('other\n')
  }, 240_000)

  it('are set apart in Evolution, and Camel (its mail library) signs with the signing one', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    await makeEvolutionHome(home.home, [{address: 'alice@example.com', name: 'Alice Example'}])
    const env = {...evolutionEnvironment(home.home), PATH: process.env.PATH ?? '', MAILCERT_PASSWORD: 'test'}
    const installed = await runCli(['install', SIGNING, ENCRYPTION, '--client', 'evolution', '--yes', '--trust-root'], {env, timeoutMs: 180_000})
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    const alice = (await readSmimeThroughEds(home.home)).find((s) => s.address === 'alice@example.com')!
    // One subject, so NSS gave both halves one nickname: each setting names it, and NSS picks by usage.
    expect(alice).toMatchObject({signingCertificate: 'Alice Example', encryptionCertificate: 'Alice Example'})
    const signed = await signWithEvolution(home.home, alice.signingCertificate!, 'alice@example.com')
    if (!signed.signed) throw new Error(signed.error)
    const message = join(home.home, 'signed.eml')
    const signer = join(home.home, 'signer.pem')
    writeFileSync(message, signed.mime)
    execFileSync('openssl', ['smime', '-verify', '-noverify', '-in', message, '-signer', signer, '-out', '/dev/null'], {stdio: 'pipe'})
    const signerSha = execFileSync('openssl', ['x509', '-in', signer, '-outform', 'DER'])
    expect(createHash('sha256').update(signerSha).digest('hex')).toBe(sha256Of(SIGNING))
  }, 240_000)
})
