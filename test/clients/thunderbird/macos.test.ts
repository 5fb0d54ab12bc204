/**
 * Thunderbird on a Mac, acted out on Linux through the platform door (MAILCERT_PLATFORM=darwin,
 * MAILCERT_SYSTEM_ROOT): a Thunderbird-made profile copied to where macOS keeps it
 * (~/Library/Thunderbird/Profiles, profiles.ini and installs.ini as macOS Thunderbird writes them, its
 * `.parentlock` left behind), NSS's real tools where Homebrew puts them and nowhere on PATH, and,
 * without them, Debian's real Thunderbird where macOS has the app.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {nssDbKey} from '../../../src/stores/nss/dbkey.js'
import {findBuiltinRootsModule} from '../../../src/stores/nss/nss-tools.js'
import {certificatesFromPem, parseCertificate} from '../../../src/identity/certificate.js'
import {FIXTURES} from '../../helpers/fixtures.js'
import {json, runCli} from '../../helpers/run-cli.js'
import {thunderbirdHome, thunderbirdProgram} from '../../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const PROFILE = 'mc7test1.default-release'
const ALICE_DBKEY = nssDbKey(parseCertificate(certificatesFromPem(readFileSync(join(FIXTURES, 'certs', 'mailbox-rsa.pem'), 'utf8'))[0]))
const p12 = (name: string) => join(FIXTURES, 'p12', name)
const which = (program: string) => execFileSync('which', [program], {encoding: 'utf8'}).trim()

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true})
})

function scratch(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

function link(target: string, at: string): void {
  mkdirSync(dirname(at), {recursive: true})
  symlinkSync(target, at)
}

interface Mac {
  home: string
  root: string
  profileDir: string
  /** The spare profile Thunderbird's first start leaves: never used, no prefs.js. */
  spareProfileDir: string
  identityKeys: Record<string, string>
  env: Record<string, string | undefined>
}

/**
 * A Mac with one Thunderbird profile. `nss`: NSS's tools (and Mozilla's roots module) in Homebrew's
 * place for this CPU; `thunderbird`: the app in /Applications. PATH holds neither, nor NSS's tools.
 */
async function mac(options: {nss?: '/opt/homebrew' | '/usr/local'; thunderbird?: boolean}): Promise<Mac> {
  const made = await thunderbirdHome(ACCOUNTS)
  const home = scratch('mailcert-mac-home-')
  const root = scratch('mailcert-mac-root-')
  const library = join(home, 'Library', 'Thunderbird')
  const profileDir = join(library, 'Profiles', PROFILE)
  cpSync(made.profileDir, profileDir, {recursive: true, verbatimSymlinks: true})
  rmSync(made.home, {recursive: true, force: true})
  // macOS Thunderbird keeps profiles in Profiles/ and leaves .parentlock behind (an fcntl lock, no `lock` symlink).
  rmSync(join(profileDir, 'lock'), {force: true})
  writeFileSync(join(profileDir, '.parentlock'), '')
  writeFileSync(
    join(library, 'profiles.ini'),
    `[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/${PROFILE}\n\n[Profile1]\nName=default\nIsRelative=1\nPath=Profiles/k3x9q2ab.default\nDefault=1\n\n[Install2656FF1E876E9973]\nDefault=Profiles/${PROFILE}\nLocked=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n`,
  )
  writeFileSync(join(library, 'installs.ini'), `[2656FF1E876E9973]\nDefault=Profiles/${PROFILE}\nLocked=1\n`)
  const spareProfileDir = join(library, 'Profiles', 'k3x9q2ab.default')
  mkdirSync(spareProfileDir)
  writeFileSync(
    join(profileDir, 'compatibility.ini'),
    '[Compatibility]\nLastVersion=153.0_20260701000000/20260701000000\nLastOSABI=Darwin_aarch64-gcc3\nLastPlatformDir=/Applications/Thunderbird.app/Contents/Resources\nLastAppDir=/Applications/Thunderbird.app/Contents/Resources\n',
  )

  if (options.nss) {
    for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) link(which(tool), join(root, options.nss, 'opt', 'nss', 'bin', tool))
    const roots = await findBuiltinRootsModule()
    if (!roots) throw new Error("Mozilla's roots module (libnssckbi) is not installed: run `npm run test:setup`.")
    link(roots, join(root, options.nss, 'opt', 'nss', 'lib', 'libnssckbi.dylib'))
  }
  if (options.thunderbird) link((await thunderbirdProgram()).command, join(root, 'Applications', 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird'))
  // macOS's own lsof, which tells whether a Thunderbird holds the profile's .parentlock.
  link(which('lsof'), join(root, 'usr', 'sbin', 'lsof'))

  // A PATH with what every Mac has and nothing of NSS: the Homebrew lookup is what must find the tools.
  const bin = scratch('mailcert-mac-path-')
  for (const program of ['ps', 'sh']) symlinkSync(which(program), join(bin, program))
  const env = {HOME: home, PATH: bin, MAILCERT_PLATFORM: 'darwin', MAILCERT_SYSTEM_ROOT: root, MAILCERT_PASSWORD: 'test', XDG_CONFIG_HOME: undefined, XDG_DATA_HOME: undefined}
  return {home, root, profileDir, spareProfileDir, identityKeys: made.identityKeys, env}
}

function cli(machine: Mac, args: string[], timeoutMs = 120_000) {
  return runCli(args, {env: machine.env, timeoutMs})
}

const listing = (machine: Mac) => execFileSync('certutil', ['-L', '-d', `sql:${machine.profileDir}`], {encoding: 'utf8'})
const prefs = (machine: Mac) => readFileSync(join(machine.profileDir, 'prefs.js'), 'utf8')

interface InstallReport {
  storeAccess: Record<string, string>
  targets: Array<{status: string; code?: string; location: string; accounts: string[]; verification: Record<string, {valid: boolean}>}>
}

const targetsByLocation = (report: InstallReport) => Object.fromEntries(report.targets.map((target) => [target.location, target]))

describe('Thunderbird on a Mac', () => {
  it("install --yes, check and remove with Homebrew's NSS tools (Apple silicon), the profile in ~/Library/Thunderbird", async () => {
    const machine = await mac({nss: '/opt/homebrew', thunderbird: true})
    const before = prefs(machine)
    const certificates = listing(machine)

    const install = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'])
    expect(install.code, install.stderr).toBe(0)
    const report = json<{result: InstallReport}>(install).result
    expect(report.storeAccess.thunderbird).toBe('tools')
    expect(targetsByLocation(report)).toMatchObject({
      [machine.profileDir]: {status: 'done', accounts: ['alice@example.com'], verification: {signing: {valid: true}, encryption: {valid: true}}},
      [machine.spareProfileDir]: {status: 'skipped', code: 'profile-unused'},
    })
    expect(listing(machine)).toMatch(/Alice Example\s+u,u,u/)
    expect(prefs(machine)).toContain(`user_pref("mail.identity.${machine.identityKeys['alice@example.com']}.signing_cert_dbkey", "${ALICE_DBKEY}");`)

    const check = await cli(machine, ['check', '--json'])
    expect(check.code, check.stdout).toBe(0)
    const found = json<{result: {platform: string; clients: Array<{client: string; program: string | null; profiles: Array<{name: string; dir: string; checkedWith: string | null; identities: Array<{email: string; configured: boolean; signing: {verdict: {valid: boolean}} | null}>}>}>}}>(check).result
    expect(found.platform).toBe('macos')
    const thunderbird = found.clients.find((c) => c.client === 'thunderbird')!
    expect(thunderbird.program).toBe(join(machine.root, 'Applications', 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird'))
    const profile = thunderbird.profiles.find((p) => p.dir === machine.profileDir)!
    expect(profile.checkedWith).toBe('tools')
    expect(profile.identities.find((i) => i.email === 'alice@example.com')).toMatchObject({configured: true, signing: {verdict: {valid: true}}})

    const remove = await cli(machine, ['remove', '--all', '--delete-identity', '--yes'])
    expect(remove.code, remove.stderr).toBe(0)
    expect(prefs(machine)).toBe(before)
    expect(listing(machine)).toBe(certificates)
  }, 180_000)

  it('finds the tools where Homebrew puts them on an Intel Mac (/usr/local/opt/nss/bin)', async () => {
    const machine = await mac({nss: '/usr/local'})
    const install = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'])
    expect(install.code, install.stderr).toBe(0)
    expect(json<{result: InstallReport}>(install).result.storeAccess.thunderbird).toBe('tools')
    expect(listing(machine)).toMatch(/Alice Example\s+u,u,u/)
  }, 120_000)

  it("busy is a process holding the profile's .parentlock (macOS's lsof says who), not any Thunderbird running", async () => {
    const machine = await mac({nss: '/opt/homebrew'})
    const before = prefs(machine)
    const certificates = listing(machine)
    const started: ChildProcess[] = []
    const ready = (child: ChildProcess) => {
      started.push(child)
      return new Promise((resolve) => child.stdout!.once('data', resolve))
    }
    try {
      // A Thunderbird on another profile: a process whose program is a thunderbird (node, under that name).
      const other = join(scratch('mailcert-mac-other-'), 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird')
      link(process.execPath, other)
      await ready(spawn(other, ['-e', "console.log('up'); setTimeout(() => {}, 60000)"], {stdio: ['ignore', 'pipe', 'inherit']}))
      // One that holds this profile's .parentlock open, as a running Thunderbird holds its fcntl lock.
      await ready(spawn(process.execPath, ['-e', "require('fs').openSync(process.argv[1], 'r'); console.log('open'); setTimeout(() => {}, 60000)", join(machine.profileDir, '.parentlock')], {stdio: ['ignore', 'pipe', 'inherit']}))

      const busy = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
      expect(busy.code, busy.stderr).toBe(6)
      expect(busy.stderr).toContain('Thunderbird is running on the profile default-release')
      expect(busy.stderr).toContain('Thunderbird > Quit Thunderbird')
      expect(prefs(machine)).toBe(before)
      expect(listing(machine)).toBe(certificates)

      started.pop()!.kill()
      const free = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
      expect(free.code, free.stderr).toBe(0)
    } finally {
      for (const child of started) child.kill()
    }
  }, 120_000)

  it('without NSS tools or Thunderbird: exit 2, nothing changed, and the hint is Homebrew', async () => {
    const machine = await mac({})
    const before = prefs(machine)
    const install = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root'])
    expect(install.code, install.stderr).toBe(2)
    expect(install.stderr).toContain('brew install nss')
    expect(install.stderr).not.toContain('apt-get')
    expect(prefs(machine)).toBe(before)
  }, 120_000)

  it('without NSS tools, Thunderbird.app in /Applications does the certificate work itself', async () => {
    const machine = await mac({thunderbird: true})
    const install = await cli(machine, ['install', p12('mailbox-rsa.p12'), '--yes', '--trust-root', '--json'], 240_000)
    expect(install.code, install.stderr).toBe(0)
    const report = json<{result: InstallReport}>(install).result
    expect(report.storeAccess.thunderbird).toBe('thunderbird')
    expect(targetsByLocation(report)[machine.profileDir]).toMatchObject({status: 'done', accounts: ['alice@example.com'], verification: {signing: {valid: true}}})
    expect(listing(machine)).toMatch(/Alice Example\s+u,u,u/)
    expect(prefs(machine)).toContain(`user_pref("mail.identity.${machine.identityKeys['alice@example.com']}.signing_cert_dbkey", "${ALICE_DBKEY}");`)
  }, 240_000)
})
