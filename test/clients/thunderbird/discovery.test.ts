import {mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {discoverProfiles, parseCompatibility, type ThunderbirdProfile} from '../../../src/clients/thunderbird/discovery.js'
import {fakeLockProbe} from '../../helpers/lock-probe.js'

const THUNDERBIRD_FIXTURES = new URL('../../fixtures/thunderbird/', import.meta.url)
/** prefs.js files written by Thunderbird 153: a brand-new profile, and one with two accounts. */
const NEW_PREFS = readFileSync(new URL('prefs.js', THUNDERBIRD_FIXTURES))
const PREFS_WITH_ACCOUNTS = readFileSync(new URL('prefs-with-accounts.js', THUNDERBIRD_FIXTURES))

/** compatibility.ini as Thunderbird 153.8.0esr (Debian package) writes it. */
const COMPATIBILITY_153 = [
  '[Compatibility]',
  'LastVersion=153.8.0_20261120213735/20261120213735',
  'LastOSABI=Linux_x86_64-gcc3',
  'LastPlatformDir=/usr/lib/thunderbird',
  'LastAppDir=/usr/lib/thunderbird',
  '',
].join('\n')

function write(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), {recursive: true})
  writeFileSync(path, content)
}

interface ProfileFiles {
  prefs?: string | Buffer
  userJs?: string | Buffer
  compatibility?: string
  database?: 'cert9.db' | 'cert8.db'
}

/** A profile folder with the files Thunderbird leaves in it (empty database files are enough to be seen). */
function makeProfile(dir: string, files: ProfileFiles): void {
  mkdirSync(dir, {recursive: true})
  if (files.prefs !== undefined) write(join(dir, 'prefs.js'), files.prefs)
  if (files.userJs !== undefined) write(join(dir, 'user.js'), files.userJs)
  if (files.compatibility !== undefined) write(join(dir, 'compatibility.ini'), files.compatibility)
  if (files.database) write(join(dir, files.database), '')
  if (files.database === 'cert9.db') write(join(dir, 'key4.db'), '')
}

function profilesIni(profiles: Array<{name: string; path: string; relative: boolean; legacyDefault?: boolean}>, installDefault?: string): string {
  const lines = ['[General]', 'StartWithLastProfile=1', 'Version=2', '']
  profiles.forEach((profile, index) => {
    lines.push(`[Profile${index}]`, `Name=${profile.name}`, `IsRelative=${profile.relative ? 1 : 0}`, `Path=${profile.path}`)
    if (profile.legacyDefault) lines.push('Default=1')
    lines.push('')
  })
  if (installDefault) lines.push('[InstallFDC34C9F024745EB]', `Default=${installDefault}`, 'Locked=1', '')
  return lines.join('\n')
}

const summary = (profiles: ThunderbirdProfile[]) =>
  profiles.map((p) => ({name: p.name, dir: p.dir, packaging: p.root.packaging, sandboxed: p.root.sandboxed, isDefault: p.isDefault}))

describe('parseCompatibility', () => {
  it('takes the version before the build IDs, and the install folder', () => {
    expect(parseCompatibility(COMPATIBILITY_153)).toEqual({version: '153.8.0', lastAppDir: '/usr/lib/thunderbird'})
  })

  it('reads a Windows file with CRLF line ends', () => {
    const text = '[Compatibility]\r\nLastVersion=115.3.1_20230920180427/20230920180427\r\nLastOSABI=WINNT_x86_64-msvc\r\nLastAppDir=C:\\Program Files\\Mozilla Thunderbird\r\n'
    expect(parseCompatibility(text)).toEqual({version: '115.3.1', lastAppDir: 'C:\\Program Files\\Mozilla Thunderbird'})
  })

  it('keeps a version without build IDs as it is', () => {
    expect(parseCompatibility('[Compatibility]\nLastVersion=128.0esr\n').version).toBe('128.0esr')
  })

  it('gives nulls for an empty file, another section, or empty values', () => {
    expect(parseCompatibility('')).toEqual({version: null, lastAppDir: null})
    expect(parseCompatibility('[Other]\nLastVersion=1.0_x/y\nLastAppDir=/opt\n')).toEqual({version: null, lastAppDir: null})
    expect(parseCompatibility('[Compatibility]\nLastVersion=\n').version).toBeNull()
  })
})

describe('discoverProfiles on a Linux home with every kind of root', () => {
  const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-linux-'))
  const standardRoot = join(home, '.thunderbird')
  const mainProfile = join(standardRoot, 'ab12cd34.default-release')
  // Profiles made with the profile manager can live anywhere: IsRelative=0 and an absolute path.
  const absoluteProfile = join(home, 'Mail', 'work-profile')
  const snapRoot = join(home, 'snap', 'thunderbird', 'common', '.thunderbird')
  const flathubRoot = join(home, '.var', 'app', 'org.mozilla.Thunderbird', '.thunderbird')
  const fedoraFlatpakRoot = join(home, '.var', 'app', 'net.thunderbird.Thunderbird', '.thunderbird')
  const xdgConfig = join(home, 'xdg-config')
  const xdgRoot = join(xdgConfig, 'thunderbird')
  const probe = fakeLockProbe({
    links: {[join(mainProfile, 'lock')]: '127.0.1.1:+4242'},
    alive: [4242],
    commands: {4242: '/usr/lib/thunderbird/thunderbird'},
  })
  let profiles: ThunderbirdProfile[]
  const named = (name: string): ThunderbirdProfile => {
    const profile = profiles.find((p) => p.name === name)
    if (!profile) throw new Error(`no profile ${name} among ${profiles.map((p) => p.name).join(', ')}`)
    return profile
  }

  beforeAll(async () => {
    write(
      join(standardRoot, 'profiles.ini'),
      profilesIni(
        [
          {name: 'default-release', path: 'ab12cd34.default-release', relative: true},
          {name: 'work', path: absoluteProfile, relative: false},
          // Listed, but the folder was deleted by hand.
          {name: 'deleted', path: 'zz99zz99.deleted', relative: true},
        ],
        'ab12cd34.default-release',
      ),
    )
    makeProfile(mainProfile, {prefs: PREFS_WITH_ACCOUNTS, compatibility: COMPATIBILITY_153, database: 'cert9.db'})
    makeProfile(absoluteProfile, {prefs: NEW_PREFS, database: 'cert8.db'})

    // Snap runs with legacy profiles: the Default=1 profile is the one it starts.
    write(join(snapRoot, 'profiles.ini'), profilesIni([{name: 'default', path: 'snap0001.default', relative: true, legacyDefault: true}]))
    makeProfile(join(snapRoot, 'snap0001.default'), {prefs: NEW_PREFS, database: 'cert9.db'})

    write(join(flathubRoot, 'profiles.ini'), profilesIni([{name: 'flathub', path: 'fh000001.default-release', relative: true}]))
    makeProfile(join(flathubRoot, 'fh000001.default-release'), {prefs: NEW_PREFS, database: 'cert9.db'})
    write(join(fedoraFlatpakRoot, 'profiles.ini'), profilesIni([{name: 'fedora-flatpak', path: 'fd000001.default-release', relative: true}]))
    makeProfile(join(fedoraFlatpakRoot, 'fd000001.default-release'), {prefs: NEW_PREFS})
    // Other Flatpak apps, and a stray file, sit next to them.
    mkdirSync(join(home, '.var', 'app', 'org.gnome.Evolution', 'data'), {recursive: true})
    write(join(home, '.var', 'app', 'README'), 'not an app')

    // The XDG root lists its own profile and, again, the absolute one: reported once.
    write(
      join(xdgRoot, 'profiles.ini'),
      profilesIni([
        {name: 'xdg', path: 'xd000001.default-release', relative: true},
        {name: 'work-again', path: absoluteProfile, relative: false},
      ]),
    )
    makeProfile(join(xdgRoot, 'xd000001.default-release'), {})

    profiles = await discoverProfiles({platform: 'linux', home, env: {XDG_CONFIG_HOME: xdgConfig}, probe})
  })

  it('finds each existing profile once, root by root', () => {
    expect(summary(profiles)).toEqual([
      {name: 'default-release', dir: mainProfile, packaging: 'standard', sandboxed: false, isDefault: true},
      {name: 'work', dir: absoluteProfile, packaging: 'standard', sandboxed: false, isDefault: false},
      {name: 'default', dir: join(snapRoot, 'snap0001.default'), packaging: 'snap', sandboxed: true, isDefault: true},
      // One profile in a root is that root's default.
      {name: 'fedora-flatpak', dir: join(fedoraFlatpakRoot, 'fd000001.default-release'), packaging: 'flatpak', sandboxed: true, isDefault: true},
      {name: 'flathub', dir: join(flathubRoot, 'fh000001.default-release'), packaging: 'flatpak', sandboxed: true, isDefault: true},
      {name: 'xdg', dir: join(xdgRoot, 'xd000001.default-release'), packaging: 'xdg', sandboxed: false, isDefault: false},
    ])
  })

  it('skips a profile that profiles.ini lists but that is not on disk', () => {
    expect(profiles.some((p) => p.name === 'deleted')).toBe(false)
  })

  it('gives each Flatpak profile the root of its own application id', () => {
    expect(named('flathub').root).toEqual({dir: flathubRoot, packaging: 'flatpak', sandboxed: true, pattern: false})
    expect(named('fedora-flatpak').root.dir).toBe(fedoraFlatpakRoot)
  })

  it('reads the version and install folder from compatibility.ini, null without one', () => {
    expect(named('default-release')).toMatchObject({version: '153.8.0', lastAppDir: '/usr/lib/thunderbird'})
    expect(named('work')).toMatchObject({version: null, lastAppDir: null})
  })

  it('tells an SQL database (cert9.db) from an old DBM one (cert8.db) and from none', () => {
    expect(named('default-release').database).toBe('sql')
    expect(named('work').database).toBe('dbm')
    expect(named('fedora-flatpak').database).toBe('none')
  })

  it('reads the accounts and identities from prefs.js', () => {
    const main = named('default-release')
    expect(main.prefsProblem).toBeNull()
    expect(main.accounts?.accounts.map((a) => a.key)).toEqual(['account1', 'account2', 'account4'])
    expect(main.accounts?.identities.map((i) => i.email)).toEqual(['alice@example.com', 'team@example.org'])
    expect(named('work').accounts).toEqual({accounts: [], identities: [], defaultAccountKey: null, skippedAccounts: []})
  })

  it('says why there are no accounts when prefs.js is missing', () => {
    expect(named('xdg')).toMatchObject({accounts: null, prefsState: 'missing'})
    expect(named('xdg').prefsProblem).toMatch(/prefs\.js/)
    expect(named('default-release')).toMatchObject({prefsState: 'ok', prefsProblem: null})
  })

  it('asks the lock probe about each profile: busy where a live Thunderbird holds the lock', () => {
    expect(named('default-release').lock).toEqual({busy: true, pid: 4242, evidence: 'the profile is locked by process 4242'})
    expect(named('work').lock).toEqual({busy: false})
    expect(probe.calls).toContain(`readlink(${join(absoluteProfile, 'lock')})`)
  })
})

describe('discoverProfiles on problem profiles', () => {
  it('reports a prefs.js that cannot be parsed, without failing the discovery', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-bad-'))
    const root = join(home, '.thunderbird')
    write(join(root, 'profiles.ini'), profilesIni([{name: 'broken', path: 'br000001.broken', relative: true}, {name: 'fine', path: 'ok000001.fine', relative: true}]))
    // A prefs.js cut off in the middle of a string, as after a crash while it was written.
    const text = PREFS_WITH_ACCOUNTS.toString('utf8')
    const cut = text.indexOf('"alice@example.com"') + 5
    makeProfile(join(root, 'br000001.broken'), {prefs: text.slice(0, cut), database: 'cert9.db'})
    makeProfile(join(root, 'ok000001.fine'), {prefs: PREFS_WITH_ACCOUNTS, database: 'cert9.db'})

    const profiles = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    expect(profiles.map((p) => p.name)).toEqual(['broken', 'fine'])
    expect(profiles[0]).toMatchObject({accounts: null, prefsState: 'unreadable'})
    expect(profiles[0].prefsProblem).toBe(
      `prefs.js in ${join(root, 'br000001.broken')} cannot be read: it ends in the middle of a setting (line 55, column 42): the file was cut short, as by a crash or a full disk while it was written`,
    )
    expect(profiles[0].prefsHints).toEqual([
      'Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.',
      'Or start Thunderbird once: it keeps a copy of the damaged file as Invalidprefs.js and writes prefs.js again with every setting it could read, so check that your accounts are still there, then run mailcert again.',
    ])
    expect(profiles[1]).toMatchObject({prefsState: 'ok', prefsProblem: null, prefsHints: []})
    expect(profiles[1].accounts?.identities).toHaveLength(2)
  })

  /** One profile whose prefs.js is `prefs` (a folder when null), discovered. */
  async function profileWithPrefs(prefs: Buffer | null, extra: Record<string, string | Buffer> = {}): Promise<{profile: ThunderbirdProfile; dir: string}> {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-damaged-'))
    const dir = join(home, '.thunderbird', 'dm000001.default-release')
    write(join(home, '.thunderbird', 'profiles.ini'), profilesIni([{name: 'default-release', path: 'dm000001.default-release', relative: true}]))
    makeProfile(dir, {database: 'cert9.db', ...(prefs === null ? {} : {prefs})})
    if (prefs === null) mkdirSync(join(dir, 'prefs.js'))
    for (const [name, content] of Object.entries(extra)) write(join(dir, name), content)
    const [profile] = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    return {profile: profile!, dir}
  }

  const ACCOUNTS_TEXT = PREFS_WITH_ACCOUNTS.toString('latin1')
  const ALICE_LINE = ACCOUNTS_TEXT.slice(0, ACCOUNTS_TEXT.indexOf('"alice@example.com"')).split('\n').length

  it.each([
    ['NUL bytes in the middle (a crash while the disk wrote it)', Buffer.concat([PREFS_WITH_ACCOUNTS.subarray(0, ACCOUNTS_TEXT.indexOf('"alice@example.com"') + 3), Buffer.alloc(512), PREFS_WITH_ACCOUNTS.subarray(ACCOUNTS_TEXT.indexOf('"alice@example.com"') + 3)]), `it is damaged: it holds a NUL byte at line ${ALICE_LINE}, column 45, and Thunderbird reads nothing from there on`],
    ['nothing but NUL bytes (its blocks lost)', Buffer.alloc(PREFS_WITH_ACCOUNTS.length), `it holds nothing but NUL bytes (${PREFS_WITH_ACCOUNTS.length} bytes): its content was lost, as after a crash`],
    ['junk: an HTML page saved as prefs.js', Buffer.from('<!DOCTYPE html>\n<html><body>Not Found</body></html>\n'), 'it is damaged at line 1, column 1 (unexpected character)'],
    ['junk: a word where a statement belongs', Buffer.from(`${ACCOUNTS_TEXT}\nhello\n`, 'latin1'), 'it is damaged at line 114, column 1 (unknown keyword)'],
    ['empty (0 bytes)', Buffer.alloc(0), 'it is empty (0 bytes): the file was cut short, since Thunderbird always writes at least a header'],
  ])('a prefs.js with %s cannot be read, and says why', async (_what, prefs, why) => {
    const {profile, dir} = await profileWithPrefs(prefs)
    expect(profile).toMatchObject({accounts: null, prefsState: 'unreadable', prefsProblem: `prefs.js in ${dir} cannot be read: ${why}`})
    expect(profile.prefsHints[0]).toBe('Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.')
    expect(profile.prefsHints[1]).toMatch(/^Or start Thunderbird once: /)
  })

  it('a prefs.js that is a folder is unreadable (not "never used"), with how to move it aside', async () => {
    const {profile, dir} = await profileWithPrefs(null)
    expect(profile).toMatchObject({accounts: null, prefsState: 'unreadable', prefsProblem: `prefs.js in ${dir} cannot be read: it is a folder, not a file`})
    expect(profile.prefsHints).toEqual([
      `Close Thunderbird and move the folder aside: mv "${join(dir, 'prefs.js')}" "${join(dir, 'prefs.js')}.folder"`,
      'Then restore prefs.js from a backup of the profile folder, if you have one.',
      'Or start Thunderbird once after moving it aside: it writes a new prefs.js, and your mail account must be added again.',
    ])
  })

  it("offers the newest backup mailcert kept that can be read, and mentions Thunderbird's Invalidprefs.js", async () => {
    const damaged = Buffer.from(`${ACCOUNTS_TEXT}user_pref("mail.identity.id1.sign_mail", tru);\n`, 'latin1')
    const {profile, dir} = await profileWithPrefs(damaged, {
      'prefs.js.mailcert-20261101T100000Z.bak': PREFS_WITH_ACCOUNTS,
      'Invalidprefs.js': damaged,
    })
    // A newer backup that is itself damaged is no way back.
    const newer = join(dir, 'prefs.js.mailcert-20261102T100000Z.bak')
    write(newer, Buffer.alloc(64))
    const older = join(dir, 'prefs.js.mailcert-20261101T100000Z.bak')
    utimesSync(older, new Date('2026-11-01T10:00:00Z'), new Date('2026-11-01T10:00:00Z'))
    utimesSync(newer, new Date('2026-11-02T10:00:00Z'), new Date('2026-11-02T10:00:00Z'))
    const [again] = await discoverProfiles({platform: 'linux', home: dirname(dirname(dir)), env: {}, probe: fakeLockProbe()})
    expect(profile.prefsProblem).toMatch(/cannot be read: it is damaged at line 113, column 42 \(/)
    expect(again!.prefsHints).toEqual([
      `Close Thunderbird, then put back the copy mailcert kept before its last change: cp "${older}" "${join(dir, 'prefs.js')}"`,
      'Or start Thunderbird once: it keeps a copy of the damaged file as Invalidprefs.js and writes prefs.js again with every setting it could read, so check that your accounts are still there, then run mailcert again.',
      'Invalidprefs.js in the same folder is a copy Thunderbird kept of an earlier damaged prefs.js: it may hold settings that are missing now.',
    ])
  })

  it('a damaged user.js is named, with its own fix (a person or a tool wrote it, not Thunderbird)', async () => {
    const {profile, dir} = await profileWithPrefs(PREFS_WITH_ACCOUNTS, {'user.js': 'user_pref("a", 1)\n'})
    expect(profile.prefsProblem).toBe(`user.js in ${dir} cannot be read: it ends in the middle of a setting (line 2, column 1): the file was cut short, as by a crash or a full disk while it was written`)
    expect(profile.prefsHints).toEqual([`Correct user.js at line 2, or move it aside (mv "${join(dir, 'user.js')}" "${join(dir, 'user.js')}.broken"), then run mailcert again.`])
  })

  it('an empty user.js is fine (people create one to add settings later)', async () => {
    const {profile} = await profileWithPrefs(PREFS_WITH_ACCOUNTS, {'user.js': ''})
    expect(profile).toMatchObject({prefsState: 'ok', prefsProblem: null})
    expect(profile.accounts?.identities).toHaveLength(2)
  })

  it('lets user.js add to prefs.js, as Thunderbird reads it after prefs.js', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-userjs-'))
    const root = join(home, '.thunderbird')
    write(join(root, 'profiles.ini'), profilesIni([{name: 'p', path: 'p.default', relative: true}]))
    makeProfile(join(root, 'p.default'), {prefs: PREFS_WITH_ACCOUNTS, userJs: 'user_pref("mail.identity.id2.useremail", "team@example.net");\n'})
    const [profile] = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    expect(profile.accounts?.identities.map((i) => i.email)).toEqual(['alice@example.com', 'team@example.net'])
  })

  it('names user.js, not prefs.js, when it is user.js that cannot be parsed', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-baduserjs-'))
    const root = join(home, '.thunderbird')
    write(join(root, 'profiles.ini'), profilesIni([{name: 'p', path: 'p.default', relative: true}]))
    makeProfile(join(root, 'p.default'), {prefs: PREFS_WITH_ACCOUNTS, userJs: 'user_pref("mail.identity.id1.sign_mail", tru);\n'})
    const [profile] = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    // prefs.js is fine; a message that blames it sends the user looking in the wrong file.
    expect(profile.prefsProblem).toMatch(/user\.js/)
    expect(profile.prefsProblem).not.toMatch(/^prefs\.js cannot be read/)
  })

  it('finds nothing in a home without Thunderbird, and does not create any folder', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-empty-'))
    const probe = fakeLockProbe()
    expect(await discoverProfiles({platform: 'linux', home, env: {}, probe})).toEqual([])
    expect(probe.calls).toEqual([])
    expect(await discoverProfiles({platform: 'darwin', home, env: {}, probe})).toEqual([])
  })

  it('ignores a root whose profiles.ini lists nothing usable', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-noprofiles-'))
    write(join(home, '.thunderbird', 'profiles.ini'), '[General]\nStartWithLastProfile=1\nVersion=2\n')
    expect(await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})).toEqual([])
  })
})

describe('discoverProfiles on a macOS home', () => {
  const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-mac-'))
  const root = join(home, 'Library', 'Thunderbird')
  const releaseProfile = join(root, 'Profiles', 'mac00001.default-release')
  const esrProfile = join(root, 'Profiles', 'mac00002.default-esr')
  const oldProfile = join(root, 'Profiles', 'mac00003.default')
  const probe = fakeLockProbe({openers: {[join(esrProfile, '.parentlock')]: [777]}})
  let profiles: ThunderbirdProfile[]

  beforeAll(async () => {
    // An old Gecko rewrote profiles.ini (no [General] Version), so the install defaults come from installs.ini.
    write(
      join(root, 'profiles.ini'),
      [
        '[Profile0]',
        'Name=default-release',
        'IsRelative=1',
        'Path=Profiles/mac00001.default-release',
        '',
        '[Profile1]',
        'Name=default-esr',
        'IsRelative=1',
        'Path=Profiles/mac00002.default-esr',
        '',
        '[Profile2]',
        'Name=default',
        'IsRelative=1',
        'Path=Profiles/mac00003.default',
        'Default=1',
        '',
      ].join('\n'),
    )
    // Release and ESR installed side by side: each install has its own default.
    write(join(root, 'installs.ini'), '[2656FF1E876E9973]\nDefault=Profiles/mac00001.default-release\nLocked=1\n\n[B0F3F4A8D2C61E11]\nDefault=Profiles/mac00002.default-esr\n')
    const macCompatibility = '[Compatibility]\nLastVersion=128.5.0_20241118000000/20241118000000\nLastOSABI=Darwin_aarch64-gcc3\nLastPlatformDir=/Applications/Thunderbird.app/Contents/Resources\nLastAppDir=/Applications/Thunderbird.app/Contents/Resources\n'
    makeProfile(releaseProfile, {prefs: PREFS_WITH_ACCOUNTS, compatibility: macCompatibility, database: 'cert9.db'})
    makeProfile(esrProfile, {prefs: NEW_PREFS, database: 'cert9.db'})
    makeProfile(oldProfile, {prefs: NEW_PREFS, database: 'cert8.db'})
    profiles = await discoverProfiles({platform: 'darwin', home, env: {}, probe})
  })

  it('finds the profiles under ~/Library/Thunderbird/Profiles', () => {
    expect(profiles.map((p) => p.dir)).toEqual([releaseProfile, esrProfile, oldProfile])
    expect(profiles.every((p) => p.root.dir === root && p.root.packaging === 'standard')).toBe(true)
  })

  it('marks the defaults of both installs from installs.ini, and not the legacy Default=1 profile', () => {
    expect(profiles.map((p) => [p.name, p.isDefault])).toEqual([
      ['default-release', true],
      ['default-esr', true],
      ['default', false],
    ])
  })

  it('reads version, install folder, database and accounts as on Linux', () => {
    expect(profiles[0]).toMatchObject({version: '128.5.0', lastAppDir: '/Applications/Thunderbird.app/Contents/Resources', database: 'sql'})
    expect(profiles[0].accounts?.identities.map((i) => i.email)).toEqual(['alice@example.com', 'team@example.org'])
    expect(profiles[2].database).toBe('dbm')
  })

  it('asks who holds .parentlock (macOS keeps no lock symlink)', () => {
    expect(profiles[1].lock).toEqual({busy: true, pid: 777, evidence: 'process 777 holds the profile lock'})
    expect(profiles[0].lock).toEqual({busy: false})
    expect(probe.calls).toContain(`openers(${join(releaseProfile, '.parentlock')})`)
    expect(probe.calls.some((call) => call.startsWith('readlink('))).toBe(false)
  })
})

describe('discoverProfiles with a Linux legacy default', () => {
  it('takes the Default=1 profile when no install section names one', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-legacy-'))
    const root = join(home, '.thunderbird')
    write(
      join(root, 'profiles.ini'),
      profilesIni([
        {name: 'first', path: 'aaaa0001.first', relative: true},
        {name: 'second', path: 'aaaa0002.second', relative: true, legacyDefault: true},
      ]),
    )
    makeProfile(join(root, 'aaaa0001.first'), {prefs: NEW_PREFS})
    makeProfile(join(root, 'aaaa0002.second'), {prefs: NEW_PREFS})
    const profiles = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    expect(profiles.map((p) => [p.name, p.isDefault])).toEqual([
      ['first', false],
      ['second', true],
    ])
  })

  it('uses the real profiles.ini and installs.ini of Thunderbird 153: the dedicated profile is the default', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-discovery-tb153-'))
    const root = join(home, '.thunderbird')
    write(join(root, 'profiles.ini'), readFileSync(new URL('profiles.ini', THUNDERBIRD_FIXTURES)))
    write(join(root, 'installs.ini'), readFileSync(new URL('installs.ini', THUNDERBIRD_FIXTURES)))
    makeProfile(join(root, 'phl5nauc.default-default'), {prefs: NEW_PREFS, compatibility: COMPATIBILITY_153, database: 'cert9.db'})
    makeProfile(join(root, 'rmm92dwt.default'), {})
    const profiles = await discoverProfiles({platform: 'linux', home, env: {}, probe: fakeLockProbe()})
    expect(profiles.map((p) => [p.name, p.isDefault, p.database])).toEqual([
      ['default-default', true, 'sql'],
      ['default', false, 'none'],
    ])
  })
})
