/**
 * Classic Outlook on Windows, end to end under Windows Node (Wine here, real Windows in the
 * workflow): a MAPI profile with two accounts laid out in the registry as Outlook lays it out (made
 * with reg.exe), OUTLOOK.EXE registered in App Paths with a 64-bit PE header, then the built CLI:
 * install into CurrentUser\My and the profile's security setting, decoded back, re-run unchanged,
 * check, refusal while OUTLOOK.EXE runs, a wrong password, and remove putting the value back byte for byte.
 */
import {spawn} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {copyFile, mkdir, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {decodeSecuritySettings} from '../../src/clients/outlook/security-settings.js'
import type {RunLogLine} from '../../src/ui/run-log-lines.js'
import {FIXTURES, manifest} from '../helpers/fixtures.js'
import {ACCOUNTS, APP_PATHS, fakeOutlookInstallation, probeStores, queryHex, SECURITY, UNDER_WINE, utf16} from '../helpers/outlook-registry.js'
import {disposeWindowsUser, reg, runWindowsCli, windowsPath, windowsUser, type WindowsUser} from '../helpers/windows.js'
import {wineEnvironment} from '../helpers/wine-prefix.js'

// OpenSSL 3's default (AES-256, SHA-256 MAC), which Windows before 10 1709 cannot read: mailcert hands Windows its own re-encoded file.
const FIXTURE = 'p12/mailbox-rsa.p12'
const PASSWORD = manifest[FIXTURE].password as string
const NEW_OUTLOOK_PACKAGES = 'HKCU\\Software\\Classes\\Local Settings\\Software\\Microsoft\\Windows\\CurrentVersion\\AppModel\\Repository\\Packages'



interface Report {
  status: number
  result?: {targets?: Array<{status: string; changed?: boolean; clients: string[]}>; clients?: Array<{client: string; profiles: Array<{name: string; identities: Array<{email: string; configured: boolean; signing: {reference: string; hasKey: boolean} | null}>}>}>}
  error?: {code: string; message: string}
}

const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RunLogLine)

describe('classic Outlook on Windows', {timeout: 180_000}, () => {
  let user: WindowsUser
  let scratch: string
  let p12: string
  let passwordFile: string
  /** A setting that was there before mailcert, for another certificate: it must stay. */
  let before: string | null
  /** mailcert's folder in %LOCALAPPDATA% (its default run log); on real Windows the runner's, removed after only if this test made it. */
  let logFolder: string
  let hadLogFolder: boolean

  beforeAll(async () => {
    user = await windowsUser()
    logFolder = join(user.localAppData, 'mailcert')
    hadLogFolder = existsSync(logFolder)
    scratch = join(user.localAppData, 'mailcert-test')
    await mkdir(scratch, {recursive: true})
    p12 = join(scratch, 'alice.p12')
    await copyFile(join(FIXTURES, FIXTURE), p12)
    passwordFile = join(scratch, 'password.txt')
    await writeFile(passwordFile, PASSWORD)
    const commands = [
      ...(await fakeOutlookInstallation(user, scratch)),
      // Outlook 2016+ writes Account Name as REG_SZ and Email as UTF-16 REG_BINARY.
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Account Name', '/t', 'REG_SZ', '/d', 'alice@example.com', '/f'],
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Email', '/t', 'REG_BINARY', '/d', utf16('alice@example.com'), '/f'],
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Display Name', '/t', 'REG_BINARY', '/d', utf16('Alice Example'), '/f'],
      ['add', `${ACCOUNTS}\\00000002`, '/v', 'Account Name', '/t', 'REG_SZ', '/d', 'bob@example.net', '/f'],
      ['add', `${ACCOUNTS}\\00000002`, '/v', 'Email', '/t', 'REG_BINARY', '/d', utf16('bob@example.net'), '/f'],
      // New Outlook's app package, as Windows lists it for the user.
      ['add', `${NEW_OUTLOOK_PACKAGES}\\Microsoft.OutlookForWindows_1.2025.1105.0_x64__8wekyb3d8bbwe`, '/f'],
    ]
    for (const command of commands) expect((await reg(user, command)).code).toBe(0)
    before = await queryHex(user, SECURITY, '11020355')
  }, 240_000)

  afterAll(async () => {
    if (!UNDER_WINE && user) {
      await runWindowsCli(user, ['remove', '--all', '--delete-identity', '--json'])
      await reg(user, ['delete', 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook', '/f'])
      await reg(user, ['delete', APP_PATHS, '/f'])
    }
    if (scratch) await rm(scratch, {recursive: true, force: true})
    if (user && !hadLogFolder) await rm(logFolder, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
  })

  const install = (...extra: string[]) => runWindowsCli(user, ['install', windowsPath(p12), '--password-file', windowsPath(passwordFile), '--trust-root', '--json', ...extra])

  it('refuses a wrong password with exit 3 and changes nothing; --log takes a Windows path and holds no password', async () => {
    await writeFile(join(scratch, 'wrong.txt'), 'Otter-Lamp-4411-Wrong')
    const log = join(scratch, 'logs', 'run.log')
    const run = await runWindowsCli(user, ['install', windowsPath(p12), '--password-file', windowsPath(join(scratch, 'wrong.txt')), '--json', '--log', windowsPath(log)])
    expect(run.code, run.stdout + run.stderr).toBe(3)
    expect(await queryHex(user, SECURITY, '11020355')).toBe(before)
    expect(readFileSync(log, 'utf8')).not.toContain('Otter-Lamp')
    expect(run.stdout + run.stderr).not.toContain('Otter-Lamp')
    expect(logLines(log)).toEqual([
      expect.objectContaining({type: 'start', command: 'install', os: 'windows', flags: ['json', 'log', 'password-file']}),
      expect.objectContaining({type: 'end', exitCode: 3, error: expect.objectContaining({code: 'wrong-password'})}),
    ])
  })

  it('imports the identity and writes the profile\'s security setting for the matching account, logged in %LOCALAPPDATA%\\mailcert\\Logs', async () => {
    // Without a terminal, the default run log (the Windows helper turns it off on a real runner unless asked).
    const run = await runWindowsCli(user, ['install', windowsPath(p12), '--password-file', windowsPath(passwordFile), '--trust-root', '--json'], {env: {MAILCERT_NO_LOG: ''}})
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const logged = logLines(join(logFolder, 'Logs', 'mailcert.log'))
    expect(logged.filter((line) => line.type === 'step').length).toBeGreaterThan(0)
    expect(logged.at(-1)).toMatchObject({type: 'end', exitCode: 0, changed: true})
    const report = JSON.parse(run.stdout) as Report
    // One import serves both Outlooks: they read the same store.
    expect(report.result?.targets?.some((target) => target.clients.includes('outlook') && target.clients.includes('new-outlook') && target.status === 'done'), run.stdout).toBe(true)
    const written = await queryHex(user, SECURITY, '11020355')
    expect(written).not.toBeNull()
    const decoded = decodeSecuritySettings(Buffer.from(written!, 'hex'), 64)
    if ('malformed' in decoded) throw new Error(decoded.malformed)
    expect(decoded.bitness).toBe(64)
    expect(decoded.settings).toHaveLength(1)
    expect(decoded.settings[0]!.name).toBe('S/MIME (alice@example.com)')
    expect(decoded.settings[0]!.signingThumbprint).toMatch(/^[0-9A-F]{40}$/)
    expect(decoded.settings[0]!.encryptionThumbprint).toBe(decoded.settings[0]!.signingThumbprint)
    // A new process finds the certificate in My, the intermediate in CA.
    const stores = await probeStores(user, scratch)
    expect(stores.My!.map((c) => c.thumbprint)).toContain(decoded.settings[0]!.signingThumbprint)
    expect(stores.CA!.length).toBeGreaterThan(0)
  })

  it('changes nothing when run again', async () => {
    const written = await queryHex(user, SECURITY, '11020355')
    const run = await install()
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as Report
    expect(report.result?.targets?.every((target) => target.status !== 'done' || target.changed === false), run.stdout).toBe(true)
    expect(await queryHex(user, SECURITY, '11020355')).toBe(written)
  })

  it('check reads the setting back: the certificate is in the store with its key', async () => {
    const run = await runWindowsCli(user, ['check', '--json', '--client', 'outlook'])
    const report = JSON.parse(run.stdout) as Report
    const outlook = report.result!.clients!.find((client) => client.client === 'outlook')!
    const profile = outlook.profiles.find((p) => p.name === 'Outlook')!
    const alice = profile.identities.find((identity) => identity.email === 'alice@example.com')!
    expect(alice.configured, run.stdout).toBe(true)
    expect(alice.signing?.hasKey).toBe(true)
    expect(profile.identities.find((identity) => identity.email === 'bob@example.net')?.configured).toBe(false)
    const both = JSON.parse((await runWindowsCli(user, ['check', '--json', '--client', 'new-outlook'])).stdout) as {result: {clients: Array<{client: string; profiles: Array<{facts: string[]; problems: unknown[]}>}>}}
    const newOutlook = both.result.clients.find((client) => client.client === 'new-outlook')!
    expect(newOutlook.profiles[0]!.facts).toContain('version 1.2025.1105.0')
    expect(newOutlook.profiles[0]!.problems).toEqual([])
    // What Intune's detection script asks: exit 0 and one line.
    const status = await runWindowsCli(user, ['status', '--fingerprint', manifest[FIXTURE].sha256 as string])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^alice@example\.com: installed, used by 1 account \([^\n]+\)\r?\n$/)
  })

  it('refuses while OUTLOOK.EXE runs (exit 6), changing nothing', async () => {
    if (!UNDER_WINE) return
    // A program named OUTLOOK.EXE that runs for a while: Wine's ping, copied under that name.
    const running = join(user.prefix!, 'drive_c', 'busy', 'OUTLOOK.EXE')
    await mkdir(dirname(running), {recursive: true})
    await copyFile(join(user.prefix!, 'drive_c', 'windows', 'system32', 'ping.exe'), running)
    const child = spawn('wine', [running, '-n', '60', '127.0.0.1'], {env: wineEnvironment(user.prefix!, dirname(user.prefix!)), stdio: 'ignore'})
    try {
      const written = await queryHex(user, SECURITY, '11020355')
      let run = await install()
      for (let tries = 0; tries < 5 && run.code !== 6; tries++) run = await install()
      expect(run.code, run.stdout).toBe(6)
      expect((JSON.parse(run.stdout) as Report).error?.code).toBe('client-busy')
      expect(await queryHex(user, SECURITY, '11020355')).toBe(written)
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('says what Wine cannot do with an EC key, and changes nothing', async () => {
    if (!UNDER_WINE) return
    const ec = join(scratch, 'ec.p12')
    await copyFile(join(FIXTURES, 'p12/ec-p256.p12'), ec)
    await writeFile(join(scratch, 'ec-password.txt'), manifest['p12/ec-p256.p12'].password as string)
    const before = await probeStores(user, scratch)
    const written = await queryHex(user, SECURITY, '11020355')
    const run = await runWindowsCli(user, ['install', windowsPath(ec), '--password-file', windowsPath(join(scratch, 'ec-password.txt')), '--trust-root', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(5)
    expect(run.stdout).toMatch(/EC|elliptic/i)
    expect(await probeStores(user, scratch)).toEqual(before)
    expect(await queryHex(user, SECURITY, '11020355')).toBe(written)
  })

  it('puts the value back byte for byte on remove', async () => {
    const run = await runWindowsCli(user, ['remove', '--all', '--delete-identity', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    expect(await queryHex(user, SECURITY, '11020355')).toBe(before)
    const stores = await probeStores(user, scratch)
    expect(stores.My).toEqual([])
    const status = await runWindowsCli(user, ['status', '--fingerprint', manifest[FIXTURE].sha256 as string])
    expect(status.code, status.stderr).toBe(8)
    expect(status.stdout).toBe('')
  })

  it('sets a separate signing and encryption certificate apart in the one security setting, and removes both', async () => {
    const files = ['signing-only-rsa', 'encryption-only-rsa'].map((name) => join(scratch, `${name}.p12`))
    for (const [index, name] of ['signing-only-rsa', 'encryption-only-rsa'].entries()) await copyFile(join(FIXTURES, 'p12', `${name}.p12`), files[index]!)
    // The encryption file first: the key usage tells them apart; the signing file's password opens both.
    const run = await runWindowsCli(user, ['install', windowsPath(files[1]!), windowsPath(files[0]!), '--password-file', windowsPath(passwordFile), '--trust-root', '--json', '--client', 'outlook'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const decoded = decodeSecuritySettings(Buffer.from((await queryHex(user, SECURITY, '11020355'))!, 'hex'), 64)
    if ('malformed' in decoded) throw new Error(decoded.malformed)
    const ours = decoded.settings.find((setting) => setting.name === 'S/MIME (alice@example.com)')!
    const thumbprint = (name: string) => new X509Certificate(readFileSync(join(FIXTURES, 'certs', `${name}.pem`))).fingerprint.replaceAll(':', '')
    expect(ours.signingThumbprint).toBe(thumbprint('signing-only-rsa'))
    expect(ours.encryptionThumbprint).toBe(thumbprint('encryption-only-rsa'))
    expect((await probeStores(user, scratch)).My!.map((c) => c.thumbprint).sort()).toEqual([ours.signingThumbprint, ours.encryptionThumbprint].sort())

    const removed = await runWindowsCli(user, ['remove', '--all', '--delete-identity', '--json'])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(await queryHex(user, SECURITY, '11020355')).toBe(before)
    expect((await probeStores(user, scratch)).My).toEqual([])
  })
})
