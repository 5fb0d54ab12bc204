/**
 * Installing with Thunderbird itself doing the NSS work, on a machine without NSS's tools: the
 * user's Thunderbird is started headless on the profile and driven over Marionette.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {askThunderbird} from '../helpers/thunderbird-probe.js'
import {prefsOf, thunderbirdHome, thunderbirdProgram, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const p12 = (name: string) => join(FIXTURES, 'p12', name)

/** A PATH with `ps` and nothing of NSS: what a desktop without libnss3-tools offers mailcert. */
function pathWithoutNssTools(): string {
  const bin = mkdtempSync(join(tmpdir(), 'mailcert-path-'))
  for (const program of ['ps', 'sh']) symlinkSync(execFileSync('which', [program], {encoding: 'utf8'}).trim(), join(bin, program))
  return bin
}

function install(home: ThunderbirdHome, args: string[], env: Record<string, string> = {}) {
  return runCli(['install', ...args], {env: {HOME: home.home, MAILCERT_PASSWORD: 'test', PATH: pathWithoutNssTools(), ...env}, timeoutMs: 180_000})
}

function certutilListing(home: ThunderbirdHome): string {
  return execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})
}

describe('installing through Thunderbird itself (no NSS tools on PATH)', () => {
  it.each([
    ['mailbox-rsa.p12', 'CN=alice@example.com', 'rsa'],
    ['ec-p256.p12', 'CN=Alice Example EC', 'ec'],
  ])('%s: Thunderbird imports, trusts the root, and then accepts the certificate in a fresh run', async (file, subject) => {
    const home = await thunderbirdHome(ACCOUNTS)
    const result = await install(home, [p12(file), '--yes', '--trust-root', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = json<{result: {nssDriver: string; targets: Array<{status: string; steps: Array<{id: string; status: string}>; verification: Record<string, {valid: boolean}>}>}}>(result).result
    expect(report.nssDriver).toBe('thunderbird')
    expect(report.targets[0].status).toBe('done')
    expect(report.targets[0].steps.map((s) => [s.id, s.status])).toEqual([
      ['import-identity', 'done'],
      ['trust-root', 'done'],
      ['verify', 'unchanged'],
      ['configure-identities', 'done'],
    ])
    expect(report.targets[0].verification.signing.valid).toBe(true)

    // NSS's tools (run here by the test, not by mailcert) see the certificate with its private key.
    expect(certutilListing(home)).toMatch(/Alice Example\s+u,u,u/)
    // The headless run left the profile's own settings alone: no user.js, no Marionette port.
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).not.toContain('marionette.port')

    const alice = (await askThunderbird(home.profileDir, home.home)).find((v) => v.email === 'alice@example.com')
    expect(alice).toMatchObject({signing: {subject, signer: 0, recipient: 0}})
  }, 240_000)

  it('says "wrong password" before starting Thunderbird', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes'], {MAILCERT_PASSWORD: 'nope'})
    expect(result.code).toBe(3)
    expect(result.stderr).toContain('The password is wrong.')
  }, 60_000)

  it('refuses a profile locked by a running Thunderbird (exit 6)', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--nss-driver', 'thunderbird'])
      expect(result.code).toBe(6)
      expect(result.stderr).toContain('Thunderbird is running')
    } finally {
      await thunderbird.stop()
    }
  }, 120_000)

  it('cannot drive a profile with a primary password, and says what to do instead', async () => {
    // Thunderbird asks for the primary password while it starts, in a dialog a headless run cannot
    // answer, so its remote-control port never opens: the NSS tools driver is the way for such profiles.
    const home = await thunderbirdHome(ACCOUNTS)
    const secrets = mkdtempSync(join(tmpdir(), 'mailcert-secrets-'))
    writeFileSync(join(secrets, 'empty'), '\n')
    writeFileSync(join(secrets, 'db'), 'Primary-Secret-7\n')
    execFileSync('certutil', ['-W', '-d', `sql:${home.profileDir}`, '-f', join(secrets, 'empty'), '-@', join(secrets, 'db')])
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root'], {MAILCERT_DB_PASSWORD: 'Primary-Secret-7', MAILCERT_THUNDERBIRD_TIMEOUT: '8'})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('Primary Password')
    expect(result.stderr).toContain('libnss3-tools')
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).not.toContain('signing_cert_dbkey')
  }, 120_000)

  it('times out cleanly on a Thunderbird that never opens its port: nothing left running, nothing changed', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    // The profile says it last ran from a folder whose "thunderbird" only sleeps.
    const stubDir = mkdtempSync(join(tmpdir(), 'mailcert-stub-'))
    // An unusual duration marks the stub's child in the process list.
    const duration = String(600 + (process.pid % 300))
    writeFileSync(join(stubDir, 'thunderbird'), `#!/bin/sh\n/bin/sleep ${duration}\n`)
    chmodSync(join(stubDir, 'thunderbird'), 0o755)
    writeFileSync(join(home.profileDir, 'compatibility.ini'), `[Compatibility]\nLastVersion=153.8.0_20260101000000/20260101000000\nLastAppDir=${stubDir}\n`)
    const prefs = prefsOf(home)
    const listing = certutilListing(home)

    const started = Date.now()
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {MAILCERT_THUNDERBIRD_TIMEOUT: '3'})
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('did not open its remote-control port in time')
    expect(Date.now() - started).toBeLessThan(30_000)

    const processes = execFileSync('ps', ['-A', '-o', 'args='], {encoding: 'utf8'})
    expect(processes).not.toContain(stubDir)
    expect(processes).not.toContain(`sleep ${duration}`)
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).toBe(prefs)
    expect(certutilListing(home)).toBe(listing)
    expect(readdirSync(home.profileDir).filter((name) => name.includes('mailcert'))).toEqual([])
  }, 120_000)
})
