/**
 * Apple Mail and Outlook for Mac end to end, acting as macOS 14 and 15 on Linux: the strict
 * `security` simulator (test/macos/security-simulator/) stands for /usr/bin/security, a real
 * Accounts4.sqlite made with Debian's sqlite3 holds the accounts, and mailcert runs as the user runs
 * it. Every test also checks that no secret reached `security`'s arguments and that nothing waited for
 * a dialog or a terminal (the simulator's violations).
 */
import {copyFileSync, mkdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'

import {afterEach, describe, expect, it, vi} from 'vitest'

import {installMailApp, installOutlookApp, installSqlite, writeAccountsDatabase} from '../helpers/apple-mail-fixtures.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {makeMacMachine, type MacMachine, type MacMachineOptions, type MacVersion} from '../helpers/macos-machine.js'
import {json, runCli} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'

const ROOT_CA = path.join(FIXTURES, 'ca', 'root.pem')
const p12 = (name: string) => path.join(FIXTURES, 'p12', name)

interface Target {
  clients: string[]
  status: string
  accounts: string[]
  location: string
  steps: Array<{id: string; status: string; detail?: string}>
  warnings?: string[]
}
interface InstallReport {
  status: number
  result: {certificate: {fingerprintSha256: string}; targets: Target[]}
}

// Each test runs mailcert several times, and each run calls the simulator (a node process) a dozen times.
vi.setConfig({testTimeout: 120_000})

const machines: MacMachine[] = []
let terminal: Terminal | undefined
afterEach(() => {
  terminal?.close()
  terminal = undefined
  for (const machine of machines.splice(0)) {
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

/** A Mac with Apple Mail and an IMAP account for alice (and carol, whom the certificate is not for). */
function mac(options: MacMachineOptions & {outlook?: boolean; mail?: boolean; fullDiskAccess?: boolean} = {}): MacMachine {
  const machine = makeMacMachine({systemRoots: [ROOT_CA], secrets: ['test'], ...options})
  machines.push(machine)
  if (options.mail !== false) installMailApp(machine.systemRoot, '16.0')
  if (options.outlook) installOutlookApp(machine.systemRoot, '16.91')
  installSqlite(machine.systemRoot, options.fullDiskAccess === false ? 'denied' : 'allowed')
  writeAccountsDatabase(machine.home, [
    {type: 'IMAP', username: 'alice@example.com', description: 'Work', identifier: 'A1B2C3D4-0000-4000-8000-000000000001'},
    {type: 'SMTP', username: 'alice@example.com', identifier: 'A1B2C3D4-0000-4000-8000-000000000002'},
    {type: 'IMAP', username: 'carol@example.org', description: 'Carol', identifier: 'A1B2C3D4-0000-4000-8000-000000000003'},
  ])
  return machine
}

const run = (machine: MacMachine, args: string[], env: Record<string, string> = {}) => runCli(args, {env: {...machine.env, MAILCERT_PASSWORD: 'test', ...env}, timeoutMs: 60_000})

const sha1Of = (machine: MacMachine, sha256: string) => machine.readKeychain().certificates.find((c) => c.sha256.toLowerCase() === sha256.toLowerCase())?.sha1

// The import decoder is the one thing that differs between 14 and 15 (an AES file is refused on 14): both import.
describe.each<MacVersion>(['14.6', '15.2'])('Apple Mail on macOS %s', (version) => {
  it('install imports an OpenSSL 3 (AES) file re-encoded and prefers it for the address, and a re-run changes nothing', async () => {
    const machine = mac({version})
    const installed = await run(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--json'])
    expect(installed.code, installed.stderr).toBe(0)
    const report = json<InstallReport>(installed).result
    expect(report.targets).toMatchObject([{clients: ['apple-mail'], status: 'done', accounts: ['alice@example.com'], location: machine.keychain}])
    expect(report.targets[0]!.steps.map((s) => s.id)).toContain('set-identity-preferences')
    const sha1 = sha1Of(machine, report.certificate.fingerprintSha256)!
    const keychain = machine.readKeychain()
    expect(keychain.identityPreferences).toEqual([{service: 'alice@example.com', sha1}])
    // The key is in, made by `security`: Apple Mail will ask once (nothing was granted).
    expect(keychain.keys).toHaveLength(1)
    expect(keychain.keys[0]!.partitions).toEqual(['apple-tool:'])
    // The file went in as 3DES/SHA-1 with -f pkcs12, its password only on stdin.
    const imports = machine.calls().filter((call) => call.stdin?.some((line) => line.startsWith('import ')))
    expect(imports).toHaveLength(1)
    expect(imports[0]!.stdin![0]).toMatch(/ -f pkcs12 /)

    const again = await run(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(json<InstallReport>(again).result.targets.map((t) => t.status)).toEqual(['unchanged'])
    expect(machine.calls().filter((call) => call.stdin?.some((line) => line.startsWith('import ')))).toHaveLength(1)
  }, 120_000)
})

// What follows does not touch the import decoder, the one thing that differs between 14 and 15: on 15 only.
// (A private root's trust, approved, denied and without a GUI, is in test/stores/keychain/keychain-store.test.ts.)
describe('Apple Mail and Outlook for Mac, macOS 15', () => {
  it('check sees the identity, remove puts the preference back, and with --delete-identity the identity goes', async () => {
    const version = '15.2'
    const machine = mac({version})
    const installed = await run(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--json'])
    expect(installed.code, installed.stderr).toBe(0)
    const sha1 = sha1Of(machine, json<InstallReport>(installed).result.certificate.fingerprintSha256)!
    const checked = await run(machine, ['check', '--json'])
    const clients = json<{result: {clients: Array<{client: string; profiles: Array<{facts: string[]; identities: Array<{email: string; configured: boolean; signing: {reference: string; certificate: {daysLeft: number}} | null; problems: Array<{code: string}>}>}>}>}}>(checked).result.clients
    const mail = clients.find((c) => c.client === 'apple-mail')!
    expect(mail.profiles[0]!.facts).toEqual(expect.arrayContaining(['Mail 16.0', `macOS ${version}`]))
    const [alice, carol] = mail.profiles[0]!.identities
    expect(alice).toMatchObject({email: 'alice@example.com', configured: true, signing: {reference: sha1, certificate: {daysLeft: expect.any(Number)}}, problems: []})
    expect(carol).toMatchObject({email: 'carol@example.org', configured: false, problems: [{code: 'smime-not-configured', severity: 'info'}]})

    const removed = await run(machine, ['remove', '--all', '--yes', '--json'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(machine.readKeychain().identityPreferences).toEqual([])
    // Without --delete-identity the key stays (old encrypted mail needs it).
    expect(machine.readKeychain().keys).toHaveLength(1)

    await run(machine, ['install', p12('mailbox-rsa.p12'), '--yes'])
    const deleted = await run(machine, ['remove', '--all', '--delete-identity', '--yes', '--json'])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(machine.readKeychain()).toMatchObject({keys: [], certificates: [], identityPreferences: []})
  }, 120_000)

  it('a separate signing and encryption certificate both go in, the signing one is preferred, and Mail is said to choose by address', async () => {
    const machine = mac({version: '15.2', systemRoots: [ROOT_CA, path.join(FIXTURES, 'ca', 'extra-root.pem')]})
    const installed = await run(machine, ['install', p12('encryption-only-rsa.p12'), p12('signing-only-rsa.p12'), '--yes', '--json'])
    expect(installed.code, installed.stdout + installed.stderr).toBe(0)
    const report = json<InstallReport & {result: {encryptionCertificate: {fingerprintSha256: string}; targets: Array<{warnings: string[]}>}}>(installed).result
    expect(report.targets[0]!.warnings.join(' ')).toContain('Apple Mail chooses certificates by address')
    const keychain = machine.readKeychain()
    expect(keychain.keys).toHaveLength(2)
    expect(keychain.identityPreferences).toEqual([{service: 'alice@example.com', sha1: sha1Of(machine, report.certificate.fingerprintSha256)}])
    expect(sha1Of(machine, report.encryptionCertificate.fingerprintSha256)).toBeDefined()

    const deleted = await run(machine, ['remove', '--all', '--delete-identity', '--yes'])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(machine.readKeychain()).toMatchObject({keys: [], identityPreferences: []})
    expect(machine.readKeychain().certificates.filter((c) => c.sha256.toLowerCase() === report.encryptionCertificate.fingerprintSha256)).toEqual([])
  }, 120_000)

  it('a locked keychain is refused with what to do, and changes nothing', async () => {
    const machine = mac({version: '15.2', locked: true})
    const before = readFileSync(machine.keychain, 'utf8')
    const result = await run(machine, ['install', p12('rsa-legacy.p12'), '--yes'])
    // A locked store is a busy one (DESIGN.md): exit 6.
    expect(result.code).toBe(6)
    expect(result.stdout).toMatch(/is locked, and macOS cannot ask for its password here/)
    expect(readFileSync(machine.keychain, 'utf8')).toBe(before)
  })

  it('a wrong file password changes nothing (exit 3)', async () => {
    const machine = mac({version: '15.2'})
    const before = readFileSync(machine.keychain, 'utf8')
    const result = await run(machine, ['install', p12('rsa-legacy.p12'), '--yes'], {MAILCERT_PASSWORD: 'wrong'})
    expect(result.code).toBe(3)
    expect(readFileSync(machine.keychain, 'utf8')).toBe(before)
  })

  it('--grant-key-access opens the key to Apple Mail and Outlook with the keychain password; a wrong one changes nothing (exit 3)', async () => {
    const machine = mac({outlook: true, keychainPassword: 'kc-Secret-2026'})
    const before = readFileSync(machine.keychain, 'utf8')
    const wrong = await run(machine, ['install', p12('ec-p256.p12'), '--yes', '--grant-key-access'], {MAILCERT_KEYCHAIN_PASSWORD: 'not-the-kc-password'})
    expect(wrong.code, wrong.stderr).toBe(3)
    expect(readFileSync(machine.keychain, 'utf8')).toBe(before)

    const right = await run(machine, ['install', p12('ec-p256.p12'), '--yes', '--grant-key-access', '--json'], {MAILCERT_KEYCHAIN_PASSWORD: 'kc-Secret-2026'})
    expect(right.code, right.stderr).toBe(0)
    const targets = json<InstallReport>(right).result.targets
    // One store, both clients: imported once.
    expect(targets).toMatchObject([{clients: ['apple-mail', 'outlook-mac'], status: 'done'}])
    expect(machine.readKeychain().keys[0]!.partitions.sort()).toEqual(['apple-tool:', 'apple:', 'teamid:UBF8T346G9'])
    const text = await run(machine, ['install', p12('ec-p256.p12'), '--yes'])
    expect(text.stdout).toContain('In Outlook for Mac:')
  })

  it('without Full Disk Access the accounts cannot be read: install says what to allow (exit 5), check reports it', async () => {
    const machine = mac({fullDiskAccess: false})
    const result = await run(machine, ['install', p12('rsa-legacy.p12'), '--yes'])
    expect(result.code).toBe(5)
    expect(result.stderr).toContain('Full Disk Access')
    const checked = await run(machine, ['check', '--json'])
    expect(json<{result: {problems: Array<{code: string}>}}>(checked).result.problems.map((p) => p.code)).toContain('profile-unreadable')
  })

  it('says that Apple Mail has no sign-by-default setting, and refuses a certificate without key usage for Mail (exit 5)', async () => {
    const machine = mac()
    const signed = await run(machine, ['install', p12('rsa-legacy.p12'), '--yes', '--sign-by-default'])
    expect(signed.code, signed.stderr).toBe(0)
    expect(signed.stdout.replace(/\s+/g, ' ')).toContain('Apple Mail has no setting to sign or encrypt by default')

    const noUsage = await run(machine, ['install', p12('no-keyusage.p12'), '--yes'])
    expect(noUsage.code).toBe(5)
    expect(noUsage.stdout + noUsage.stderr).toContain('Apple Mail ignores certificates without a key usage extension')
  })

  it('Outlook alone: the import serves it, and mailcert says where to choose the certificate', async () => {
    const machine = mac({outlook: true, mail: false})
    const result = await run(machine, ['install', p12('rsa-legacy.p12'), '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(json<InstallReport>(result).result.targets).toMatchObject([{clients: ['outlook-mac'], status: 'done', accounts: ['alice@example.com']}])
    expect(machine.readKeychain().keys).toHaveLength(1)
    expect(machine.readKeychain().identityPreferences).toEqual([])
  })

  it('guided, at a terminal: the file from Downloads, the checklist, the key opened to Mail with the keychain password typed in', async () => {
    const machine = mac({keychainPassword: 'kc-Secret-2026'})
    mkdirSync(path.join(machine.home, 'Downloads'))
    copyFileSync(p12('rsa-legacy.p12'), path.join(machine.home, 'Downloads', 'alice-smime.p12'))
    terminal = Terminal.start([], machine.env, machine.home)
    await terminal.waitFor('alice-smime.p12')
    terminal.press('Enter')
    await terminal.waitFor('Password for alice-smime.p12:')
    terminal.type('test')
    terminal.press('Enter')
    const checklist = await terminal.waitFor('Set up these accounts?')
    expect(checklist).toMatch(/Apple Mail \(Mail 16\.0, macOS 15\.2\)/)
    terminal.press('Enter')
    await terminal.waitFor('Allow now?')
    terminal.press('Enter')
    await terminal.waitFor('Your keychain password')
    terminal.type('kc-Secret-2026')
    terminal.press('Enter')
    await terminal.waitFor('Make these changes?')
    terminal.press('Enter')
    const end = await terminal.waitFor('To undo: mailcert remove')
    expect(end).toContain('Quit and reopen Apple Mail')
    // Only Apple Mail here: nothing asked about signing by default, which Mail has no setting for.
    expect(end).not.toContain('Sign every message you send by default?')
    await terminal.waitFor('configuration profile (.mobileconfig)')
    terminal.type('y')
    terminal.press('Enter')
    expect(await terminal.waitFor('Privacy & Security > Profiles')).toContain('Saved ~/alice@example.com.mobileconfig')
    expect(await terminal.exitCode()).toBe(0)
    expect(machine.readKeychain().keys[0]!.partitions).toContain('apple:')
    expect(statSync(path.join(machine.home, 'alice@example.com.mobileconfig')).mode & 0o777).toBe(0o600)
  }, 60_000)
})
