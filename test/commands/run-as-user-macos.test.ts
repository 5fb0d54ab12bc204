/**
 * `--user NAME` on a Mac, acted out on Linux (MAILCERT_PLATFORM=darwin, MAILCERT_SYSTEM_ROOT) with
 * strict stand-ins for dscl, launchctl and sudo (test/macos/run-as-user-simulator/): the user looked
 * up in Directory Services, mailcert started in their session by `launchctl asuser` and as them by
 * `sudo -u NAME -H`, which, like the real one, closes every descriptor above 2: the secrets must come
 * on standard input. What the real launchctl does with a session that is not logged in is not shown here.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, copyFileSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {encodePfx} from '../../src/identity/pkcs12/encode.js'
import {findBuiltinRootsModule} from '../../src/stores/nss/nss-tools.js'
import {FIXTURES, REPO} from '../helpers/fixtures.js'
import {cliForAllUsers, type CliForAllUsers} from '../helpers/cli-for-all-users.js'
import {json, runCli} from '../helpers/run-cli.js'
import {makeSystemUser, removeSystemUser, type SystemUser} from '../helpers/system-user.js'
import {thunderbirdHome} from '../helpers/thunderbird-home.js'

const PROFILE = 'mc7test1.default-release'
/** Unlike anything else in a command line, so that finding it means a leak. */
const PASSWORD = 'Mac-hand-over-only-5Kp3'
const SIMULATOR = join(REPO, 'test', 'macos', 'run-as-user-simulator')
const which = (program: string) => execFileSync('which', [program], {encoding: 'utf8'}).trim()

let user: SystemUser | undefined
let name = ''
let uid = 0
let home = ''
let profileDir = ''
let root = ''
let secrets = ''

function link(target: string, at: string): void {
  mkdirSync(dirname(at), {recursive: true})
  symlinkSync(target, at)
}

function standIn(tool: string, at: string): void {
  mkdirSync(join(root, at), {recursive: true})
  copyFileSync(join(SIMULATOR, `${tool}.mjs`), join(root, at, tool))
  copyFileSync(join(SIMULATOR, 'common.mjs'), join(root, at, 'common.mjs'))
  chmodSync(join(root, at, tool), 0o755)
}

/** mailcert where the user can run it too (sudo's stand-in starts it again as them). */
let cli: CliForAllUsers

beforeAll(async () => {
  cli = cliForAllUsers()
  user = makeSystemUser('mcmac', '/bin/zsh')
  ;({name, uid, home} = user)

  // The profile where macOS Thunderbird keeps it (as test/clients/thunderbird/macos.test.ts lays it out).
  const made = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
  const library = join(home, 'Library', 'Thunderbird')
  profileDir = join(library, 'Profiles', PROFILE)
  cpSync(made.profileDir, profileDir, {recursive: true, verbatimSymlinks: true})
  rmSync(join(profileDir, 'lock'), {force: true})
  writeFileSync(join(profileDir, '.parentlock'), '')
  writeFileSync(join(library, 'profiles.ini'), `[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/${PROFILE}\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n`)
  execFileSync('chown', ['-R', `${uid}:${user.gid}`, home])

  // The Mac's system: NSS's tools where Homebrew puts them, lsof, env, and the three stand-ins. Readable by the user.
  root = mkdtempSync(join(tmpdir(), 'mailcert-mac-root-'))
  chmodSync(root, 0o755)
  for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) link(which(tool), join(root, 'opt', 'homebrew', 'opt', 'nss', 'bin', tool))
  link((await findBuiltinRootsModule())!, join(root, 'opt', 'homebrew', 'opt', 'nss', 'lib', 'libnssckbi.dylib'))
  link(which('lsof'), join(root, 'usr', 'sbin', 'lsof'))
  link('/usr/bin/env', join(root, 'usr', 'bin', 'env'))
  standIn('dscl', 'usr/bin')
  standIn('sudo', 'usr/bin')
  standIn('launchctl', 'bin')
  // Any user may log a call: a stand-in run as the wrong user must be able to say so.
  writeFileSync(join(root, 'run-as-user-calls.log'), '')
  chmodSync(join(root, 'run-as-user-calls.log'), 0o666)

  secrets = mkdtempSync(join(tmpdir(), 'mailcert-root-secrets-'))
  const input = decodeInput(readFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12')))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  const {identity} = await openPkcs12(input, 'test')
  writeFileSync(join(secrets, 'alice.p12'), encodePfx({privateKey: identity.privateKey!, certificates: [identity.certificate, ...identity.chain].map((c) => c.der), friendlyName: 'Alice Example'}, PASSWORD, {profile: 'modern'}), {mode: 0o600})
  writeFileSync(join(secrets, 'password'), PASSWORD, {mode: 0o600})
}, 300_000)

afterAll(() => {
  if (user) removeSystemUser(user)
  for (const dir of [root, secrets]) if (dir) rmSync(dir, {recursive: true, force: true})
  cli?.remove()
})

interface Call {
  tool: string
  args: string[]
  uid: number
}
const calls = (): Call[] => readFileSync(join(root, 'run-as-user-calls.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Call)

describe('--user NAME on a Mac (simulated)', () => {
  it('installs as the user: dscl finds them, launchctl asuser and sudo -u start mailcert in their session, the secrets come on standard input', async () => {
    const result = await runCli(['install', join(secrets, 'alice.p12'), '--user', name, '--password-file', join(secrets, 'password'), '--client', 'thunderbird', '--yes', '--trust-root', '--json'], {
      env: {HOME: '/root', MAILCERT_PLATFORM: 'darwin', MAILCERT_SYSTEM_ROOT: root, MAILCERT_PASSWORD: undefined, XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined},
      entry: cli.entry,
      timeoutMs: 120_000,
    })
    expect(result.code, result.stderr + result.stdout).toBe(0)
    const targets = json<{result: {targets: Array<{status: string; location: string; accounts: string[]}>}}>(result).result.targets
    expect(targets).toMatchObject([{status: 'done', location: profileDir, accounts: ['alice@example.com']}])
    expect(execFileSync('certutil', ['-L', '-d', `sql:${profileDir}`], {encoding: 'utf8'})).toMatch(/Alice Example\s+u,u,u/)
    for (const file of readdirSync(profileDir)) expect(lstatSync(join(profileDir, file)).uid, file).toBe(uid)

    const [dscl, launchctl, sudo] = calls()
    expect(dscl).toMatchObject({tool: 'dscl', uid: 0, args: ['.', '-read', `/Users/${name}`, 'UniqueID', 'PrimaryGroupID', 'NFSHomeDirectory', 'UserShell']})
    expect(launchctl).toMatchObject({tool: 'launchctl', uid: 0})
    expect(launchctl.args.slice(0, 3)).toEqual(['asuser', String(uid), join(root, 'usr', 'bin', 'sudo')])
    expect(sudo).toMatchObject({tool: 'sudo', uid: 0})
    expect(sudo.args.slice(0, 6)).toEqual(['-u', name, '-H', '--', join(root, 'usr', 'bin', 'env'), '-i'])
    expect(sudo.args).toContain(`HOME=${home}`)
    expect(sudo.args).toContain('MAILCERT_SECRETS_FD=0')
    // The password file's name is on the command line (the child looks its handed-over content up by it); the password never is.
    for (const call of calls()) expect(call.args.some((arg) => arg.includes(PASSWORD))).toBe(false)
  }, 180_000)

  it('the launchctl stand-in is strict: asuser needs root, as the real one does', () => {
    const asUser = spawnSync('setpriv', ['--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--', join(root, 'bin', 'launchctl'), 'asuser', String(uid), '/usr/bin/true'], {encoding: 'utf8'})
    expect(asUser.status).toBe(1)
    expect(asUser.stderr).toContain('Operation not permitted')
    const unknown = spawnSync(join(root, 'bin', 'launchctl'), ['asuser', '4000000', '/usr/bin/true'], {encoding: 'utf8'})
    expect(unknown.status).toBe(1)
  })
})
