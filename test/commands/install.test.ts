/**
 * `mailcert install` end to end, as a user or a deployment script runs it: a real Thunderbird
 * profile made by Thunderbird 153, the built CLI, NSS's own tools to read back the database, and
 * Thunderbird itself as the final judge of whether it can sign and decrypt. A failure during apply
 * exits with its own code (Thunderbird started between the plan and the write: 6).
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {encodePfx} from '../../src/identity/pkcs12/encode.js'
import {nssDbKey} from '../../src/stores/nss/dbkey.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {nssToolWrappers} from '../helpers/nss-tool-wrappers.js'
import {json, runCli} from '../helpers/run-cli.js'
import {askThunderbird} from '../helpers/thunderbird-probe.js'
import {prefsOf, thunderbirdHome, thunderbirdProgram, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const p12 = (name: string) => join(FIXTURES, 'p12', name)
const certificate = (name: string) => parseCertificate(certificatesFromPem(readFileSync(join(FIXTURES, 'certs', `${name}.pem`), 'utf8'))[0])

function certutil(home: ThunderbirdHome, ...args: string[]): string {
  return execFileSync('certutil', [...args, '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})
}

function install(home: ThunderbirdHome, args: string[], env: Record<string, string> = {}) {
  return runCli(['install', ...args], {env: {HOME: home.home, MAILCERT_PASSWORD: 'test', ...env}, timeoutMs: 120_000})
}

function backups(home: ThunderbirdHome): string[] {
  return readdirSync(home.profileDir).filter((name) => name.startsWith('prefs.js.mailcert-'))
}

describe('installing into a real Thunderbird profile with NSS tools', () => {
  it('imports an RSA identity, trusts its private root, configures only the matching identity, and Thunderbird can sign and decrypt', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const before = prefsOf(home)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--sign-by-default', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = json<{result: {storeAccess: Record<string, string>; targets: Array<{status: string; accounts: string[]; verification: Record<string, {valid: boolean}>}>}}>(result).result
    expect(report.storeAccess.thunderbird).toBe('tools')
    expect(report.targets).toMatchObject([{status: 'done', accounts: ['alice@example.com'], verification: {signing: {valid: true}, encryption: {valid: true}}}])

    // What NSS stored: the certificate with its key (u,u,u), the root trusted for e-mail only.
    const listing = certutil(home, '-L')
    expect(listing).toMatch(/Alice Example\s+u,u,u/)
    expect(listing).toMatch(/mailcert Test Root CA.*\s+,C,\s*$/m)
    expect(certutil(home, '-K')).toMatch(/rsa\s+[0-9a-f]+\s+Alice Example/)

    // prefs.js: exactly the six settings for alice's identity, appended; everything else byte for byte.
    const after = prefsOf(home)
    expect(after.startsWith(before)).toBe(true)
    const dbKey = nssDbKey(certificate('mailbox-rsa'))
    const alice = home.identityKeys['alice@example.com']
    expect(after.slice(before.length).trim().split('\n').sort()).toEqual(
      [
        `user_pref("mail.identity.${alice}.encryption_cert_dbkey", "${dbKey}");`,
        `user_pref("mail.identity.${alice}.encryption_cert_name", "alice@example.com");`,
        `user_pref("mail.identity.${alice}.sign_mail", true);`,
        `user_pref("mail.identity.${alice}.signing_cert_dbkey", "${dbKey}");`,
        `user_pref("mail.identity.${alice}.signing_cert_name", "alice@example.com");`,
      ].sort(),
    )
    expect(backups(home)).toHaveLength(1)
    expect(readFileSync(join(home.profileDir, backups(home)[0]), 'utf8')).toBe(before)

    // Thunderbird's own verdict: the dbKey finds the certificate, valid for signing and encryption (0).
    const verdicts = await askThunderbird(home.profileDir, home.home)
    expect(verdicts.find((v) => v.email === 'alice@example.com')).toMatchObject({
      signingCertName: 'alice@example.com',
      signing: {subject: 'CN=alice@example.com', signer: 0, recipient: 0},
      encryption: {subject: 'CN=alice@example.com', recipient: 0},
      signMail: true,
    })
    expect(verdicts.find((v) => v.email === 'bob@example.com')).toMatchObject({signing: null, encryption: null, signMail: false})
  }, 180_000)

  it('imports an EC identity under the same root, and Thunderbird accepts it', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const result = await install(home, [p12('ec-p256.p12'), '--yes', '--trust-root'])
    expect(result.code, result.stderr).toBe(0)
    expect(certutil(home, '-K')).toMatch(/ec\s+[0-9a-f]+\s+Alice Example/)
    const alice = (await askThunderbird(home.profileDir, home.home)).find((v) => v.email === 'alice@example.com')
    expect(alice).toMatchObject({signing: {subject: 'CN=Alice Example EC', signer: 0, recipient: 0}, signingCertName: 'Alice Example EC'})
  }, 180_000)

  // One profile for three things one install shows, and the run after it.
  it('keeps every byte of a hand-edited prefs.js (comments, escapes, Unicode, CRLF) except what it sets, removes its temporary files, and changes nothing on a second run', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const nasty = [
      '/* a comment with "quotes", user_pref("fake.pref", 1); and ünïcödé */',
      '# a hash comment',
      'user_pref("mailcert.test.escapes", "back\\\\slash \\"quoted\\" \\u00e9 \\x41 ");  // trailing comment',
      "user_pref('mailcert.test.single', 'it\\'s');",
      'user_pref("mailcert.test.tricky", "\\");user_pref(\\"evil\\", 1);");\r',
      'user_pref("mailcert.test.emoji", "📧 signed");',
    ].join('\n')
    const path = join(home.profileDir, 'prefs.js')
    const original = `${readFileSync(path, 'utf8')}${nasty}\n`
    writeFileSync(path, original)
    // Its temporary files, even the ones holding passwords, go in TMPDIR.
    const temp = mkdtempSync(join(tmpdir(), 'mailcert-tmpdir-'))
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root'], {TMPDIR: temp})
    expect(result.code, result.stderr).toBe(0)
    const after = readFileSync(path, 'utf8')
    expect(after.startsWith(original)).toBe(true)
    expect(after.slice(original.length).trim().split('\n')).toHaveLength(4)
    expect(readdirSync(temp)).toEqual([])

    // The second run: no new backup, no duplicate certificate, prefs.js byte for byte.
    const listing = certutil(home, '-L')
    const again = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'], {TMPDIR: temp})
    expect(again.code).toBe(0)
    const second = json<{result: {changed: boolean; targets: Array<{status: string; changed: boolean}>}}>(again).result
    expect(second.targets[0]).toMatchObject({status: 'unchanged', changed: false})
    expect(second.changed).toBe(false)
    expect(prefsOf(home)).toBe(after)
    expect(certutil(home, '-L')).toBe(listing)
    expect(backups(home)).toHaveLength(1)
    expect(readdirSync(temp)).toEqual([])
  }, 120_000)

  it('--dry-run shows the plan and changes nothing', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const prefs = prefsOf(home)
    const listing = certutil(home, '-L')
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--dry-run'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Import the certificate and private key with 2 issuer certificates')
    expect(result.stdout).toContain('Trust the private root certificate')
    expect(result.stdout).toContain('Set alice@example.com to sign and decrypt')
    expect(result.stdout).toContain('Dry run: nothing was changed.')
    expect(prefsOf(home)).toBe(prefs)
    expect(certutil(home, '-L')).toBe(listing)
    expect(backups(home)).toHaveLength(0)
  }, 60_000)

  it('installs nothing when the private root is not trusted (exit 5): Thunderbird would refuse the certificate', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const listing = certutil(home, '-L')
    const prefs = prefsOf(home)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--json'])
    expect(result.code).toBe(5)
    const target = json<{result: {targets: Array<{status: string; code: string; reason: string; hints: string[]}>}}>(result).result.targets[0]
    expect(target).toMatchObject({status: 'failed', code: 'refused-by-client'})
    expect(target.reason).toMatch(/is not trusted.*nothing was installed/)
    expect(target.hints.join(' ')).toContain('--trust-root')
    expect(certutil(home, '-L')).toBe(listing)
    expect(prefsOf(home)).toBe(prefs)
    expect(backups(home)).toHaveLength(0)
  }, 60_000)

  it('fails (exit 5, not 0) for a profile that has no certificate database yet, and changes nothing', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    for (const file of ['cert9.db', 'key4.db']) rmSync(join(home.profileDir, file))
    const prefs = prefsOf(home)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'])
    expect(result.code).toBe(5)
    const target = json<{result: {targets: Array<{status: string; code: string; hints: string[]}>}}>(result).result.targets[0]
    expect(target).toMatchObject({status: 'failed', code: 'no-nss-database'})
    expect(target.hints.join(' ')).toContain('Start Thunderbird once')
    expect(prefsOf(home)).toBe(prefs)
    expect(existsSync(join(home.profileDir, 'cert9.db'))).toBe(false)
  }, 60_000)

  it('with --keep-refused imports the certificate but sets no identity to use it, and still exits 5', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const prefs = prefsOf(home)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--keep-refused', '--json'])
    expect(result.code).toBe(5)
    const target = json<{result: {targets: Array<{status: string; code: string; reason: string; verification: Record<string, {valid: boolean}>}>}}>(result).result.targets[0]
    expect(target).toMatchObject({status: 'failed', code: 'refused-by-client', verification: {signing: {valid: false}}})
    expect(target.reason).toContain('--keep-refused')
    expect(certutil(home, '-L')).toMatch(/mailcert Test Root CA.*\s+,,\s*$/m)
    expect(certutil(home, '-L')).toMatch(/u,u,u/)
    expect(prefsOf(home)).toBe(prefs)
    // What it imported is recorded: remove takes it out again.
    const removed = await runCli(['remove', '--all', '--delete-identity', '--yes'], {env: {HOME: home.home}})
    expect(removed.code).toBe(0)
    expect(certutil(home, '-L')).not.toMatch(/u,u,u/)
  }, 90_000)

  it('refuses while Thunderbird runs on the profile (exit 6) and changes nothing', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const listing = certutil(home, '-L')
    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
      expect(result.code).toBe(6)
      expect(result.stderr).toMatch(/Thunderbird is running on the profile .*Nothing was changed/)
      expect(result.stderr).toContain('Close Thunderbird')
      expect(certutil(home, '-L')).toBe(listing)
    } finally {
      await thunderbird.stop()
    }
    // Thunderbird rewrote prefs.js itself (it adds Local Folders); mailcert added nothing to it.
    expect(prefsOf(home)).not.toContain('signing_cert_dbkey')
    expect(backups(home)).toHaveLength(0)
  }, 120_000)

  it('configures only the addresses asked for with --account', async () => {
    // The accounts of guided-install.test.ts, whose template this test shares.
    const home = await thunderbirdHome([
      {email: 'alice@example.com', name: 'Alice Example'},
      {email: 'alice.example@example.org', name: 'Alice at the org'},
      {email: 'bob@example.com', name: 'Bob Example'},
    ])
    const result = await install(home, [p12('sponsor-rsa.p12'), '--yes', '--trust-root', '--account', 'alice.example@example.org'])
    expect(result.code, result.stderr).toBe(0)
    const prefs = prefsOf(home)
    expect(prefs).toContain(`mail.identity.${home.identityKeys['alice.example@example.org']}.signing_cert_dbkey`)
    expect(prefs).not.toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
    const foreign = await install(home, [p12('sponsor-rsa.p12'), '--yes', '--account', 'bob@example.com'])
    expect(foreign.code).toBe(2)
    expect(foreign.stderr).toContain('The certificate is not for bob@example.com')
  }, 120_000)

  it('refuses a certificate that cannot do S/MIME, and one no account uses (exit 5), before changing anything', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const prefs = prefsOf(home)
    const expired = await install(home, [p12('expired.p12'), '--yes'])
    expect(expired.code).toBe(5)
    expect(expired.stderr).toMatch(/cannot be used for S\/MIME, so nothing was installed: The certificate expired on 2021-01-01/)
    const tls = await install(home, [p12('tls-server.p12'), '--yes'])
    expect(tls.code).toBe(5)
    expect(tls.stderr).toContain('This is a TLS (web server) certificate, not one for e-mail.')

    // A certificate for info@example.com, an address neither account of the profile has.
    const unmatched = await install(home, [p12('organization-rsa.p12'), '--yes'])
    expect(unmatched.code).toBe(5)
    expect(unmatched.stderr).toContain('No mail account uses info@example.com')
    expect(unmatched.stderr).toContain('Addresses found in Thunderbird: alice@example.com, bob@example.com')
    expect(prefsOf(home)).toBe(prefs)
  }, 120_000)

  it('asks for nothing it was not given: a primary password is required (exit 2), checked (exit 3), and used from a file', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const secrets = mkdtempSync(join(tmpdir(), 'mailcert-secrets-'))
    const empty = join(secrets, 'empty')
    const dbPassword = join(secrets, 'db')
    const wrong = join(secrets, 'wrong')
    writeFileSync(empty, '\n')
    writeFileSync(dbPassword, 'Primary-Secret-7\n')
    writeFileSync(wrong, 'not-it\n')
    execFileSync('certutil', ['-W', '-d', `sql:${home.profileDir}`, '-f', empty, '-@', dbPassword])

    const missing = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('--db-password-file')
    const wrongResult = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--db-password-file', wrong])
    expect(wrongResult.code).toBe(3)
    expect(wrongResult.stderr).toMatch(/primary password .* is wrong/)

    // While it runs, neither password may show in any process's arguments.
    const seen = new Set<string>()
    const watcher = setInterval(() => {
      for (const line of execFileSync('ps', ['-A', '-o', 'args='], {encoding: 'utf8'}).split('\n')) seen.add(line)
    }, 20)
    const right = await install(home, [p12('rsa-nonascii.p12'), '--yes', '--trust-root', '--db-password-file', dbPassword], {MAILCERT_PASSWORD: 'pässwörd'})
    clearInterval(watcher)
    expect(right.code, right.stderr).toBe(0)
    expect([...seen].some((line) => line.includes('pk12util') || line.includes('certutil') || line.includes('vfychain'))).toBe(true)
    expect([...seen].filter((line) => line.includes('Primary-Secret-7') || line.includes('pässwörd'))).toEqual([])
    expect(execFileSync('certutil', ['-K', '-d', `sql:${home.profileDir}`, '-f', dbPassword], {encoding: 'utf8'})).toMatch(/Alice Example/)
  }, 120_000)

  it('names the package to install when NSS tools are missing and the tools driver is asked for', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--nss-driver', 'tools'], {PATH: '/nonexistent'})
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("NSS's certutil and pk12util are needed")
    expect(result.stderr).toContain('sudo apt-get install libnss3-tools')
  }, 60_000)
})

describe('installing what NSS cannot read itself, and more than one profile', () => {
  it('installs files without a MAC and with a PBMAC1 MAC, which pk12util 3.87 refuses, by re-encoding them', async () => {
    const direct = spawnSync('pk12util', ['-i', p12('rsa-nomac.p12'), '-d', `sql:${mkdtempSync(join(tmpdir(), 'mailcert-nss-'))}`, '-W', 'test'], {encoding: 'utf8'})
    expect(direct.status).not.toBe(0)

    const home = await thunderbirdHome(ACCOUNTS)
    const nomac = await install(home, [p12('rsa-nomac.p12'), '--yes', '--trust-root'])
    expect(nomac.code, nomac.stderr).toBe(0)
    expect(certutil(home, '-L')).toMatch(/Alice Example\s+u,u,u/)

    // A PBMAC1 file (RFC 9579) of the EC identity, made with mailcert's own writer: OpenSSL 3.0 cannot make one.
    const input = decodeInput(readFileSync(p12('ec-p256.p12')))
    if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
    const {identity} = await openPkcs12(input, 'test')
    const pbmac1 = join(mkdtempSync(join(tmpdir(), 'mailcert-pbmac1-')), 'ec-pbmac1.p12')
    writeFileSync(pbmac1, encodePfx({privateKey: identity.privateKey!, certificates: [identity.certificate, ...identity.chain].map((c) => c.der), friendlyName: 'Alice EC'}, 'test', {profile: 'modern', mac: 'pbmac1'}))
    const second = await thunderbirdHome(ACCOUNTS)
    const result = await install(second, [pbmac1, '--yes', '--trust-root'])
    expect(result.code, result.stderr).toBe(0)
    expect(certutil(second, '-K')).toMatch(/ec\s+[0-9a-f]+\s+Alice EC/)
  }, 120_000)

  it('exits 7 when one profile fails and another is done, and says which', async () => {
    const good = await thunderbirdHome(ACCOUNTS)
    const broken = await thunderbirdHome(ACCOUNTS)
    writeFileSync(join(broken.profileDir, 'key4.db'), 'not a database')
    const result = await install(good, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--profile', good.profileDir, '--profile', broken.profileDir, '--json'])
    expect(result.code).toBe(7)
    const targets = json<{status: number; result: {targets: Array<{location: string; status: string; reason?: string}>}}>(result).result.targets
    expect(targets.find((t) => t.location === good.profileDir)?.status).toBe('done')
    expect(targets.find((t) => t.location === broken.profileDir)).toMatchObject({status: 'failed', reason: expect.stringMatching(/certutil/)})
    expect(prefsOf(broken)).not.toContain('signing_cert_dbkey')
  }, 120_000)
})

describe('install never waits for input without a terminal', () => {
  it('finishes promptly with stdin open but silent', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const child = spawn(process.execPath, [join(FIXTURES, '..', '..', 'bin', 'run.js'), 'install', p12('mailbox-rsa.p12')], {
      env: {...process.env, HOME: home.home, NO_COLOR: '1'},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('--password-file')
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
  }, 60_000)
})

describe('install with a damaged prefs.js (issue 9 §7)', () => {
  /** NUL bytes over the middle of prefs.js, as a crash while the disk wrote it leaves it. */
  function damage(home: ThunderbirdHome): Buffer {
    const file = join(home.profileDir, 'prefs.js')
    const bytes = readFileSync(file)
    bytes.fill(0, bytes.length >> 1, (bytes.length >> 1) + 2048)
    writeFileSync(file, bytes)
    return bytes
  }

  it('says that prefs.js cannot be read, where, and what to do (not "no mail account uses"), and changes nothing', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const damaged = damage(home)
    const keysBefore = certutil(home, '-L')
    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'])
    expect(result.code).toBe(5)
    const envelope = json<{status: number; error: {code: string; message: string; hints: string[]}}>(result)
    expect(envelope.error.code).toBe('profile-unreadable')
    expect(envelope.error.message).toMatch(new RegExp(`^prefs\\.js in ${home.profileDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cannot be read: it is damaged: it holds a NUL byte at line \\d+, column \\d+, and Thunderbird reads nothing from there on\\. Nothing was installed\\.$`))
    expect(envelope.error.message).not.toContain('No mail account uses')
    expect(envelope.error.hints[0]).toBe('Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.')
    expect(readFileSync(join(home.profileDir, 'prefs.js'))).toEqual(damaged)
    expect(certutil(home, '-L')).toBe(keysBefore)
    expect(backups(home)).toEqual([])

    const text = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
    expect(text.stderr).toContain(`prefs.js in ${home.profileDir} cannot be read: it is damaged`)
    expect(text.stderr).toContain('restore prefs.js from a backup of the profile folder')
  }, 120_000)

  it('beside a profile that is set up: that profile is done, the damaged one failed (exit 7)', async () => {
    const good = await thunderbirdHome(ACCOUNTS)
    const broken = await thunderbirdHome(ACCOUNTS)
    const damaged = damage(broken)
    const result = await install(good, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--profile', good.profileDir, '--profile', broken.profileDir, '--json'])
    expect(result.code, result.stderr).toBe(7)
    const targets = json<{result: {targets: Array<{location: string; status: string; code?: string; reason?: string; hints?: string[]}>}}>(result).result.targets
    expect(targets.find((t) => t.location === good.profileDir)?.status).toBe('done')
    expect(targets.find((t) => t.location === broken.profileDir)).toMatchObject({
      status: 'failed',
      code: 'profile-unreadable',
      reason: expect.stringMatching(/^prefs\.js in .+ cannot be read: it is damaged: .+; nothing was changed$/),
      hints: expect.arrayContaining([expect.stringMatching(/^Or start Thunderbird once: /)]),
    })
    expect(readFileSync(join(broken.profileDir, 'prefs.js'))).toEqual(damaged)
  }, 120_000)
})

describe('exit codes of failures during apply', () => {
  it('Thunderbird started between the plan and the write: exit 6, the profile undone, nothing left configured', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const before = prefsOf(home)
    const counter = nssToolWrappers(home.home).counter(home.home, 'paused')
    // Held right after the import, long after the plan was made and before prefs.js is written.
    const run = runCli(['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'], {env: {HOME: home.home, MAILCERT_PASSWORD: 'test', ...counter.env({pauseOn: 'pk12util -i'})}, timeoutMs: 120_000})
    await counter.paused()
    // A "Thunderbird" starts on the profile: a live process of that name holds the profile's lock.
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-fake-tb-'))
    copyFileSync('/bin/sleep', join(dir, 'thunderbird'))
    const thunderbird = spawn(join(dir, 'thunderbird'), ['60'], {stdio: 'ignore'})
    try {
      rmSync(join(home.profileDir, 'lock'), {force: true})
      symlinkSync(`127.0.0.1:+${thunderbird.pid}`, join(home.profileDir, 'lock'))
      counter.resume()
      const result = await run
      expect(result.code, result.stderr).toBe(6)
      const target = json<{result: {targets: Array<{status: string; code: string; exitCode: number; rolledBack: boolean}>}}>(result).result.targets[0]
      expect(target).toMatchObject({status: 'failed', code: 'client-running', exitCode: 6, rolledBack: true})
      expect(prefsOf(home)).toBe(before)
    } finally {
      thunderbird.kill('SIGKILL')
    }
  }, 300_000)

  it('--client chooses the clients: with only Evolution asked for, the Thunderbird profile is left alone', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const before = prefsOf(home)
    const result = await runCli(['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--client', 'evolution', '--json'], {
      env: {HOME: home.home, XDG_CONFIG_HOME: join(home.home, '.config'), MAILCERT_PASSWORD: 'test'},
      timeoutMs: 120_000,
    })
    // Evolution has no account in this HOME: nothing to set up (exit 5), and Thunderbird's account was not touched.
    expect(result.code, result.stderr).toBe(5)
    expect(json<{error: {code: string}}>(result).error.code).toMatch(/^no-(mail-client|matching-account)$/)
    expect(prefsOf(home)).toBe(before)
    expect(readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')).not.toContain('signing_cert_dbkey')
  }, 120_000)
})
