/**
 * `mailcert check` end to end: the built CLI (bin/run.js) against a sandbox HOME holding a real
 * Thunderbird 153 profile with mail accounts, NSS's tools reading its database, and Thunderbird itself
 * started headless for --deep. Each test works on its own copy of the profile.
 */
import {execFileSync} from 'node:child_process'
import {appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/clients/check.js'
import {editPrefs, parsePrefs} from '../../src/clients/thunderbird/prefs-js.js'
import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {fixtureDbKey, importP12} from '../helpers/nss-db.js'
import {type CliResult, json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {type ThunderbirdHome, thunderbirdHome, thunderbirdProgram} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const ALICE_KEY = fixtureDbKey('certs/mailbox-rsa.pem')
const EXPIRED_KEY = fixtureDbKey('certs/expired.pem')
/** A real certificate of the test PKI that is never put into a profile. */
const ABSENT_KEY = fixtureDbKey('certs/organization-rsa.pem')
const THUNDERBIRD_TIMEOUT = 120_000

interface Envelope {
  status: number
  result: CheckResult
  warnings: string[]
}

const homes: string[] = []

afterAll(() => {
  for (const home of homes) rmSync(home, {recursive: true, force: true})
})

async function tbHome(): Promise<ThunderbirdHome> {
  const home = await thunderbirdHome(ACCOUNTS)
  homes.push(home.home)
  return home
}

function emptyHome(): string {
  const home = sandboxHome('mailcert-check-home-')
  homes.push(home)
  return home
}

/** Only the sandbox: nothing of this machine's own settings (XDG folders, mailcert's env flags) leaks in. */
function envFor(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: undefined,
    MAILCERT_DEEP: undefined,
    MAILCERT_ALL: undefined,
    MAILCERT_PASSWORD: undefined,
    MAILCERT_PASSWORD_FILE: undefined,
    MAILCERT_DB_PASSWORD: undefined,
    MAILCERT_DB_PASSWORD_FILE: undefined,
    ...extra,
  }
}

function check(home: string, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['check', ...args], {env: envFor(home, extra), timeoutMs: THUNDERBIRD_TIMEOUT})
}

async function checkJson(home: string, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<{result: CliResult; envelope: Envelope}> {
  const result = await check(home, [...args, '--json'], extra)
  return {result, envelope: json<Envelope>(result)}
}

async function install(home: ThunderbirdHome): Promise<void> {
  const result = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--yes', '--trust-root'], {env: envFor(home.home, {MAILCERT_PASSWORD: 'test'})})
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
}

/** Set identity prefs in the copy's prefs.js (null removes one), as a user or another tool might have. */
function setIdentityPrefs(home: ThunderbirdHome, email: string, prefs: Record<string, string | null>): void {
  const key = home.identityKeys[email]
  expect(key, `identity of ${email}`).toBeDefined()
  const file = join(home.profileDir, 'prefs.js')
  const changes = Object.fromEntries(Object.entries(prefs).map(([name, value]) => [`mail.identity.${key}.${name}`, value]))
  writeFileSync(file, editPrefs(parsePrefs(readFileSync(file)), changes))
}

function pointAt(home: ThunderbirdHome, email: string, dbKey: string, name = email): void {
  setIdentityPrefs(home, email, {signing_cert_dbkey: dbKey, signing_cert_name: name, encryption_cert_dbkey: dbKey, encryption_cert_name: name})
}

/** Processes whose command line names this profile folder (a Thunderbird left running on it). */
function processesOn(profileDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(profileDir)) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}

const thunderbirdOf = (envelope: Envelope) => envelope.result.clients.find((c) => c.client === 'thunderbird')!
const profileOf = (envelope: Envelope) => thunderbirdOf(envelope).profiles[0]!
const identityOf = (envelope: Envelope, email: string) => profileOf(envelope).identities.find((i) => i.email === email)!

describe('mailcert check on a profile with accounts and no certificate', () => {
  it('exits 0 and lists each identity as having no S/MIME certificate', async () => {
    const home = await tbHome()
    const result = await check(home.home)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^Thunderbird \/\S*thunderbird$/m)
    expect(result.stdout).toContain('supports S/MIME')
    expect(result.stdout).toContain(`Profile "default-release" ${home.profileDir} (Thunderbird 153.`)
    expect(result.stdout).toContain("checked with NSS's tools")
    expect(result.stdout).toContain('    alice@example.com (Alice Example): no S/MIME certificate')
    expect(result.stdout).toContain('    bob@example.com (Bob Example): no S/MIME certificate')
    expect(result.stdout).toContain('✔ No problems found.')
    // An identity without a certificate is information, not a problem: no fix lines.
    expect(result.stdout).not.toContain('fix:')
  })

  it('--json: the envelope {status, result: {platform, clients, notInstalled, problems, nssDriver}, warnings}', async () => {
    const home = await tbHome()
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(0)
    expect(Object.keys(envelope).sort()).toEqual(['result', 'status', 'warnings'])
    expect(Object.keys(envelope.result).sort()).toEqual(['clients', 'notInstalled', 'nssDriver', 'platform', 'problems'])
    expect(envelope).toMatchObject({status: 0, warnings: [], result: {platform: 'linux', notInstalled: [], nssDriver: 'tools'}})
    const thunderbird = thunderbirdOf(envelope)
    expect(thunderbird).toMatchObject({
      client: 'thunderbird',
      name: 'Thunderbird',
      program: expect.stringMatching(/thunderbird$/),
      support: {client: 'thunderbird', platform: 'linux', smime: 'yes', mailcert: 'configures', implemented: true, source: expect.stringContaining('research/')},
    })
    expect(thunderbird.profiles).toHaveLength(1)
    expect(profileOf(envelope)).toMatchObject({
      name: 'default-release',
      dir: home.profileDir,
      packaging: 'standard',
      isDefault: true,
      version: expect.stringMatching(/^153\./),
      busy: false,
      database: 'sql',
      checkedWith: 'tools',
    })
    const identities = profileOf(envelope).identities
    expect(identities.map((i) => [i.key, i.email, i.name, i.configured, i.signing, i.encryption])).toEqual([
      [home.identityKeys['alice@example.com'], 'alice@example.com', 'Alice Example', false, null, null],
      [home.identityKeys['bob@example.com'], 'bob@example.com', 'Bob Example', false, null, null],
    ])
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.account])).toEqual([
      ['info', 'smime-not-configured', 'alice@example.com'],
      ['info', 'smime-not-configured', 'bob@example.com'],
    ])
    expect(envelope.result.problems[0]!.fix).toBe('mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com')
  })
})

describe('mailcert check after mailcert install', () => {
  it('exits 0 and shows the certificate alice signs and decrypts with, with its key, valid', async () => {
    const home = await tbHome()
    await install(home)

    const text = await check(home.home)
    expect(text.code, text.stdout).toBe(0)
    expect(text.stdout).toContain('    alice@example.com (Alice Example):\n      signs with     CN=alice@example.com, until 2036-12-31, valid')
    expect(text.stdout).toContain('      decrypts with  CN=alice@example.com, until 2036-12-31, valid')
    expect(text.stdout).toContain('    bob@example.com (Bob Example): no S/MIME certificate')
    expect(text.stdout).toContain('✔ No problems found.')

    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(0)
    expect(envelope.status).toBe(0)
    const alice = identityOf(envelope, 'alice@example.com')
    const state = {
      dbKey: ALICE_KEY,
      name: expect.any(String),
      certificate: {subject: 'CN=alice@example.com', emails: ['alice@example.com'], notAfter: '2036-12-31T23:59:59.000Z', fingerprintSha256: expect.stringMatching(/^64bf1093/)},
      hasKey: true,
      verdict: {valid: true},
    }
    expect(alice).toMatchObject({configured: true, signing: state, encryption: state, problems: []})
    expect(alice.signing!.name).not.toBe('')
    expect(identityOf(envelope, 'bob@example.com').configured).toBe(false)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([])
  })

  it('--deep asks Thunderbird itself, offline, agrees, and leaves no Thunderbird running and the profile byte for byte', async () => {
    // The accounts check for mail at start-up on servers that drop or never answer a connection:
    // online, Thunderbird would not be ready to be asked before MAILCERT_THUNDERBIRD_TIMEOUT.
    const home = await tbHome()
    await install(home)
    const prefsBefore = readFileSync(join(home.profileDir, 'prefs.js'))
    const connections = () => [home.servers.dropping.connections(), home.servers.silent.connections()]
    const connectionsBefore = connections()

    const text = await check(home.home, ['--deep'], {MAILCERT_THUNDERBIRD_TIMEOUT: '45'})
    expect(text.code, `${text.stdout}\n${text.stderr}`).toBe(0)
    expect(text.stdout).toContain('checked with Thunderbird itself')
    expect(text.stdout).toContain('signs with     CN=alice@example.com, until 2036-12-31, valid')
    expect(text.stdout).toContain('decrypts with  CN=alice@example.com, until 2036-12-31, valid')
    expect(text.stdout).toContain('✔ No problems found.')

    // The JSON form through MAILCERT_DEEP, so that the environment variable is covered too.
    const {result, envelope} = await checkJson(home.home, [], {MAILCERT_DEEP: '1', MAILCERT_THUNDERBIRD_TIMEOUT: '45'})
    expect(result.code, result.stderr).toBe(0)
    expect(envelope.result.nssDriver).toBe('thunderbird')
    expect(profileOf(envelope).checkedWith).toBe('thunderbird')
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({signing: {hasKey: true, verdict: {valid: true}}, encryption: {hasKey: true, verdict: {valid: true}}, problems: []})

    expect(connections()).toEqual(connectionsBefore)
    expect(processesOn(home.profileDir)).toEqual([])
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(readFileSync(join(home.profileDir, 'prefs.js')).equals(prefsBefore)).toBe(true)
  }, THUNDERBIRD_TIMEOUT)
})

describe('mailcert check finds problems', () => {
  it('exits 8 and prints one line per problem with the command that fixes it', async () => {
    const home = await tbHome()
    // alice points at a certificate that really expired (imported with pk12util), bob at one that is not there.
    importP12(home.profileDir, 'expired.p12')
    pointAt(home, 'alice@example.com', EXPIRED_KEY, 'Alice Example')
    pointAt(home, 'bob@example.com', ABSENT_KEY, 'Example GmbH')

    const text = await check(home.home)
    expect(text.code, text.stdout).toBe(8)
    expect(text.stdout).toContain('signs with     CN=Alice Example, surname=Example, givenName=Alice, until 2021-01-01, not accepted: a certificate in the chain has expired')
    expect(text.stdout).toContain('signs with     missing from the database')
    const problemBlock = text.stdout.slice(text.stdout.indexOf('2 problems'))
    expect(problemBlock.split('\n')).toEqual([
      '2 problems',
      '  ✖ alice@example.com: The signing certificate expired on 2021-01-01.',
      '      fix: Renew it with your certificate authority, then: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com',
      "  ✖ bob@example.com: The signing certificate this identity points at is not in the profile's database.",
      '      fix: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account bob@example.com',
      '',
    ])

    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.status).toBe(8)
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.account, p.profile])).toEqual([
      ['error', 'expired', 'alice@example.com', home.profileDir],
      ['error', 'signing-certificate-missing', 'bob@example.com', home.profileDir],
    ])
    expect(identityOf(envelope, 'bob@example.com').signing).toEqual({dbKey: ABSENT_KEY, name: 'Example GmbH', certificate: null, hasKey: false, verdict: null})
    expect(identityOf(envelope, 'alice@example.com').signing).toMatchObject({hasKey: true, certificate: {daysLeft: expect.any(Number)}})
    expect(identityOf(envelope, 'alice@example.com').signing!.certificate!.daysLeft).toBeLessThan(0)
  })

  it('a warning alone (a certificate without a name in the settings) also exits 8', async () => {
    const home = await tbHome()
    await install(home)
    setIdentityPrefs(home, 'alice@example.com', {signing_cert_name: null})
    const text = await check(home.home)
    expect(text.code).toBe(8)
    expect(text.stdout).toContain('1 problem\n  ▲ alice@example.com: The signing certificate has no name in the settings, so the compose window keeps S/MIME switched off.')
    expect(text.stdout).toContain('      fix: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com')
  })

  it("bob's identity pointed at alice's certificate: address-mismatch (and the same certificate is fine for alice)", async () => {
    const home = await tbHome()
    await install(home)
    pointAt(home, 'bob@example.com', ALICE_KEY, 'alice@example.com')
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([
      {
        severity: 'error',
        code: 'address-mismatch',
        message: 'The signing certificate is for alice@example.com, not bob@example.com.',
        fix: 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account bob@example.com',
        profile: home.profileDir,
        account: 'bob@example.com',
      },
    ])
    expect(identityOf(envelope, 'alice@example.com').problems).toEqual([])
  })

  it("an untrusted root: NSS's tools say not-trusted, Thunderbird itself is asked and agrees", async () => {
    const home = await tbHome()
    // The key and chain imported by hand, the test root left untrusted.
    importP12(home.profileDir, 'mailbox-rsa.p12')
    pointAt(home, 'alice@example.com', ALICE_KEY)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code, result.stderr).toBe(8)
    expect(envelope.result.nssDriver).toBe('tools')
    expect(profileOf(envelope).checkedWith).toBe('thunderbird')
    const alice = identityOf(envelope, 'alice@example.com')
    expect(alice.signing).toMatchObject({hasKey: true, verdict: {valid: false, code: expect.stringMatching(/^(untrusted|unknown)-issuer$/)}})
    expect(alice.problems).toMatchObject([{severity: 'error', code: 'not-trusted', fix: expect.stringContaining('--trust-root')}])
    expect(processesOn(home.profileDir)).toEqual([])
  }, THUNDERBIRD_TIMEOUT)

  it('a profile whose database has a primary password is not checked without it, and is with MAILCERT_DB_PASSWORD', async () => {
    const home = await tbHome()
    await install(home)
    const secrets = emptyHome()
    writeFileSync(join(secrets, 'old'), '\n', {mode: 0o600})
    writeFileSync(join(secrets, 'new'), 'Primary-Pw-7\n', {mode: 0o600})
    execFileSync('certutil', ['-W', '-d', `sql:${home.profileDir}`, '-f', join(secrets, 'old'), '-@', join(secrets, 'new')], {stdio: 'ignore'})

    const without = await check(home.home)
    expect(without.code).toBe(8)
    expect(without.stdout).toContain('The certificate database is protected by a primary password, so it was not checked.')
    expect(without.stdout).toContain('fix: mailcert check --db-password-file FILE (or MAILCERT_DB_PASSWORD)')

    const {result, envelope} = await checkJson(home.home, [], {MAILCERT_DB_PASSWORD: 'Primary-Pw-7'})
    expect(result.code, result.stdout).toBe(0)
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({signing: {hasKey: true, verdict: {valid: true}}})
    expect(result.stdout).not.toContain('Primary-Pw-7')
  })

  it('without vfychain (an optional tool) the chain is not checked, and the certificate is not called "not accepted"', async () => {
    const home = await tbHome()
    await install(home)
    // A PATH with NSS's certutil, pk12util and modutil, but not vfychain.
    const bin = emptyHome()
    for (const tool of ['certutil', 'pk12util', 'modutil']) symlinkSync(execFileSync('which', [tool], {encoding: 'utf8'}).trim(), join(bin, tool))
    const {result, envelope} = await checkJson(home.home, [], {PATH: bin})
    expect(profileOf(envelope).checkedWith, result.stderr).not.toBeNull()
    const alice = identityOf(envelope, 'alice@example.com')
    expect(alice.signing).toMatchObject({hasKey: true, certificate: {subject: 'CN=alice@example.com'}})
    // What mailcert could not find out is not an error of the certificate (it is valid: see the tests above).
    expect(envelope.result.problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(envelope.result.problems.map((p) => p.message).join('\n')).not.toContain('is not accepted')
  }, THUNDERBIRD_TIMEOUT)

  it('a prefs.js that cannot be read is a warning for its profile', async () => {
    const home = await tbHome()
    appendFileSync(join(home.profileDir, 'prefs.js'), 'user_pref("broken", \n')
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems).toMatchObject([{severity: 'warning', code: 'profile-unreadable', message: expect.stringContaining('prefs.js cannot be read'), profile: home.profileDir}])
  })

  it('identities that point at certificates in a profile without a certificate database', async () => {
    const home = await tbHome()
    pointAt(home, 'alice@example.com', ALICE_KEY)
    for (const file of ['cert9.db', 'key4.db']) rmSync(join(home.profileDir, file))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(profileOf(envelope)).toMatchObject({database: 'none', checkedWith: null})
    expect(envelope.result.problems).toMatchObject([{severity: 'error', code: 'no-nss-database'}])
  })
})

describe('mailcert check while Thunderbird runs on the profile', () => {
  it('without --deep it still reads the database; --deep gives the client-running warning (exit 8)', async () => {
    const home = await tbHome()
    await install(home)
    const running = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      const plain = await check(home.home)
      expect(plain.code, plain.stdout).toBe(0)
      expect(plain.stdout).toMatch(/\(Thunderbird 153\.[^)]*Thunderbird is running, checked with NSS's tools\)/)
      expect(plain.stdout).toContain('signs with     CN=alice@example.com, until 2036-12-31, valid')

      const deep = await check(home.home, ['--deep'])
      expect(deep.code, deep.stdout).toBe(8)
      expect(deep.stdout).toContain(
        `  ▲ ${home.profileDir}: Thunderbird is running on this profile, so it cannot be asked for its verdict.\n      fix: Close Thunderbird and run mailcert check --deep again.`,
      )

      const {envelope} = await checkJson(home.home, ['--deep'])
      expect(envelope.status).toBe(8)
      expect(profileOf(envelope)).toMatchObject({busy: true, checkedWith: null, identities: []})
      expect(envelope.result.problems).toMatchObject([{severity: 'warning', code: 'client-running', profile: home.profileDir}])
      // mailcert started no Thunderbird of its own: only ours runs on the profile.
      expect(processesOn(home.profileDir)).toContain(running.process.pid)
    } finally {
      await running.stop()
    }
    expect(processesOn(home.profileDir)).toEqual([])
  }, THUNDERBIRD_TIMEOUT)
})

describe('mailcert check without Thunderbird profiles, and other clients', () => {
  it('a HOME with no Thunderbird profile: the program is reported, nothing is wrong (exit 0)', async () => {
    const home = emptyHome()
    const text = await check(home)
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).not.toContain('Profile "')
    expect(text.stdout).toContain('✔ No problems found.')
    const {envelope} = await checkJson(home)
    expect(envelope.status).toBe(0)
    // Thunderbird is installed on this machine (/usr/lib/thunderbird) but was never started for this user.
    expect(envelope.result.clients.map((c) => [c.client, c.profiles.length])).toEqual([['thunderbird', 0]])
    expect(envelope.result.problems).toEqual([])
  })

  it('--deep on a HOME with no profile starts nothing and finds nothing wrong', async () => {
    const home = emptyHome()
    const {result, envelope} = await checkJson(home, ['--deep'])
    expect(result.code, result.stderr).toBe(0)
    expect(envelope.result).toMatchObject({nssDriver: 'thunderbird', problems: []})
    expect(readdirSync(home)).toEqual([])
  })

  it('--all lists the clients that are not installed here, with what mailcert knows and its source', async () => {
    const home = emptyHome()
    const text = await check(home, ['--all'])
    expect(text.code).toBe(0)
    const notInstalled = text.stdout.slice(text.stdout.indexOf('Not installed here'))
    expect(notInstalled).toMatch(/^ {2}Outlook \(classic\) on windows: supports S\/MIME \(since 2016 \(16\.0\)\); key in Windows certificate store, CurrentUser\\My; mailcert configures it in a later version$/m)
    expect(notInstalled).toMatch(/^ {2}Apple Mail on macos: supports S\/MIME .*$/m)
    expect(notInstalled).toMatch(/^ {2}Outlook for Mac on macos: /m)
    expect(notInstalled).toMatch(/^ {2}New Outlook for Windows on windows: supports S\/MIME in part/m)
    expect(notInstalled).toMatch(/^ {2}Evolution on linux: /m)
    expect(notInstalled).toMatch(/\(source: research\/windows-outlook\.md §0, §4\)/)
    expect(notInstalled).toMatch(/\(source: research\/macos-mail\.md §0; research\/anchors\.md §1\.9\)/)
    // Thunderbird is installed on Linux here: only its other platforms are "not installed".
    expect(notInstalled).not.toMatch(/Thunderbird on linux/)

    const {envelope} = await checkJson(home, ['--all'])
    const rows = envelope.result.notInstalled.map((row) => `${row.client}/${row.platform}`)
    expect(rows).toEqual(expect.arrayContaining(['outlook/windows', 'new-outlook/windows', 'outlook-mac/macos', 'apple-mail/macos', 'evolution/linux', 'thunderbird/macos', 'thunderbird/windows']))
    expect(rows).not.toContain('thunderbird/linux')
    for (const row of envelope.result.notInstalled) expect(row.source).toMatch(/research\//)

    // Without --all, nothing about other clients.
    const plain = await checkJson(home)
    expect(plain.envelope.result.notInstalled).toEqual([])
    expect((await check(home)).stdout).not.toContain('Not installed here')
  })

  it('Evolution is reported when its settings folder exists, and is then not listed as "not installed"', async () => {
    const home = emptyHome()
    mkdirSync(join(home, '.config', 'evolution', 'sources'), {recursive: true})
    const {result, envelope} = await checkJson(home, ['--all'])
    expect(result.code).toBe(0)
    const evolution = envelope.result.clients.find((c) => c.client === 'evolution')
    expect(evolution).toMatchObject({name: 'Evolution', program: join(home, '.config', 'evolution', 'sources'), support: {platform: 'linux', implemented: false}, profiles: []})
    expect(envelope.result.notInstalled.map((row) => `${row.client}/${row.platform}`)).not.toContain('evolution/linux')
    expect((await check(home)).stdout).toMatch(/^Evolution /m)
  })

  it("a profile Thunderbird made but never used (the legacy 'default' of a first run) is not a problem", async () => {
    // On its first start Thunderbird 153 makes two profiles: the one it uses (with prefs.js) and a legacy
    // "default" that only ever holds times.json. Every new installation looks like this.
    const home = await tbHome()
    const unused = join(home.home, '.thunderbird', 'x1y2z3w4.default')
    mkdirSync(unused)
    writeFileSync(join(unused, 'times.json'), '{\n"created": 1764300000000,\n"firstUse": null\n}')
    appendFileSync(join(home.home, '.thunderbird', 'profiles.ini'), '\n[Profile1]\nName=default\nIsRelative=1\nPath=x1y2z3w4.default\nDefault=1\n')

    const {result, envelope} = await checkJson(home.home)
    expect(thunderbirdOf(envelope).profiles.find((p) => p.name === 'default-release')).toMatchObject({checkedWith: 'tools', identities: [{}, {}]})
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([])
    expect(result.code).toBe(0)
  })
})
