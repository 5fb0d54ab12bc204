/**
 * Installing with Thunderbird itself doing the NSS work, on a machine without NSS's tools: the
 * user's Thunderbird is started headless on the profile and driven over Marionette. The profiles
 * are set up as Thunderbird's account wizard does, with servers that cannot be reached: the headless
 * run must stay offline, and a Thunderbird that stops answering is Thunderbird's failure (exit 9).
 */
import {execFileSync, spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {FIXTURES, REPO} from '../helpers/fixtures.js'
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

/** Connections to the accounts' servers so far. */
function connections(home: ThunderbirdHome): number[] {
  return [home.servers.dropping.connections(), home.servers.silent.connections()]
}

/**
 * A "thunderbird" that the profile says it last ran from (compatibility.ini LastAppDir), written in
 * `body` (shell); it leaves a child behind that only a stop of its whole process group ends.
 */
function fakeThunderbird(home: ThunderbirdHome, body: (duration: string) => string): {dir: string; duration: string} {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-stub-'))
  // An unusual duration marks the stub's child in the process list.
  const duration = String(600 + (process.pid % 300))
  writeFileSync(join(dir, 'thunderbird'), body(duration))
  chmodSync(join(dir, 'thunderbird'), 0o755)
  writeFileSync(join(home.profileDir, 'compatibility.ini'), `[Compatibility]\nLastVersion=153.8.0_20260101000000/20260101000000\nLastAppDir=${dir}\n`)
  return {dir, duration}
}

function expectNothingLeftRunning(stub: {dir: string; duration: string}): void {
  const processes = execFileSync('ps', ['-A', '-o', 'args='], {encoding: 'utf8'})
  expect(processes).not.toContain(stub.dir)
  expect(processes).not.toContain(`sleep ${stub.duration}`)
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
    const before = connections(home)
    const result = await install(home, [p12(file), '--yes', '--trust-root', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = json<{result: {storeAccess: Record<string, string>; targets: Array<{status: string; steps: Array<{id: string; status: string}>; verification: Record<string, {valid: boolean}>}>}}>(result).result
    expect(report.storeAccess.thunderbird).toBe('thunderbird')
    expect(report.targets[0].status).toBe('done')
    expect(report.targets[0].steps.map((s) => [s.id, s.status])).toEqual([
      ['import-identity', 'done'],
      ['trust-root', 'done'],
      ['verify', 'unchanged'],
      ['configure-identities', 'done'],
    ])
    expect(report.targets[0].verification.signing.valid).toBe(true)

    // Offline: not one connection to the accounts' servers, each of which would have hung the run.
    expect(connections(home)).toEqual(before)

    // NSS's tools (run here by the test, not by mailcert) see the certificate with its private key.
    expect(certutilListing(home)).toMatch(/Alice Example\s+u,u,u/)
    // The headless run left the profile's own settings alone: no user.js, no Marionette port.
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).not.toMatch(/marionette\.port|offline\.startup_state|network\.online|enabledMailCheckOnce/)
    // The servers still check for mail at start-up when the user starts Thunderbird.
    expect(prefsOf(home).match(/"mail\.server\.server\d+\.login_at_startup", true/g)).toHaveLength(2)

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
    expect(result.code, result.stderr).toBe(9)
    expect(result.stderr).toContain('Thunderbird stopped answering: it did not open its remote-control port within 8 s.')
    expect(result.stderr).toContain('Primary Password')
    expect(result.stderr).toContain('libnss3-tools')
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).not.toContain('signing_cert_dbkey')
  }, 120_000)

  it('times out cleanly on a Thunderbird that never opens its port: nothing left running, nothing changed', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const stub = fakeThunderbird(home, (duration) => `#!/bin/sh\n/bin/sleep ${duration}\n`)
    const prefs = prefsOf(home)
    const listing = certutilListing(home)

    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {MAILCERT_THUNDERBIRD_TIMEOUT: '3'})
    expect(result.code, result.stderr).toBe(9)
    expect(result.stderr).toContain('Thunderbird stopped answering: it did not open its remote-control port within 3 s.')

    expectNothingLeftRunning(stub)
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(prefsOf(home)).toBe(prefs)
    expect(certutilListing(home)).toBe(listing)
    expect(readdirSync(home.profileDir).filter((name) => name.includes('mailcert'))).toEqual([])
  }, 120_000)

  it('a Thunderbird that opens its port and never starts a session: exit 9, its own message, nothing running, the profile byte for byte', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    // It greets on a port it binds itself and reports in MarionetteActivePort, as Marionette does
    // with port 0, then answers nothing: what Thunderbird 153 did online with an unreachable server.
    // It notes how it was started.
    const stub = fakeThunderbird(
      home,
      (duration) => `#!${process.execPath}
const {spawn} = require('node:child_process')
const {readFileSync, writeFileSync} = require('node:fs')
const {createServer} = require('node:net')
const args = process.argv.slice(2)
const profile = args[args.indexOf('--profile') + 1]
const userJs = readFileSync(profile + '/user.js', 'utf8')
writeFileSync(__dirname + '/started.json', JSON.stringify({args, userJs}))
spawn('/bin/sleep', ['${duration}'], {stdio: 'ignore'})
const greeting = JSON.stringify({applicationType: 'gecko', marionetteProtocol: 3})
const server = createServer((socket) => socket.write(greeting.length + ':' + greeting))
server.listen(Number([...userJs.matchAll(/"marionette\\.port", (\\d+)/g)].at(-1)[1]), '127.0.0.1', () => writeFileSync(profile + '/MarionetteActivePort', String(server.address().port)))
`,
    )
    // The user's own user.js, without a line break at its end.
    const userJs = Buffer.from('// mine\nuser_pref("mail.server.server1.login_at_startup", true);')
    writeFileSync(join(home.profileDir, 'user.js'), userJs)
    const prefs = readFileSync(join(home.profileDir, 'prefs.js'))
    const listing = certutilListing(home)

    const result = await install(home, [p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {MAILCERT_THUNDERBIRD_TIMEOUT: '3'})
    expect(result.code, result.stderr).toBe(9)
    expect(result.stderr).toContain('Thunderbird stopped answering: it did not start its remote-control session within 3 s.')
    expect(result.stderr).toContain('If Thunderbird is open, close it, then run mailcert again.')
    expect(result.stderr).toContain('libnss3-tools')
    expect(result.stderr).toContain('MAILCERT_THUNDERBIRD_TIMEOUT')
    expect(result.stderr).not.toContain('This is a bug')

    // It was asked to start offline, with no server logging in, the user's user.js kept in front.
    const started = JSON.parse(readFileSync(join(stub.dir, 'started.json'), 'utf8')) as {args: string[]; userJs: string}
    expect(started.args).toContain('-offline')
    expect(started.userJs.startsWith(userJs.toString())).toBe(true)
    for (const line of ['user_pref("marionette.port", 0);', 'user_pref("offline.startup_state", 3);', 'user_pref("mail.server.server1.login_at_startup", false);', 'user_pref("mail.server.server3.login_at_startup", false);']) {
      expect(started.userJs).toContain(line)
    }

    expectNothingLeftRunning(stub)
    expect(readFileSync(join(home.profileDir, 'user.js')).equals(userJs)).toBe(true)
    expect(readFileSync(join(home.profileDir, 'prefs.js')).equals(prefs)).toBe(true)
    expect(certutilListing(home)).toBe(listing)
    expect(existsSync(join(home.profileDir, 'MarionetteActivePort'))).toBe(false)

    // check --deep, in JSON: the same failure, as a finding of that profile (check goes on with the others), exit 8.
    const deep = await runCli(['check', '--deep', '--json'], {env: {HOME: home.home, PATH: pathWithoutNssTools(), MAILCERT_THUNDERBIRD_TIMEOUT: '3'}, timeoutMs: 60_000})
    expect(deep.code).toBe(8)
    const problems = json<{result: {problems: Array<{code: string; message: string}>}}>(deep).result.problems
    expect(problems[0]).toMatchObject({code: 'store-unreadable', severity: 'warning', message: expect.stringContaining('Thunderbird: Thunderbird stopped answering')})
    expectNothingLeftRunning(stub)
    expect(readFileSync(join(home.profileDir, 'user.js')).equals(userJs)).toBe(true)
    expect(readFileSync(join(home.profileDir, 'prefs.js')).equals(prefs)).toBe(true)
  }, 120_000)

  it('a mailcert killed while its Thunderbird runs: the next mailcert stops that Thunderbird and puts user.js and prefs.js back', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const stub = fakeThunderbird(home, (duration) => `#!/bin/sh\n/bin/sleep ${duration}\n`)
    const prefs = readFileSync(join(home.profileDir, 'prefs.js'))
    const marker = join(home.profileDir, '.mailcert-headless-run.json')
    const env = {...process.env, NO_COLOR: '1', HOME: home.home, MAILCERT_PASSWORD: 'test', PATH: pathWithoutNssTools(), MAILCERT_THUNDERBIRD_TIMEOUT: '120'}
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), 'install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {env, stdio: 'ignore'})
    const exited = new Promise((resolve) => child.on('exit', resolve))
    // Once the marker names the Thunderbird it started, mailcert is killed where it cannot clean up.
    const deadline = Date.now() + 60_000
    while (!(existsSync(marker) && (JSON.parse(readFileSync(marker, 'utf8')) as {thunderbird: number | null}).thunderbird !== null)) {
      if (Date.now() > deadline) throw new Error('mailcert never started its Thunderbird')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGKILL')
    await exited
    expect(execFileSync('ps', ['-A', '-o', 'args='], {encoding: 'utf8'})).toContain(`sleep ${stub.duration}`)
    expect(readFileSync(join(home.profileDir, 'user.js'), 'utf8')).toContain('marionette.port')

    const check = await runCli(['check', '--json'], {env: {HOME: home.home, PATH: pathWithoutNssTools(), MAILCERT_THUNDERBIRD_TIMEOUT: '3'}, timeoutMs: 60_000})
    expect(check.stdout).not.toContain('"kind":"bug"')
    expectNothingLeftRunning(stub)
    expect(existsSync(join(home.profileDir, 'user.js'))).toBe(false)
    expect(readFileSync(join(home.profileDir, 'prefs.js')).equals(prefs)).toBe(true)
    expect(existsSync(marker)).toBe(false)
  }, 120_000)

  it("a mailcert killed between writing the run's user.js and putting it back: the next mailcert stops the real Thunderbird and restores user.js byte for byte", async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    // The user's own user.js: CRLF, a byte that is not UTF-8, no line break at the end, mode 0644.
    const userJs = Buffer.concat([Buffer.from('// mine\r\nuser_pref("mail.server.server1.login_at_startup", true); // caf'), Buffer.from([0xe9])])
    writeFileSync(join(home.profileDir, 'user.js'), userJs, {mode: 0o644})
    chmodSync(join(home.profileDir, 'user.js'), 0o644)
    const prefs = readFileSync(join(home.profileDir, 'prefs.js'))
    const marker = join(home.profileDir, '.mailcert-headless-run.json')
    const activePort = join(home.profileDir, 'MarionetteActivePort')
    const env = {...process.env, NO_COLOR: '1', HOME: home.home, MAILCERT_PASSWORD: 'test', PATH: pathWithoutNssTools(), MAILCERT_THUNDERBIRD_TIMEOUT: '120'}
    const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), 'install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--nss-driver', 'thunderbird'], {env, stdio: 'ignore'})
    const exited = new Promise((resolve) => child.on('exit', resolve))
    // Killed once Thunderbird listens on the profile: user.js holds the run's prefs, the marker names that Thunderbird.
    const deadline = Date.now() + 90_000
    while (!(existsSync(activePort) && existsSync(marker) && (JSON.parse(readFileSync(marker, 'utf8')) as {thunderbird: number | null}).thunderbird !== null)) {
      if (Date.now() > deadline) throw new Error('mailcert never started its Thunderbird')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    child.kill('SIGKILL')
    await exited
    const thunderbird = (JSON.parse(readFileSync(marker, 'utf8')) as {thunderbird: number}).thunderbird
    expect(() => process.kill(thunderbird, 0)).not.toThrow()
    expect(readFileSync(join(home.profileDir, 'user.js'), 'latin1')).toContain('user_pref("marionette.port", 0);')

    const check = await runCli(['check', '--json'], {env: {HOME: home.home, PATH: pathWithoutNssTools(), MAILCERT_THUNDERBIRD_TIMEOUT: '60'}, timeoutMs: 120_000})
    expect(check.stdout).not.toContain('"kind":"bug"')
    expect(() => process.kill(thunderbird, 0)).toThrow()
    expect(readFileSync(join(home.profileDir, 'user.js')).equals(userJs)).toBe(true)
    expect(statSync(join(home.profileDir, 'user.js')).mode & 0o777).toBe(0o644)
    expect(readFileSync(join(home.profileDir, 'prefs.js')).equals(prefs)).toBe(true)
    expect(existsSync(marker)).toBe(false)
    expect(existsSync(activePort)).toBe(false)
    expect(readdirSync(home.profileDir).filter((name) => name.includes('mailcert'))).toEqual([])
  }, 240_000)
})
