/**
 * Renewal and `remove --expired`, as a person lives them: Alice's certificate is installed, her next
 * one arrives and is installed over it (the old key stays), and once the old one has expired
 * (Debian's faketime runs mailcert and the NSS tools at that date) it is cleared away. Real
 * Thunderbird profiles, the built CLI, NSS's tools to read back.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {prefsOf, thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const AFTER_OLD_EXPIRED = '2037-06-01 12:00:00'

function cli(home: ThunderbirdHome, args: string[], at?: string) {
  return runCli(args, {env: {HOME: home.home, MAILCERT_PASSWORD: 'test'}, timeoutMs: 120_000, runUnder: at ? ['faketime', at] : undefined})
}

const keyIds = (home: ThunderbirdHome) =>
  execFileSync('certutil', ['-K', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})
    .split('\n')
    .map((line) => /^<\s*\d+>\s+\w+\s+([0-9a-f]{40})/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort()
const pref = (home: ThunderbirdHome, name: string) => new RegExp(`user_pref\\("mail\\.identity\\.${home.identityKeys['alice@example.com']}\\.${name}", "([^"]*)"\\);`).exec(prefsOf(home))?.[1]
const journal = (home: ThunderbirdHome) =>
  JSON.parse(readFileSync(join(home.home, '.local', 'share', 'mailcert', 'installed.json'), 'utf8')) as {entries: Array<{certificate: {notAfter?: string}; identities: Array<{previous: Record<string, unknown>}>}>}

type Installed = {result: {certificate: {fingerprintSha256: string}; replaced: Array<{accounts: string[]; certificate: {sha256: string; notAfter: string | null}}>}}

describe('renewing a certificate', () => {
  it('moves the account to the new certificate, keeps the old key, and clears it away once it has expired', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const before = prefsOf(home)
    const first = await cli(home, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--sign-by-default', '--json'])
    expect(first.code, first.stderr).toBe(0)
    const old = json<Installed>(first).result
    expect(old.replaced).toEqual([])
    expect(journal(home).entries[0]!.certificate.notAfter).toBe('2036-12-31T23:59:59.000Z')
    const oldDbKey = pref(home, 'signing_cert_dbkey')
    const oldKeys = keyIds(home)

    // The plan (what the guided installer shows before it asks) says what is replaced and that the old key stays.
    const dry = await cli(home, ['install', p12('renewed-rsa.p12'), '--yes', '--trust-root', '--dry-run'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('Renewal in')
    expect(dry.stdout).toContain('alice@example.com used')
    expect(dry.stdout).toContain(`SHA-256 ${old.certificate.fingerprintSha256.slice(0, 16)}…, valid until 2036-12-31`)
    expect(dry.stdout).toContain('still opens')

    const renewed = await cli(home, ['install', p12('renewed-rsa.p12'), '--yes', '--trust-root', '--json'])
    expect(renewed.code, renewed.stderr).toBe(0)
    expect(json<Installed>(renewed).result.replaced).toEqual([
      expect.objectContaining({accounts: ['alice@example.com'], certificate: expect.objectContaining({sha256: old.certificate.fingerprintSha256, notAfter: '2036-12-31T23:59:59.000Z'})}),
    ])
    expect(pref(home, 'signing_cert_dbkey')).not.toBe(oldDbKey)
    expect(pref(home, 'encryption_cert_dbkey')).toBe(pref(home, 'signing_cert_dbkey'))
    const bothKeys = keyIds(home)
    expect(bothKeys).toHaveLength(2)
    expect(bothKeys).toEqual(expect.arrayContaining(oldKeys))

    // Nothing has expired yet: that is not an error, and nothing changes.
    const early = await cli(home, ['remove', '--expired', '--delete-identity', '--yes'])
    expect(early.code, early.stderr).toBe(0)
    expect(early.stdout).toContain('The first to expire is')
    expect(keyIds(home)).toEqual(bothKeys)

    // Once the old one has expired: its key goes (with the warning), the renewed account keeps its certificate.
    const newDbKey = pref(home, 'signing_cert_dbkey')
    const later = await cli(home, ['remove', '--expired', '--delete-identity', '--yes'], AFTER_OLD_EXPIRED)
    expect(later.code, later.stdout + later.stderr).toBe(0)
    expect(later.stdout).toContain('can no longer be read there')
    expect(keyIds(home)).toEqual(bothKeys.filter((id) => !oldKeys.includes(id)))
    expect(pref(home, 'signing_cert_dbkey')).toBe(newDbKey)
    expect(prefsOf(home)).toContain('sign_mail", true')
    expect(journal(home).entries).toHaveLength(1)

    // The renewed install now answers for both: undoing it returns to the profile before mailcert came.
    const all = await cli(home, ['remove', '--all', '--yes'])
    expect(all.code, all.stderr).toBe(0)
    expect(prefsOf(home)).toBe(before)
  }, 240_000)

  it('puts back an account still set to an expired certificate', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const before = prefsOf(home)
    expect((await cli(home, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root'])).code).toBe(0)
    const later = await cli(home, ['remove', '--expired', '--yes', '--json'], AFTER_OLD_EXPIRED)
    expect(later.code, later.stderr).toBe(0)
    expect(json<{result: {changed: boolean}}>(later).result.changed).toBe(true)
    expect(prefsOf(home)).toBe(before)
    // Without --delete-identity the key stays, and the record keeps the certificate for a later removal.
    expect(keyIds(home)).toHaveLength(1)
    expect(journal(home).entries).toHaveLength(1)
  }, 180_000)
})
