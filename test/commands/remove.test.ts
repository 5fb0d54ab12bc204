/**
 * `mailcert remove` as scripts use it, and what Ctrl+C in the middle of an install leaves behind
 * (nothing): real Thunderbird profiles, the built CLI, NSS's tools to read back.
 */
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES, REPO} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {prefsOf, thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

/** The accounts of guided-install.test.ts: one template profile for both files (bob's account is not the certificate's). */
const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'alice.example@example.org', name: 'Alice at the org'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const p12 = (name: string) => join(FIXTURES, 'p12', name)

function cli(home: ThunderbirdHome, args: string[], env: Record<string, string> = {}) {
  return runCli(args, {env: {HOME: home.home, MAILCERT_PASSWORD: 'test', ...env}, timeoutMs: 120_000})
}

const certificates = (home: ThunderbirdHome) => execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})
const journal = (home: ThunderbirdHome) => JSON.parse(readFileSync(join(home.home, '.local', 'share', 'mailcert', 'installed.json'), 'utf8')) as {entries: Array<{identities: Array<{email: string}>}>}

describe('mailcert remove', () => {
  it('puts back exactly what install changed, for one account, then everything with the certificates', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const before = prefsOf(home)
    const listing = certificates(home)
    expect((await cli(home, ['install', p12('sponsor-rsa.p12'), '--yes', '--trust-root', '--sign-by-default'])).code).toBe(0)
    expect(journal(home).entries[0].identities.map((i) => i.email).sort()).toEqual(['alice.example@example.org', 'alice@example.com'])

    const dry = await cli(home, ['remove', '--account', 'alice@example.com', '--yes', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout).toContain('Put back the S/MIME settings of alice@example.com')
    expect(dry.stdout).toContain('Dry run: nothing was changed.')

    const one = await cli(home, ['remove', '--account', 'alice@example.com', '--yes', '--json'])
    expect(one.code, one.stderr).toBe(0)
    expect(json<{result: {targets: Array<{status: string}>}}>(one).result.targets[0].status).toBe('done')
    const prefs = prefsOf(home)
    expect(prefs).not.toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
    expect(prefs).toContain(`mail.identity.${home.identityKeys['alice.example@example.org']}.signing_cert_dbkey`)
    expect(journal(home).entries[0].identities.map((i) => i.email)).toEqual(['alice.example@example.org'])

    const all = await cli(home, ['remove', '--all', '--delete-identity', '--yes'])
    expect(all.code, all.stderr).toBe(0)
    expect(prefsOf(home)).toBe(before)
    expect(certificates(home)).toBe(listing)
    expect(journal(home).entries).toEqual([])

    const again = await cli(home, ['remove', '--all', '--yes'])
    expect(again.code).toBe(2)
    expect(again.stderr).toContain('nothing to remove')

    // Three writes of prefs.js so far, one more install now: two backups stay, the first (Thunderbird's own
    // file) and the newest, and the report says where both are.
    const reinstall = await cli(home, ['install', p12('sponsor-rsa.p12'), '--yes', '--trust-root'])
    expect(reinstall.code, reinstall.stderr).toBe(0)
    const kept = readdirSync(home.profileDir).filter((name) => name.startsWith('prefs.js.mailcert-')).sort()
    expect(kept).toHaveLength(2)
    expect(readFileSync(join(home.profileDir, kept[0]), 'utf8')).toBe(before)
    expect(reinstall.stdout).toContain(`As they were before mailcert first changed them: ${join(home.profileDir, kept[0])}`)
  }, 180_000)

  it('puts back the settings an identity had before, and leaves alone what someone changed since', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const alice = home.identityKeys['alice@example.com']
    const org = home.identityKeys['alice.example@example.org']
    // Alice had set a certificate name and signing by default herself; nothing was set for the org address.
    const path = join(home.profileDir, 'prefs.js')
    writeFileSync(path, `${readFileSync(path, 'utf8')}user_pref("mail.identity.${alice}.sign_mail", false);\nuser_pref("mail.identity.${alice}.signing_cert_name", "Old certificate");\n`)
    const before = prefsOf(home)
    expect((await cli(home, ['install', p12('sponsor-rsa.p12'), '--yes', '--trust-root', '--sign-by-default'])).code).toBe(0)

    // Later the person switches signing by default off again for the org address, in Thunderbird.
    writeFileSync(path, prefsOf(home).replace(`user_pref("mail.identity.${org}.sign_mail", true);`, `user_pref("mail.identity.${org}.sign_mail", false);`))
    const result = await cli(home, ['remove', '--all', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const prefs = prefsOf(home)
    expect(prefs).toContain(`user_pref("mail.identity.${alice}.sign_mail", false);`)
    expect(prefs).toContain(`user_pref("mail.identity.${alice}.signing_cert_name", "Old certificate");`)
    expect(prefs).not.toContain(`mail.identity.${alice}.signing_cert_dbkey`)
    expect(prefs).toContain(`user_pref("mail.identity.${org}.sign_mail", false);`)
    expect(json<{result: {targets: Array<{warnings: string[]}>}}>(result).result.targets[0].warnings.join(' ')).toContain(`mail.identity.${org}.sign_mail was changed after mailcert set it`)
    expect(prefs.split('\n').filter((line) => !line.includes(`mail.identity.${org}.sign_mail`))).toEqual(before.split('\n').filter((line) => !line.includes(`mail.identity.${org}.sign_mail`)))
  }, 180_000)

  it('without a terminal, needs to be told what to remove', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const result = await cli(home, ['remove'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--account EMAIL, --client CLIENT (see mailcert check), --expired, or --all')
  }, 60_000)
})

describe('Ctrl+C during an install', () => {
  it('stops after the running step, undoes what was done, and exits 130', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const before = prefsOf(home)
    const listing = certificates(home)
    // Thunderbird itself does the work here, so the steps take long enough to be interrupted between.
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), 'install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {
      env: {...process.env, HOME: home.home, MAILCERT_PASSWORD: 'test', NO_COLOR: '1'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    let interrupted = false
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      if (!interrupted && stdout.includes('✔ Import the certificate')) {
        interrupted = true
        child.kill('SIGINT')
      }
    })
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(interrupted).toBe(true)
    expect(code, `${stdout}\n${stderr}`).toBe(130)
    expect(stderr).toContain('Stopping after this step')
    expect(stdout).toMatch(/↺ Import the certificate/)
    expect(prefsOf(home)).toBe(before)
    expect(certificates(home)).toBe(listing)
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
  }, 180_000)
})
