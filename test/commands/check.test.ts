/**
 * `mailcert check` end to end: the built CLI (bin/run.js) against a sandbox HOME holding a real
 * Thunderbird 153 profile with mail accounts, NSS's tools reading its database, and Thunderbird itself
 * started headless for --deep. Each test works on its own copy of the profile.
 */
import {execFileSync} from 'node:child_process'
import {appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/clients/check.js'
import {editPrefs, parsePrefs} from '../../src/clients/thunderbird/prefs-js.js'
import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {renderCheck} from '../../src/ui/render-check.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {fixtureDbKey, importP12} from '../helpers/nss-db.js'
import {type CliResult, json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {preparedThunderbirdHomes} from '../helpers/prepared-thunderbird-home.js'
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
    XDG_DATA_HOME: undefined,
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

/** A copy of the profile after `mailcert install mailbox-rsa.p12 --yes --trust-root` (that install runs once per file). */
const installedHome = preparedThunderbirdHomes(ACCOUNTS, install)

// The template (which another test process may be building) and the install, before the tests and their 30 s each.
beforeAll(async () => {
  await installedHome()
}, 180_000)

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

  it('--json: the envelope {status, result: {platform, clients, notInstalled, correspondents, problems}, warnings}', async () => {
    const home = await tbHome()
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(0)
    expect(Object.keys(envelope).sort()).toEqual(['result', 'status', 'warnings'])
    expect(Object.keys(envelope.result).sort()).toEqual(['clients', 'correspondents', 'notInstalled', 'platform', 'problems'])
    expect(envelope).toMatchObject({status: 0, warnings: [], result: {platform: 'linux', notInstalled: [], correspondents: []}})
    expect(envelope.result.clients.find((c) => c.client === 'thunderbird')).toMatchObject({storeAccess: 'tools'})
    const thunderbird = thunderbirdOf(envelope)
    expect(thunderbird).toMatchObject({
      client: 'thunderbird',
      name: 'Thunderbird',
      program: expect.stringMatching(/thunderbird$/),
      support: {client: 'thunderbird', platform: 'linux', smime: 'yes', mailcert: 'configures', implemented: true, source: expect.stringContaining('https://')},
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
    const home = await installedHome()

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
      reference: ALICE_KEY,
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
    const home = await installedHome()
    const prefsBefore = readFileSync(join(home.profileDir, 'prefs.js'))
    const connections = () => [home.servers.dropping.connections(), home.servers.silent.connections()]
    const connectionsBefore = connections()

    // One Thunderbird run, asked for through MAILCERT_DEEP (the flag --deep is the other tests' business):
    // the result in JSON, and the text that `check --deep` prints for it (the command prints renderCheck(result)).
    const {result, envelope} = await checkJson(home.home, [], {MAILCERT_DEEP: '1', MAILCERT_THUNDERBIRD_TIMEOUT: '45'})
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
    expect(envelope.result.clients.find((c) => c.client === 'thunderbird')?.storeAccess).toBe('thunderbird')
    expect(profileOf(envelope).checkedWith).toBe('thunderbird')
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({signing: {hasKey: true, verdict: {valid: true}}, encryption: {hasKey: true, verdict: {valid: true}}, problems: []})
    const text = renderCheck(envelope.result)
    expect(text).toContain('checked with Thunderbird itself')
    expect(text).toContain('signs with     CN=alice@example.com, until 2036-12-31, valid')
    expect(text).toContain('decrypts with  CN=alice@example.com, until 2036-12-31, valid')
    expect(text).toContain('✔ No problems found.')

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
      '  ✖ alice@example.com: The signing certificate expired on 2021-01-01: it can no longer sign, and nobody can encrypt to it.',
      '      fix: Get a new certificate from your certificate authority, then: mailcert install NEW-CERTIFICATE.p12 --client thunderbird --account alice@example.com (the old key stays, so mail encrypted to the old certificate still opens)',
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
    expect(identityOf(envelope, 'bob@example.com').signing).toEqual({reference: ABSENT_KEY, name: 'Example GmbH', certificate: null, hasKey: false, verdict: null})
    expect(identityOf(envelope, 'alice@example.com').signing).toMatchObject({hasKey: true, certificate: {daysLeft: expect.any(Number)}})
    expect(identityOf(envelope, 'alice@example.com').signing!.certificate!.daysLeft).toBeLessThan(0)
  })

  it('a warning alone (a certificate without a name in the settings) also exits 8', async () => {
    const home = await installedHome()
    setIdentityPrefs(home, 'alice@example.com', {signing_cert_name: null})
    const text = await check(home.home)
    expect(text.code).toBe(8)
    expect(text.stdout).toContain('1 problem\n  ▲ alice@example.com: The signing certificate has no name in the settings, so the compose window keeps S/MIME switched off.')
    expect(text.stdout).toContain('      fix: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com')
  })

  it("bob's identity pointed at alice's certificate: address-mismatch (and the same certificate is fine for alice)", async () => {
    const home = await installedHome()
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
    expect(envelope.result.clients.find((c) => c.client === 'thunderbird')?.storeAccess).toBe('tools')
    expect(profileOf(envelope).checkedWith).toBe('thunderbird')
    const alice = identityOf(envelope, 'alice@example.com')
    expect(alice.signing).toMatchObject({hasKey: true, verdict: {valid: false, code: expect.stringMatching(/^(untrusted|unknown)-issuer$/)}})
    expect(alice.problems).toMatchObject([{severity: 'error', code: 'not-trusted', fix: expect.stringContaining('--trust-root')}])
    expect(processesOn(home.profileDir)).toEqual([])
  }, THUNDERBIRD_TIMEOUT)

  it('a profile whose database has a primary password is not checked without it, and is with MAILCERT_DB_PASSWORD', async () => {
    const home = await installedHome()
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
    const home = await installedHome()
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

  it('a prefs.js cut short: an error that says where and what to do, exit 8, nothing changed', async () => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    appendFileSync(prefs, 'user_pref("broken", \n')
    const before = readFileSync(prefs)
    const lines = before.toString('latin1').split('\n').length - 1
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.status).toBe(8)
    expect(envelope.result.problems).toEqual([
      {
        severity: 'error',
        code: 'profile-unreadable',
        message: `prefs.js in ${home.profileDir} cannot be read: it ends in the middle of a setting (line ${lines + 1}, column 1): the file was cut short, as by a crash or a full disk while it was written`,
        fix: [
          'Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.',
          'Or start Thunderbird once: it keeps a copy of the damaged file as Invalidprefs.js and writes prefs.js again with every setting it could read, so check that your accounts are still there, then run mailcert again.',
        ].join('\n'),
        profile: home.profileDir,
      },
    ])
    const text = await check(home.home)
    expect(text.code).toBe(8)
    expect(text.stdout).not.toContain('No problems found')
    expect(text.stdout).toContain('    its settings (prefs.js) cannot be read: see below')
    expect(text.stdout).toContain(`1 problem\n  ✖ prefs.js in ${home.profileDir} cannot be read: it ends in the middle of a setting`)
    expect(text.stdout).toContain('      fix: Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.\n           Or start Thunderbird once:')
    expect(readFileSync(prefs)).toEqual(before)
  })

  it.each([
    ['NUL bytes', (bytes: Buffer) => Buffer.concat([bytes.subarray(0, bytes.length >> 1), Buffer.alloc(4096), bytes.subarray(bytes.length >> 1)]), /^it is damaged: it holds a NUL byte at line \d+, column \d+, and Thunderbird reads nothing from there on$/],
    ['junk', () => Buffer.from('\u0089PNG\r\n\u001a\n not a preferences file at all'), /^it is damaged at line 1, column 1 \(.+\)$/],
    ['an empty file', () => Buffer.alloc(0), /^it is empty \(0 bytes\)/],
  ])('a prefs.js holding %s: profile-unreadable, exit 8, the file left as it was', async (_what, damage, why) => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    const damaged = damage(readFileSync(prefs))
    writeFileSync(prefs, damaged)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.profile])).toEqual([['error', 'profile-unreadable', home.profileDir]])
    const [problem] = envelope.result.problems
    expect(problem!.message.startsWith(`prefs.js in ${home.profileDir} cannot be read: `)).toBe(true)
    expect(problem!.message.slice(`prefs.js in ${home.profileDir} cannot be read: `.length)).toMatch(why)
    expect(problem!.fix).toMatch(/restore prefs\.js from a backup/)
    expect(readFileSync(prefs)).toEqual(damaged)
  })

  it('a prefs.js that is a folder is not "never used": profile-unreadable with how to move it aside', async () => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    rmSync(prefs)
    mkdirSync(prefs)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems).toMatchObject([
      {severity: 'error', code: 'profile-unreadable', message: `prefs.js in ${home.profileDir} cannot be read: it is a folder, not a file`, fix: expect.stringContaining(`mv "${prefs}" "${prefs}.folder"`)},
    ])
  })

  it("a prefs.js mailcert changed before: the fix offers the copy it kept", async () => {
    const home = await installedHome()
    const prefs = join(home.profileDir, 'prefs.js')
    const [backup] = readdirSync(home.profileDir).filter((name) => /^prefs\.js\.mailcert-.*\.bak$/.test(name))
    expect(backup).toBeDefined()
    const text = readFileSync(prefs)
    writeFileSync(prefs, text.subarray(0, text.indexOf('user_pref("mail.identity.') + 30))
    const {envelope} = await checkJson(home.home)
    expect(envelope.result.problems[0]!.fix.split('\n')[0]).toBe(`Close Thunderbird, then put back the copy mailcert kept before its last change: cp "${join(home.profileDir, backup!)}" "${prefs}"`)
  })

  it('a certificate database NSS cannot read: the identities are still listed, with store-unreadable (exit 8)', async () => {
    const home = await installedHome()
    writeFileSync(join(home.profileDir, 'cert9.db'), Buffer.alloc(8192, 0x5a))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code, result.stderr).toBe(8)
    expect(profileOf(envelope)).toMatchObject({checkedWith: null})
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({configured: true, signing: {reference: ALICE_KEY, certificate: null, verdict: null}, problems: []})
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toMatchObject([
      {severity: 'warning', code: 'store-unreadable', message: expect.stringMatching(/^The certificate database could not be read, so no certificate was checked: certutil: /), profile: home.profileDir},
    ])
    const text = await check(home.home)
    expect(text.stdout).toMatch(/signs with {5}"[^"]+" \(not checked: the certificate database was not read\)/)
    expect(text.stdout).not.toContain('No problems found')
  })

  it('identities that point at certificates in a profile without a certificate database', async () => {
    const home = await tbHome()
    pointAt(home, 'alice@example.com', ALICE_KEY)
    for (const file of ['cert9.db', 'key4.db']) rmSync(join(home.profileDir, file))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(profileOf(envelope)).toMatchObject({database: 'none', checkedWith: null})
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toMatchObject([{severity: 'error', code: 'no-nss-database'}])
    // The identities are still listed from the settings, unchecked.
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({configured: true, signing: {reference: ALICE_KEY, certificate: null}})
  })
})

describe('mailcert check: an identity whose address a known certificate matches, with no certificate set', () => {
  it("the profile's database holds alice's certificate with its key, and her identity uses none: certificate-not-set (exit 8)", async () => {
    const home = await tbHome()
    importP12(home.profileDir, 'mailbox-rsa.p12')
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.account])).toEqual([
      ['error', 'certificate-not-set', 'alice@example.com'],
      // bob has no certificate anywhere: information, not a problem.
      ['info', 'smime-not-configured', 'bob@example.com'],
    ])
    expect(envelope.result.problems[0]!.fix.split('\n')).toEqual([
      'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com',
      'or in Thunderbird: Account Settings > End-To-End Encryption > S/MIME > Select, and choose "Alice Example"',
    ])
    const text = await check(home.home)
    expect(text.stdout).toContain("  ✖ alice@example.com has no S/MIME certificate set, though the profile's database holds one for this address with its private key (CN=alice@example.com, until 2036-12-31).")
  })

  it('check FILE: the certificate named (a .pem) is for alice, whose identity uses none (exit 8); bob is not its business', async () => {
    const home = await tbHome()
    const {result, envelope} = await checkJson(home.home, [join(FIXTURES, 'certs', 'mailbox-rsa.pem')])
    expect(result.code, result.stderr).toBe(8)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([
      {
        severity: 'error',
        code: 'certificate-not-set',
        message: 'alice@example.com has no S/MIME certificate set, though the certificate in mailbox-rsa.pem (CN=alice@example.com, until 2036-12-31) is for this address.',
        // A certificate alone cannot be installed: the fix asks for the .p12 that holds it.
        fix: 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com',
        profile: home.profileDir,
        account: 'alice@example.com',
      },
    ])
  })

  it('check FILE.p12 (password from MAILCERT_PASSWORD): the fix names the file; after install it passes (exit 0)', async () => {
    const home = await tbHome()
    const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
    const before = await checkJson(home.home, [p12], {MAILCERT_PASSWORD: 'test'})
    expect(before.result.code, before.result.stderr).toBe(8)
    expect(before.envelope.result.problems[0]).toMatchObject({code: 'certificate-not-set', fix: `mailcert install ${p12} --client thunderbird --account alice@example.com`})

    await install(home)
    const after = await check(home.home, [p12], {MAILCERT_PASSWORD: 'test'})
    expect(after.code, after.stdout).toBe(0)
    expect(after.stdout).toContain('✔ No problems found.')
  })

  it('check FILE for an address no account uses: no-account-for-certificate, with the addresses found', async () => {
    const home = await tbHome()
    const {result, envelope} = await checkJson(home.home, [join(FIXTURES, 'certs', 'organization-rsa.pem')])
    expect(result.code).toBe(8)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([
      {
        severity: 'warning',
        code: 'no-account-for-certificate',
        message: 'No mail account uses info@example.com of the certificate in organization-rsa.pem (the addresses found: alice@example.com, bob@example.com).',
        fix: 'Add the account to your mail client (or an identity with this address to an account), then: mailcert install YOUR-CERTIFICATE.p12',
      },
    ])
  })

  it('check FILE with a certificate that cannot be used (expired): that is the problem, not the identity without it', async () => {
    const home = await tbHome()
    const {result, envelope} = await checkJson(home.home, [join(FIXTURES, 'certs', 'expired.pem')])
    expect(result.code).toBe(8)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([
      {severity: 'error', code: 'certificate-unusable', message: 'The certificate in expired.pem cannot be used for S/MIME: The certificate expired on 2021-01-01.', fix: expect.stringContaining('Renew')},
    ])
  })

  it("mailcert's journal says it set alice up, and her settings were cleared since: certificate-not-set", async () => {
    const home = await installedHome()
    setIdentityPrefs(home, 'alice@example.com', {signing_cert_dbkey: null, signing_cert_name: null, encryption_cert_dbkey: null, encryption_cert_name: null})
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems[0]).toMatchObject({
      severity: 'error',
      code: 'certificate-not-set',
      message: expect.stringMatching(/^alice@example\.com has no S\/MIME certificate set, though mailcert set it up with CN=alice@example\.com on \d{4}-\d\d-\d\d\.$/),
      account: 'alice@example.com',
    })
  })
})

describe('mailcert check while Thunderbird runs on the profile', () => {
  it('without --deep it still reads the database; --deep reads it with NSS\'s tools and warns client-running (exit 8)', async () => {
    const home = await installedHome()
    const running = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      const plain = await check(home.home)
      expect(plain.code, plain.stdout).toBe(0)
      expect(plain.stdout).toMatch(/\(Thunderbird 153\.[^)]*Thunderbird is running, checked with NSS's tools\)/)
      expect(plain.stdout).toContain('signs with     CN=alice@example.com, until 2036-12-31, valid')

      // --deep cannot start a second Thunderbird on the profile: NSS's tools read it instead, and that is said.
      const deep = await check(home.home, ['--deep'])
      expect(deep.code, deep.stdout).toBe(8)
      expect(deep.stdout).toContain('signs with     CN=alice@example.com, until 2036-12-31, valid')
      expect(deep.stdout).toContain(
        `  ▲ ${home.profileDir}: Thunderbird is running on this profile, so it was not asked for its own verdict: NSS's tools read the database instead.\n      fix: Close Thunderbird and run mailcert check --deep again.`,
      )

      const {envelope} = await checkJson(home.home, ['--deep'])
      expect(envelope.status).toBe(8)
      expect(envelope.result.clients.find((c) => c.client === 'thunderbird')?.storeAccess).toBe('thunderbird')
      expect(profileOf(envelope)).toMatchObject({busy: true, checkedWith: 'tools'})
      expect(identityOf(envelope, 'alice@example.com')).toMatchObject({signing: {hasKey: true, verdict: {valid: true}}, problems: []})
      expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toMatchObject([{severity: 'warning', code: 'client-running', profile: home.profileDir}])
      // mailcert started no Thunderbird of its own: only ours runs on the profile.
      expect(processesOn(home.profileDir)).toContain(running.process.pid)
    } finally {
      await running.stop()
    }
    expect(processesOn(home.profileDir)).toEqual([])
  }, THUNDERBIRD_TIMEOUT)
})

describe('mailcert check without Thunderbird profiles, and other clients', () => {
  it('a HOME with no Thunderbird profile: Thunderbird is installed but never started, a finding with its fix (exit 8)', async () => {
    const home = emptyHome()
    const text = await check(home)
    expect(text.code, text.stderr).toBe(8)
    expect(text.stdout).not.toContain('Profile "')
    expect(text.stdout).not.toContain('No problems found')
    expect(text.stdout).toContain('  no profile for this user')
    expect(text.stdout).toMatch(/1 problem\n {2}▲ Thunderbird is installed \(\/\S+\), but has no profile for this user: it was never started\.\n {6}fix: Start Thunderbird once and add your mail account, then: mailcert install YOUR-CERTIFICATE\.p12/)
    const {envelope} = await checkJson(home)
    expect(envelope.status).toBe(8)
    // Thunderbird is installed on this machine (/usr/lib/thunderbird) but was never started for this user;
    // Evolution (installed by the test setup) has no account either, which is not a problem.
    expect(envelope.result.clients.map((c) => [c.client, c.profiles.length])).toEqual([['thunderbird', 0], ['evolution', 0]])
    expect(envelope.result.problems).toMatchObject([{severity: 'warning', code: 'no-profile', fix: expect.stringContaining('Start Thunderbird once')}])
  })

  it('--deep on a HOME with no profile starts nothing, and reports the missing profile', async () => {
    const home = emptyHome()
    const {result, envelope} = await checkJson(home, ['--deep'])
    expect(result.code, result.stderr).toBe(8)
    expect(envelope.result).toMatchObject({problems: [{code: 'no-profile'}]})
    expect(envelope.result.clients.find((c) => c.client === 'thunderbird')).toMatchObject({storeAccess: 'thunderbird'})
    // Nothing in the HOME but the run's own log (a run without a terminal logs to ~/.local/state/mailcert).
    expect(readdirSync(home, {recursive: true, encoding: 'utf8'}).sort()).toEqual(['.local', '.local/state', '.local/state/mailcert', '.local/state/mailcert/mailcert.log'])
  })

  it('a profile without any mail account (prefs.js as a new Thunderbird 153 writes it): no-mail-account', async () => {
    const home = await tbHome()
    writeFileSync(join(home.profileDir, 'prefs.js'), readFileSync(join(FIXTURES, 'thunderbird', 'prefs.js')))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems).toMatchObject([{severity: 'warning', code: 'no-mail-account', profile: home.profileDir, fix: expect.stringContaining('add your mail account')}])
    expect((await check(home.home)).stdout).toContain('    no mail accounts')
  })

  it('--all lists the clients that are not installed here, with what mailcert knows and its source', async () => {
    const home = emptyHome()
    const text = await check(home, ['--all'])
    // Thunderbird is installed here but has no profile for this sandbox user (no-profile).
    expect(text.code).toBe(8)
    const notInstalled = text.stdout.slice(text.stdout.indexOf('Not installed here'))
    expect(notInstalled).toMatch(/^ {2}Outlook \(classic\) on windows: supports S\/MIME \(since 2016 \(16\.0\)\); key in Windows certificate store, CurrentUser\\My; mailcert configures it$/m)
    expect(notInstalled).toMatch(/^ {2}Apple Mail on macos: supports S\/MIME .*$/m)
    expect(notInstalled).toMatch(/^ {2}Outlook for Mac on macos: /m)
    expect(notInstalled).toMatch(/^ {2}New Outlook for Windows on windows: supports S\/MIME in part/m)
    // Evolution is installed here (the test setup installs it): not among them.
    expect(notInstalled).not.toMatch(/Evolution on linux/)
    expect(notInstalled).toMatch(/\(source: https:\/\/github\.com\/glueckkanja-pki\/PKI-Configuration-Tools\/blob\/HEAD\/ActivateSignatures\.ps1 /)
    expect(notInstalled).toMatch(/\(source: https:\/\/github\.com\/apple\/device-management\/blob\/HEAD\/mdm\/profiles\/com\.apple\.security\.identitypreference\.yaml /)
    // Thunderbird is installed on Linux here: only its other platforms are "not installed".
    expect(notInstalled).not.toMatch(/Thunderbird on linux/)

    const {envelope} = await checkJson(home, ['--all'])
    const rows = envelope.result.notInstalled.map((row) => `${row.client}/${row.platform}`)
    expect(rows).toEqual(expect.arrayContaining(['outlook/windows', 'new-outlook/windows', 'outlook-mac/macos', 'apple-mail/macos', 'thunderbird/macos', 'thunderbird/windows']))
    expect(rows).not.toContain('thunderbird/linux')
    expect(rows).not.toContain('evolution/linux')
    for (const row of envelope.result.notInstalled) {
      // Public sources only: people running mailcert have no copy of the project's research notes.
      expect(row.source).toMatch(/^https:\/\//)
      expect(row.source).not.toContain('research/')
    }

    // Without --all, nothing about other clients.
    const plain = await checkJson(home)
    expect(plain.envelope.result.notInstalled).toEqual([])
    expect((await check(home)).stdout).not.toContain('Not installed here')
  })

  it('Evolution is reported with its program and its identities, and is then not listed as "not installed"', async () => {
    const home = emptyHome()
    // Sources as evolution-data-server wrote them (test/fixtures/evolution).
    cpSync(join(FIXTURES, 'evolution', 'sources'), join(home, '.config', 'evolution', 'sources'), {recursive: true})
    const {result, envelope} = await checkJson(home, ['--all'])
    expect(result.code).toBe(8)
    // Thunderbird's missing profile is the one problem; Evolution's identities without a certificate are information.
    expect(envelope.result.problems.filter((p) => p.severity !== 'info').map((p) => p.code)).toEqual(['no-profile'])
    expect(envelope.result.problems.filter((p) => p.severity === 'info').map((p) => p.code)).toEqual(expect.arrayContaining(['smime-not-configured']))
    const evolution = envelope.result.clients.find((c) => c.client === 'evolution')
    expect(evolution).toMatchObject({name: 'Evolution', program: expect.stringMatching(/evolution$/), support: {platform: 'linux', implemented: true}})
    expect(evolution!.profiles[0]!.identities.length).toBeGreaterThan(0)
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
