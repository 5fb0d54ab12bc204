/**
 * `--user NAME` end to end, as an engine runs it: as root, for a real system user made here
 * (useradd, removed afterwards) who has a real Thunderbird profile, with the .p12 and the password
 * file readable only by root. The mailcert that runs as the user must do the work in the user's
 * files (which stay theirs), keep its record in the user's home, leave nothing in /tmp, and never
 * have the password in its command line or environment.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {encodePfx} from '../../src/identity/pkcs12/encode.js'
import {acquireUserLock} from '../../src/system/user-lock.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {cliForAllUsers, type CliForAllUsers} from '../helpers/cli-for-all-users.js'
import {json, runCli} from '../helpers/run-cli.js'
import {makeSystemUser, removeSystemUser, type SystemUser} from '../helpers/system-user.js'
import {thunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]
/** Long and unlike anything else in a command line or an environment, so that finding it means a leak. */
const PASSWORD = 'Hand-over-only-7Qx2vR9'

interface TestUser extends SystemUser {
  profileDir: string
}

let user: TestUser
/** Root's own folder (0700) with the .p12 and the password file, both 0600 root. */
let secrets: string
let p12: string
let passwordFile: string
/** mailcert where the user can run it too (the root one starts itself again as them). */
let cli: CliForAllUsers

beforeAll(async () => {
  cli = cliForAllUsers()
  user = {...makeSystemUser('mcrun'), profileDir: ''}
  const template = await thunderbirdHome(ACCOUNTS)
  cpSync(join(template.home, '.thunderbird'), join(user.home, '.thunderbird'), {recursive: true})
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, user.home])
  user.profileDir = join(user.home, template.profileDir.slice(template.home.length))

  secrets = mkdtempSync(join(tmpdir(), 'mailcert-root-secrets-'))
  const input = decodeInput(readFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12')))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  const {identity} = await openPkcs12(input, 'test')
  p12 = join(secrets, 'alice.p12')
  writeFileSync(p12, encodePfx({privateKey: identity.privateKey!, certificates: [identity.certificate, ...identity.chain].map((c) => c.der), friendlyName: 'Alice Example'}, PASSWORD, {profile: 'modern'}), {mode: 0o600})
  passwordFile = join(secrets, 'password')
  writeFileSync(passwordFile, `${PASSWORD}\n`, {mode: 0o600})
}, 300_000)

afterAll(() => {
  if (user) removeSystemUser(user)
  if (secrets) rmSync(secrets, {recursive: true, force: true})
  cli?.remove()
})

/** Files anywhere under /tmp that belong to the user: what a run as them left there. */
function leftInTmp(): string[] {
  // Other tests' folders come and go meanwhile: find's complaints about them are not ours.
  return spawnSync('find', [tmpdir(), '-xdev', '-uid', String(user.uid)], {encoding: 'utf8'}).stdout.split('\n').filter(Boolean)
}

/** A mailcert of this uid (the one that names `naming` in its arguments): its arguments and environment as the kernel shows them. */
function processOf(uid: number, naming?: string): {pid: number; cmdline: string; environ: string} {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (statSync(`/proc/${entry}`).uid !== uid) continue
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      if (cmdline.includes('run.js') && (naming === undefined || cmdline.split('\0').includes(naming))) return {pid: Number(entry), cmdline, environ: readFileSync(`/proc/${entry}/environ`, 'utf8')}
    } catch {
      // It ended while we looked.
    }
  }
  throw new Error(`no mailcert of uid ${uid} is running`)
}

function owner(path: string): number {
  return lstatSync(path).uid
}

/** The profile's files (its `lock` is a symbolic link to nowhere while Thunderbird is closed). */
function profileFiles(): string[] {
  return readdirSync(user.profileDir).filter((name) => !lstatSync(join(user.profileDir, name)).isSymbolicLink())
}

const asRoot = (args: string[], options: Parameters<typeof runCli>[1] = {}) =>
  runCli(args, {timeoutMs: 120_000, entry: cli.entry, ...options, env: {HOME: '/root', MAILCERT_PASSWORD: undefined, ...options.env}})

describe('--user NAME, run as root', () => {
  it('installs into the user\'s own profile as the user: their files stay theirs, the record is in their home, nothing is left in /tmp', async () => {
    const result = await asRoot(['install', p12, '--user', user.name, '--password-file', passwordFile, '--yes', '--trust-root', '--json'])
    expect(result.code, result.stderr).toBe(0)
    const report = json<{status: number; result: {targets: Array<{status: string; accounts: string[]}>}}>(result)
    expect(report.result.targets).toMatchObject([{status: 'done', accounts: ['alice@example.com']}])

    for (const file of ['prefs.js', 'cert9.db', 'key4.db']) expect(owner(join(user.profileDir, file)), file).toBe(user.uid)
    for (const file of profileFiles()) expect(owner(join(user.profileDir, file)), file).toBe(user.uid)
    expect(execFileSync('certutil', ['-L', '-d', `sql:${user.profileDir}`], {encoding: 'utf8'})).toMatch(/Alice Example\s+u,u,u/)
    const journal = join(user.home, '.local', 'share', 'mailcert', 'installed.json')
    expect(owner(journal)).toBe(user.uid)
    expect(readFileSync(journal, 'utf8')).toContain(user.profileDir)
    expect(readFileSync(join(user.profileDir, 'prefs.js'), 'utf8')).toMatch(/signing_cert_dbkey/)
    expect(leftInTmp()).toEqual([])
  }, 180_000)

  it('checks as the user, with the password piped in; status (as a Jamf extension attribute runs it) with it in MAILCERT_PASSWORD', async () => {
    const piped = await asRoot(['check', p12, '--user', user.name, '--password-stdin', '--json'], {input: `${PASSWORD}\n`})
    expect(piped.code, piped.stderr).toBe(0)
    const profiles = json<{result: {clients: Array<{client: string; profiles: Array<{dir: string}>}>}}>(piped).result.clients.find((c) => c.client === 'thunderbird')!.profiles
    expect(profiles.map((profile) => profile.dir)).toEqual([user.profileDir])

    const status = await asRoot(['status', p12], {env: {MAILCERT_USER: user.name, MAILCERT_PASSWORD: PASSWORD}})
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout.trim().split('\n')).toHaveLength(1)
    expect(status.stdout).toMatch(/^alice@example\.com: installed/)
    expect(leftInTmp()).toEqual([])
  }, 180_000)

  it('a wrong password is the child\'s exit 3, and nothing changes', async () => {
    const before = readFileSync(join(user.profileDir, 'prefs.js'))
    const wrong = join(secrets, 'wrong')
    writeFileSync(wrong, 'not the password', {mode: 0o600})
    const result = await asRoot(['install', p12, '--user', user.name, '--password-file', wrong, '--yes', '--json'])
    expect(result.code, result.stderr).toBe(3)
    expect(json<{error: {code: string}}>(result).error.code).toBe('wrong-password')
    expect(readFileSync(join(user.profileDir, 'prefs.js'))).toEqual(before)
  }, 120_000)

  it('the mailcert that runs as the user has no password in its command line or environment', async () => {
    // The user's lock, held here, makes their mailcert wait: long enough to read its /proc entries.
    const lock = await acquireUserLock(join(user.home, '.local', 'share', 'mailcert'), {command: 'test', waitMs: 0})
    chmodSync(lock.path, 0o644)
    // Made by root here when this test runs alone: theirs, as their own mailcert would have made it.
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, join(user.home, '.local')])
    let seen: {pid: number; cmdline: string; environ: string} | null = null
    // Not --json: its waiting message is on standard error only without it.
    const result = await asRoot(['install', p12, '--user', user.name, '--yes', '--trust-root', '--lock-wait', '60'], {
      env: {MAILCERT_PASSWORD: PASSWORD},
      onStderr(stderr) {
        if (seen || !stderr.includes('waiting up to')) return
        try {
          seen = processOf(user.uid)
        } finally {
          void lock.release()
        }
      },
    })
    await lock.release()
    expect(result.code, result.stderr).toBe(0)
    expect(seen).not.toBeNull()
    const {cmdline, environ} = seen!
    expect(cmdline).toContain('run.js')
    expect(environ).toContain(`HOME=${user.home}`)
    expect(environ).toContain('MAILCERT_SECRETS_FD=3')
    expect(cmdline).not.toContain(PASSWORD)
    expect(environ).not.toContain(PASSWORD)
    expect(environ).not.toMatch(/(^|\0)MAILCERT_PASSWORD=/)
  }, 120_000)

  it('a SIGTERM to the root mailcert reaches the user\'s, and its end (128 + 15) is ours', async () => {
    const lock = await acquireUserLock(join(user.home, '.local', 'share', 'mailcert'), {command: 'test', waitMs: 0})
    chmodSync(lock.path, 0o644)
    execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, join(user.home, '.local')])
    let child: number | null = null
    const result = await asRoot(['install', p12, '--user', user.name, '--password-file', passwordFile, '--yes', '--lock-wait', '60'], {
      onStderr(stderr) {
        if (child !== null || !stderr.includes('waiting up to')) return
        child = processOf(user.uid).pid
        process.kill(processOf(0, user.name).pid, 'SIGTERM')
      },
    })
    await lock.release()
    expect(child).not.toBeNull()
    // Ended by the signal (128 + 15), as it would have been without --user; and not left running.
    expect(result.code, result.stderr).toBe(143)
    expect(() => process.kill(child!, 0)).toThrow()
  }, 120_000)

  it('a user who is not root may name only themselves', async () => {
    const asUser = ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups']
    const other = await runCli(['check', '--user', 'root', '--json'], {runUnder: asUser, entry: cli.entry, cwd: user.home, env: {HOME: user.home}})
    expect(other.code, other.stderr).toBe(2)
    expect(json<{error: {code: string; message: string}}>(other).error).toMatchObject({code: 'run-as-user-not-root'})

    const themselves = await runCli(['check', '--user', user.name, '--json'], {runUnder: asUser, entry: cli.entry, cwd: user.home, env: {HOME: user.home}})
    expect(json<{result: {clients: Array<{client: string; profiles: Array<{dir: string}>}>}}>(themselves).result.clients.find((c) => c.client === 'thunderbird')!.profiles.map((p) => p.dir)).toEqual([user.profileDir])
  }, 120_000)

  it('on Windows it is refused, naming Intune\'s user install context', async () => {
    const result = await asRoot(['install', p12, '--user', user.name, '--password-file', passwordFile, '--yes', '--json'], {env: {MAILCERT_PLATFORM: 'win32'}})
    expect(result.code).toBe(2)
    const error = json<{error: {code: string; message: string; hints: string[]}}>(result).error
    expect(error.code).toBe('run-as-user-windows')
    expect(error.message).toContain('CurrentUser')
    expect(error.hints.join('\n')).toContain('"Install behavior" to "User"')
  }, 60_000)

  it('removes as the user, certificates and key included', async () => {
    const result = await asRoot(['remove', '--user', user.name, '--all', '--delete-identity', '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(execFileSync('certutil', ['-L', '-d', `sql:${user.profileDir}`], {encoding: 'utf8'})).not.toMatch(/Alice Example/)
    for (const file of profileFiles()) expect(owner(join(user.profileDir, file)), file).toBe(user.uid)
    expect(readFileSync(join(user.profileDir, 'prefs.js'), 'utf8')).not.toMatch(/signing_cert_dbkey/)
    expect(leftInTmp()).toEqual([])
  }, 120_000)
})

