/**
 * The guided installer, as a person meets it: `mailcert` with no arguments in a real terminal
 * (tmux), a certificate in Downloads, a real Thunderbird profile. Assertions are on the screen and
 * on what the profile holds afterwards.
 */
import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {evolutionEnvironment, makeEvolutionHome, readSmimeThroughEds} from '../helpers/evolution-home.js'
import {FIXTURES, REPO} from '../helpers/fixtures.js'
import {sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'
import {prefsOf, thunderbirdHome, thunderbirdProgram, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'alice.example@example.org', name: 'Alice at the org'},
  {email: 'bob@example.com', name: 'Bob Example'},
]

let terminal: Terminal | undefined
afterEach(() => terminal?.close())

/** A home whose Downloads holds the sponsor certificate (for alice@example.com and alice.example@example.org). */
async function homeWithDownload(): Promise<ThunderbirdHome> {
  const home = await thunderbirdHome(ACCOUNTS)
  mkdirSync(join(home.home, 'Downloads'), {recursive: true})
  copyFileSync(join(FIXTURES, 'p12', 'sponsor-rsa.p12'), join(home.home, 'Downloads', 'alice-smime.p12'))
  return home
}

function start(home: ThunderbirdHome, args: string[] = []): Terminal {
  // cwd: the home, so that only the Downloads file is offered.
  return Terminal.start(args, {HOME: home.home}, home.home)
}

const certificates = (home: ThunderbirdHome) => execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})

/** Walk the first steps: the file, a wrong then the right password, and the certificate shown. */
async function toAccounts(t: Terminal): Promise<string> {
  await t.waitFor('Which certificate file?')
  await t.waitFor('alice-smime.p12')
  t.press('Enter')
  await t.waitFor('Password for alice-smime.p12:')
  t.type('not-the-password')
  t.press('Enter')
  await t.waitFor('Wrong password. Try again (2 of 3):')
  t.type('test')
  t.press('Enter')
  return t.waitFor('Set up these accounts?')
}

/** From the checklist on: the default answers (sign yes, encrypt no), yes to trusting the root, up to the plan. */
async function defaultsAndTrustToPlan(t: Terminal): Promise<string> {
  await t.waitFor('Sign every message you send by default?')
  t.press('Enter')
  await t.waitFor('Encrypt every message by default?')
  t.press('Enter')
  await t.waitFor('Trust it to vouch for')
  t.type('y')
  t.press('Enter')
  return t.waitFor('Make these changes?')
}

describe('mailcert with no arguments, in a terminal', () => {
  it('takes a person from the file in Downloads to a configured profile, with only the accounts they kept ticked', async () => {
    const home = await homeWithDownload()
    terminal = start(home)
    const screen = await toAccounts(terminal)
    expect(screen).toContain('This certificate')
    expect(screen).toMatch(/For\s+alice@example\.com/)
    expect(screen).toContain('Email, sender name and company')
    expect(screen).toMatch(/bob@example\.com .*the certificate is not for this address/)
    expect(screen).not.toContain('not-the-password')

    // Untick the second address (alice.example@example.org): it is the second line of the list.
    terminal.press('Down')
    terminal.press('Space')
    terminal.press('Enter')
    const plan = await defaultsAndTrustToPlan(terminal)
    expect(plan).toContain('Set alice@example.com to sign and decrypt with this certificate (sign by default: yes, encrypt by default: no)')
    expect(plan).not.toContain('Set alice.example@example.org')
    terminal.press('Enter')
    const end = await terminal.waitFor('To undo: mailcert remove')
    expect(end).toContain(': done')
    expect(await terminal.exitCode()).toBe(0)

    const prefs = prefsOf(home)
    expect(prefs).toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
    expect(prefs).toContain(`mail.identity.${home.identityKeys['alice@example.com']}.sign_mail", true`)
    expect(prefs).not.toContain(`mail.identity.${home.identityKeys['alice.example@example.org']}.signing_cert_dbkey`)
    expect(prefs).not.toContain(`mail.identity.${home.identityKeys['bob@example.com']}.signing_cert`)
    expect(certificates(home)).toMatch(/Alice Example\s+u,u,u/)
    expect(existsSync(join(home.home, '.local', 'share', 'mailcert', 'installed.json'))).toBe(true)
  }, 120_000)

  it('finds a file elsewhere through "Another file…" with Tab completion', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    mkdirSync(join(home.home, 'Mail certificates'), {recursive: true})
    copyFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12'), join(home.home, 'Mail certificates', 'alice.pfx'))
    copyFileSync(join(FIXTURES, 'p12', 'bob-rsa.p12'), join(home.home, 'Mail certificates', 'bob.p12'))
    terminal = start(home)
    await terminal.waitFor('No .p12 or .pfx file in Downloads, Desktop or Documents. Path of the certificate file (Tab completes):')
    terminal.type('~/Mail')
    terminal.press('Tab')
    await terminal.waitFor('Path of the certificate file (Tab completes): ~/Mail certificates/')
    // Two files start there: a second Tab lists them, as a shell does.
    terminal.press('Tab')
    terminal.press('Tab')
    await terminal.waitFor(/~\/Mail certificates\/alice\.pfx\s+~\/Mail certificates\/bob\.p12/)
    terminal.type('a')
    terminal.press('Tab')
    await terminal.waitFor('Path of the certificate file (Tab completes): ~/Mail certificates/alice.pfx')
    terminal.press('Enter')
    await terminal.waitFor('Password for alice.pfx:')
    terminal.press('C-c')
    await terminal.waitFor('Cancelled. Nothing was changed.')
    expect(await terminal.exitCode()).toBe(130)
  }, 60_000)

  it('takes a pasted path and its Enter as typed, and asks again while the path is a folder or no file', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    // Folders first in the listing: the suggestions for an empty line start with one.
    mkdirSync(join(home.home, 'Archive'))
    mkdirSync(join(home.home, 'certs'))
    const file = join(home.home, 'certs', 'alice.pfx')
    copyFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12'), file)
    terminal = start(home)
    await terminal.waitFor('Path of the certificate file (Tab completes):')

    terminal.paste(join(home.home, 'certs'))
    await terminal.waitFor(`${join(home.home, 'certs')} is a folder, not a file.`)
    terminal.press('C-u')
    terminal.paste(join(home.home, 'certs', 'alice.p12'))
    await terminal.waitFor(`There is no file at ${join(home.home, 'certs', 'alice.p12')}.`)
    terminal.press('C-u')
    terminal.paste(file)
    const screen = await terminal.waitFor('Password for alice.pfx:')
    expect(screen).not.toContain('Archive')
    terminal.press('C-c')
    expect(await terminal.exitCode()).toBe(130)
  }, 60_000)

  it('takes a file dropped from a file manager, quoted and with a trailing space', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    mkdirSync(join(home.home, 'My certificates'))
    const file = join(home.home, 'My certificates', 'alice.pfx')
    copyFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12'), file)
    terminal = start(home)
    await terminal.waitFor('Path of the certificate file (Tab completes):')
    terminal.paste(`'${file}' `)
    await terminal.waitFor('Password for alice.pfx:')
    terminal.press('C-c')
    expect(await terminal.exitCode()).toBe(130)
  }, 60_000)

  it('says at once, after the certificate, that no account uses its address, before any question', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    mkdirSync(join(home.home, 'Downloads'), {recursive: true})
    copyFileSync(join(FIXTURES, 'p12', 'organization-rsa.p12'), join(home.home, 'Downloads', 'info.p12'))
    terminal = start(home)
    await terminal.waitFor('info.p12')
    terminal.press('Enter')
    await terminal.waitFor('Password for info.p12:')
    terminal.type('test')
    terminal.press('Enter')
    expect(await terminal.exitCode()).toBe(5)
    const screen = terminal.screen()
    expect(screen).toMatch(/For\s+info@example\.com/)
    expect(screen).toContain('No mail account uses info@example.com, so nothing was installed.')
    expect(screen).not.toContain('Set up these accounts?')
    expect(screen).not.toContain('Sign every message')
  }, 60_000)

  it('changes nothing when the answer at the plan is no', async () => {
    const home = await homeWithDownload()
    const prefs = prefsOf(home)
    const listing = certificates(home)
    terminal = start(home)
    await toAccounts(terminal)
    terminal.press('Enter')
    for (const question of ['Sign every message', 'Encrypt every message']) {
      await terminal.waitFor(question)
      terminal.press('Enter')
    }
    await terminal.waitFor('Trust it to vouch')
    terminal.type('y')
    terminal.press('Enter')
    await terminal.waitFor('Make these changes?')
    terminal.type('n')
    terminal.press('Enter')
    await terminal.waitFor('Nothing was changed.')
    expect(await terminal.exitCode()).toBe(0)
    expect(prefsOf(home)).toBe(prefs)
    expect(certificates(home)).toBe(listing)
    expect(readdirSync(home.profileDir).filter((name) => name.includes('mailcert'))).toEqual([])
  }, 120_000)

  it('leaves nothing half-done on Ctrl+C in the middle', async () => {
    const home = await homeWithDownload()
    const prefs = prefsOf(home)
    terminal = start(home)
    await toAccounts(terminal)
    terminal.press('Enter')
    await terminal.waitFor('Sign every message')
    terminal.press('C-c')
    await terminal.waitFor('Cancelled. Nothing was changed.')
    expect(await terminal.exitCode()).toBe(130)
    expect(prefsOf(home)).toBe(prefs)
  }, 120_000)

  it('asks to close a running Thunderbird, says so when it still runs, and goes on once it is closed', async () => {
    const home = await homeWithDownload()
    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      terminal = start(home, ['install', join(home.home, 'Downloads', 'alice-smime.p12'), '--account', 'alice@example.com', '--trust-root', '--sign-by-default', '--no-encrypt-by-default'])
      await terminal.waitFor('Password for alice-smime.p12:')
      terminal.type('test')
      terminal.press('Enter')
      await terminal.waitFor('Thunderbird is running (profile "default-release"). Close Thunderbird, then press Enter.')
      // Enter while it still runs: mailcert looks again and says so.
      terminal.press('Enter')
      await terminal.waitFor('Thunderbird is still running on profile "default-release". Close all its windows')
    } finally {
      await thunderbird.stop()
    }
    terminal.press('Enter')
    await terminal.waitFor('Make these changes?')
    terminal.press('Enter')
    await terminal.waitFor(': done')
    expect(await terminal.exitCode()).toBe(0)
    expect(prefsOf(home)).toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
  }, 120_000)

  it('lets a person undo it with the guided mailcert remove', async () => {
    const home = await homeWithDownload()
    execFileSync(process.execPath, [join(REPO, 'bin', 'run.js'), 'install', join(home.home, 'Downloads', 'alice-smime.p12'), '--yes', '--trust-root', '--account', 'alice@example.com'], {
      env: {...process.env, HOME: home.home, MAILCERT_PASSWORD: 'test'},
      stdio: 'ignore',
    })
    expect(prefsOf(home)).toContain('signing_cert_dbkey')

    terminal = start(home, ['remove'])
    await terminal.waitFor('Stop using the certificate for these accounts?')
    await terminal.waitFor('alice@example.com')
    terminal.press('Enter')
    await terminal.waitFor('Also remove the certificate and its private key from Thunderbird?')
    terminal.type('y')
    terminal.press('Enter')
    await terminal.waitFor('Make these changes?')
    terminal.press('Enter')
    await terminal.waitFor(': done')
    expect(await terminal.exitCode()).toBe(0)
    expect(prefsOf(home)).not.toContain('signing_cert_dbkey')
    expect(certificates(home)).not.toContain('Alice Example')
  }, 120_000)
})

describe('mailcert with no arguments, with Thunderbird and Evolution', () => {
  it('lists both clients in one checklist, sets up both, and says what to do next in each', async () => {
    const home = await homeWithDownload()
    // Evolution's sources as evolution-data-server writes them, for one of the certificate's addresses.
    await makeEvolutionHome(home.home, [{address: 'alice@example.com', name: 'Alice Example'}])
    const env = evolutionEnvironment(home.home)
    terminal = Terminal.start([], {HOME: home.home, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME!, XDG_DATA_HOME: env.XDG_DATA_HOME!}, home.home)
    const screen = await toAccounts(terminal)
    expect(screen).toMatch(/Thunderbird profile "default-release"/)
    expect(screen).toMatch(/Evolution \(.*evolution\/sources/)
    terminal.press('Enter')
    // One question for the root, though two stores need it trusted.
    const plan = await defaultsAndTrustToPlan(terminal)
    expect(plan).toContain("in Evolution's identity sources")
    expect(plan.match(/Trust it to vouch for/g)).toHaveLength(1)
    terminal.press('Enter')
    const end = await terminal.waitFor('To undo: mailcert remove')
    expect(end).toContain('Start Evolution and write a message from')
    expect(await terminal.exitCode()).toBe(0)
    expect(prefsOf(home)).toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
    const smime = await readSmimeThroughEds(home.home)
    expect(smime.find((s) => s.address === 'alice@example.com')).toMatchObject({signingCertificate: expect.any(String), signByDefault: true})
  }, 180_000)

  it('finds the other half of a separate signing and encryption pair beside the first, and installs the two apart', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const downloads = join(home.home, 'Downloads')
    mkdirSync(downloads, {recursive: true})
    copyFileSync(join(FIXTURES, 'p12', 'encryption-only-rsa.p12'), join(downloads, 'alice-encrypt.p12'))
    copyFileSync(join(FIXTURES, 'p12', 'signing-only-rsa.p12'), join(downloads, 'alice-sign.p12'))
    // Newest first in the list: the signing file.
    utimesSync(join(downloads, 'alice-encrypt.p12'), new Date('2026-01-01'), new Date('2026-01-01'))
    terminal = start(home)
    await terminal.waitFor('Which certificate file?')
    await terminal.waitFor('alice-sign.p12')
    terminal.press('Enter')
    await terminal.waitFor('Password for alice-sign.p12:')
    terminal.type('test')
    terminal.press('Enter')
    await terminal.waitFor('~/Downloads/alice-encrypt.p12 holds the encryption certificate for alice@example.com. Install the two together')
    terminal.press('Enter')
    await terminal.waitFor('Set up these accounts?')
    terminal.press('Enter')
    await terminal.waitFor('Sign every message you send by default?')
    terminal.press('Enter')
    await terminal.waitFor('Encrypt every message by default?')
    terminal.press('Enter')
    await terminal.waitFor('Trust it to vouch')
    terminal.type('y')
    terminal.press('Enter')
    const plan = await terminal.waitFor('Make these changes?')
    expect(plan).toContain('Set alice@example.com to sign with the signing certificate and decrypt with the encryption certificate')
    terminal.press('Enter')
    await terminal.waitFor('To undo: mailcert remove')
    expect(await terminal.exitCode()).toBe(0)
    const key = (name: string) => new RegExp(`mail\\.identity\\.${home.identityKeys['alice@example.com']}\\.${name}", "([^"]+)"`).exec(prefsOf(home))?.[1]
    expect(key('signing_cert_dbkey')).toBeTruthy()
    expect(key('encryption_cert_dbkey')).toBeTruthy()
    expect(key('signing_cert_dbkey')).not.toBe(key('encryption_cert_dbkey'))
  }, 120_000)
})

describe('mailcert with no arguments, with no mail account to set up', () => {
  it('says so before asking anything: what it looked for, where, and what to do', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, 'Downloads'))
    copyFileSync(join(FIXTURES, 'p12', 'sponsor-rsa.p12'), join(home, 'Downloads', 'alice-smime.p12'))
    terminal = Terminal.start([], {HOME: home}, home)
    expect(await terminal.exitCode()).toBe(5)
    const screen = terminal.screen()
    expect(screen).toContain("There is no mail client here for mailcert to set up: it looked for Thunderbird's profiles in ~/.thunderbird")
    expect(screen).toContain("and for Evolution's account sources in ~/.config/evolution/sources and found none")
    expect(screen).toContain('Install Thunderbird or Evolution, start it and add your mail account')
    expect(screen).not.toContain('Which certificate file?')
    expect(screen).not.toContain('Password')
  }, 60_000)
})

describe('mailcert with no arguments, without a terminal', () => {
  it('never waits for input: a usage error that names what to pass', async () => {
    const home = await homeWithDownload()
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js')], {env: {...process.env, HOME: home.home, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(2)
    expect(stderr).toContain('Which certificate file?')
    expect(stderr).toContain('mailcert install FILE')
    expect(readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')).not.toContain('signing_cert')
  }, 60_000)
})
