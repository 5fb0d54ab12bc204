import {readFileSync} from 'node:fs'
import {posix, win32} from 'node:path'
import {describe, expect, it} from 'vitest'

import {defaultProfiles, listProfiles, type ProfileEntry, parseIni} from '../../../src/clients/thunderbird/profiles-ini.js'

const FIXTURES = new URL('../../fixtures/thunderbird/', import.meta.url)
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES))

const sectionsOf = (text: string | Buffer): Record<string, Record<string, string>> =>
  Object.fromEntries(parseIni(text).map((section) => [section.name, Object.fromEntries(section.entries)]))

const summary = (entries: readonly ProfileEntry[]) =>
  entries.map(({name, path, descriptor, isRelative, legacyDefault, installDefault, locked, installs}) => ({
    name,
    path,
    descriptor,
    isRelative,
    legacyDefault,
    installDefault,
    locked,
    installs,
  }))

describe('parseIni', () => {
  it('reads sections and keys in any order, merging repeats, the last value winning', () => {
    const text = '[General]\nVersion=2\nStartWithLastProfile=1\n[Profile0]\nPath=a\nName=x\n[General]\nVersion=3\n'
    expect(sectionsOf(text)).toEqual({General: {Version: '3', StartWithLastProfile: '1'}, Profile0: {Path: 'a', Name: 'x'}})
    expect(parseIni(text).map((section) => section.name)).toEqual(['General', 'Profile0'])
  })

  it('takes a byte order mark, CRLF, blank lines and leading blanks', () => {
    const text = '\uFEFF\r\n[General]\r\n\r\n  \tVersion=2\r\n\r\n'
    expect(sectionsOf(text)).toEqual({General: {Version: '2'}})
    expect(sectionsOf(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[A]\nk=ü\n')]))).toEqual({A: {k: 'ü'}})
    expect(sectionsOf(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[A]\r\nk=ü\r\n', 'utf16le')]))).toEqual({A: {k: 'ü'}})
  })

  it('keeps values and keys as written: no trimming, split at the first =', () => {
    expect(sectionsOf('[A]\nPath = x y \nk=a=b\nempty=\n==lead=v\n')).toEqual({A: {'Path ': ' x y ', k: 'a=b', empty: '', lead: 'v'}})
  })

  it('skips comments only when # or ; is the very first character', () => {
    expect(sectionsOf('[A]\n#k=1\n;k=2\n  ;k=3\n  #x=4\n')).toEqual({A: {';k': '3', '#x': '4'}})
  })

  it('ignores lines outside sections, lines without =, and the lines of malformed headers', () => {
    const text = 'orphan=1\n[A]\nno equals sign\nk=1\n[B] trailing\nlost=1\n[C]  \t\nc=1\n[]\nalso=lost\n[]D]\nd=lost\n[[E]\ne=lost\n'
    expect(sectionsOf(text)).toEqual({A: {k: '1'}, C: {c: '1'}})
  })

  it('accepts an unclosed header, as Gecko does', () => {
    expect(sectionsOf('[Profile0\nName=x\n')).toEqual({Profile0: {Name: 'x'}})
  })
})

describe('listProfiles', () => {
  it('reads the files Thunderbird 153 wrote on its first run on Linux', () => {
    const root = '/home/alice/.thunderbird'
    const entries = listProfiles(root, fixture('profiles.ini'), fixture('installs.ini'), posix)
    expect(summary(entries)).toEqual([
      {
        name: 'default-default',
        path: '/home/alice/.thunderbird/phl5nauc.default-default',
        descriptor: 'phl5nauc.default-default',
        isRelative: true,
        legacyDefault: false,
        installDefault: true,
        locked: true,
        installs: ['FDC34C9F024745EB'],
      },
      {
        name: 'default',
        path: '/home/alice/.thunderbird/rmm92dwt.default',
        descriptor: 'rmm92dwt.default',
        isRelative: true,
        legacyDefault: true,
        installDefault: false,
        locked: false,
        installs: [],
      },
    ])
    expect(entries.map((entry) => entry.section)).toEqual(['Profile0', 'Profile1'])
    expect(defaultProfiles(entries).map((entry) => entry.name)).toEqual(['default-default'])
  })

  it('reads a macOS profiles.ini with the Profiles/ subfolder', () => {
    const root = '/Users/alice/Library/Thunderbird'
    const ini = [
      '[Install2656FF1E876E9973]',
      'Default=Profiles/ab12cd34.default-release',
      'Locked=1',
      '',
      '[Profile0]',
      'Name=default-release',
      'IsRelative=1',
      'Path=Profiles/ab12cd34.default-release',
      '',
      '[General]',
      'StartWithLastProfile=1',
      'Version=2',
    ].join('\n')
    const [entry] = listProfiles(root, ini, null, posix)
    expect(entry).toMatchObject({path: '/Users/alice/Library/Thunderbird/Profiles/ab12cd34.default-release', installDefault: true, locked: true})
  })

  describe('on Windows', () => {
    const root = 'C:\\Users\\alice\\AppData\\Roaming\\Thunderbird'
    const ini = [
      '[General]',
      'StartWithLastProfile=1',
      'Version=2',
      '',
      '[Profile0]',
      'Name=default-release',
      'IsRelative=1',
      'Path=Profiles/ab12cd34.default-release',
      '',
      '[Profile1]',
      'Name=work',
      'IsRelative=0',
      'Path=D:\\Mail\\Thunderbird\\work',
      'Default=1',
      '',
      '[Profile2]',
      'Name=old',
      'IsRelative=0',
      'Path=C:\\Users\\alice\\AppData\\Roaming\\Thunderbird\\Profiles\\x.default',
      '',
      '[Install308046B0AF4A39CB]',
      'Default=Profiles/ab12cd34.default-release',
      'Locked=1',
      '',
      '[InstallE7CF176E110C211B]',
      'Default=D:\\Mail\\Thunderbird\\work',
      '',
    ].join('\r\n')

    it('resolves relative paths with / and keeps absolute ones', () => {
      expect(summary(listProfiles(root, ini, null, win32))).toEqual([
        {
          name: 'default-release',
          path: 'C:\\Users\\alice\\AppData\\Roaming\\Thunderbird\\Profiles\\ab12cd34.default-release',
          descriptor: 'Profiles/ab12cd34.default-release',
          isRelative: true,
          legacyDefault: false,
          installDefault: true,
          locked: true,
          installs: ['308046B0AF4A39CB'],
        },
        {
          name: 'work',
          path: 'D:\\Mail\\Thunderbird\\work',
          descriptor: 'D:\\Mail\\Thunderbird\\work',
          isRelative: false,
          legacyDefault: true,
          installDefault: true,
          locked: false,
          installs: ['E7CF176E110C211B'],
        },
        {
          // Gecko re-serialises an absolute path inside the root as a relative descriptor.
          name: 'old',
          path: 'C:\\Users\\alice\\AppData\\Roaming\\Thunderbird\\Profiles\\x.default',
          descriptor: 'Profiles/x.default',
          isRelative: false,
          legacyDefault: false,
          installDefault: false,
          locked: false,
          installs: [],
        },
      ])
    })

    it('gives every install its default, release and ESR side by side', () => {
      expect(defaultProfiles(listProfiles(root, ini, null, win32)).map((entry) => entry.name)).toEqual(['default-release', 'work'])
    })

    it('compares paths without regard to case', () => {
      const other = ini.replace('Path=C:\\Users\\alice\\AppData', 'Path=c:\\users\\ALICE\\appdata')
      expect(listProfiles(root, other, null, win32)[2]?.descriptor).toBe('Profiles/x.default')
    })

    it('matches an install default written in the relative form to the absolute profile inside the root', () => {
      const other = ini.replace('Default=D:\\Mail\\Thunderbird\\work', 'Default=Profiles/x.default')
      const names = listProfiles(root, other, null, win32).filter((entry) => entry.installDefault).map((entry) => entry.name)
      expect(names).toEqual(['default-release', 'old'])
    })
  })

  it('stops at the first ProfileN without IsRelative and skips profiles without Path or Name', () => {
    const ini = [
      '[Profile0]\nIsRelative=1\nPath=a\nName=a',
      '[Profile1]\nIsRelative=1\nName=no-path',
      '[Profile2]\nIsRelative=1\nPath=no-name',
      '[Profile3]\nIsRelative=0\nPath=relative/but/absolute/claimed\nName=bad-path',
      '[Profile4]\nIsRelative=1\nPath=e\nName=e',
      '[Profile6]\nIsRelative=1\nPath=after-gap\nName=after-gap',
    ].join('\n')
    expect(listProfiles('/r', ini, null, posix).map((entry) => entry.name)).toEqual(['a', 'e'])
    expect(listProfiles('/r', '[Profile0]\nPath=a\nName=a\n', null, posix)).toEqual([])
  })

  it('treats only IsRelative=1 and Default=1 as true', () => {
    const [entry] = listProfiles('/r', '[Profile0]\nIsRelative=yes\nPath=/abs/p\nName=p\nDefault=true\n', null, posix)
    expect(entry).toMatchObject({isRelative: false, legacyDefault: false, path: '/abs/p', descriptor: '/abs/p'})
  })

  it('takes the first profile with the descriptor an install names', () => {
    const ini = '[General]\nVersion=2\n[Profile0]\nIsRelative=1\nPath=p\nName=one\n[Profile1]\nIsRelative=1\nPath=p\nName=two\n[InstallX]\nDefault=p\n'
    expect(listProfiles('/r', ini, null, posix).map((entry) => entry.installDefault)).toEqual([true, false])
  })

  it('compares the install default as an exact string', () => {
    const ini = '[General]\nVersion=2\n[Profile0]\nIsRelative=1\nPath=P\nName=p\n[InstallX]\nDefault=p\n'
    expect(listProfiles('/r', ini, null, posix)[0]?.installDefault).toBe(false)
  })

  describe('installs.ini', () => {
    const profiles = '[Profile0]\nIsRelative=1\nPath=a.default\nName=a\n[Profile1]\nIsRelative=1\nPath=b.default\nName=b\nDefault=1\n'
    const installs = '[FDC34C9F024745EB]\nDefault=a.default\nLocked=1\n'

    it('is only a backup, used when an older Gecko rewrote profiles.ini without Version', () => {
      const restored = listProfiles('/r', profiles, installs, posix)
      expect(restored.map((entry) => [entry.name, entry.installDefault, entry.locked])).toEqual([
        ['a', true, true],
        ['b', false, false],
      ])
      expect(defaultProfiles(restored).map((entry) => entry.name)).toEqual(['a'])

      const current = listProfiles('/r', `[General]\nVersion=2\n${profiles}`, installs, posix)
      expect(current.some((entry) => entry.installDefault)).toBe(false)
      expect(defaultProfiles(current).map((entry) => entry.name)).toEqual(['b'])
    })

    it('adds to what profiles.ini already says about an install', () => {
      const withInstall = `${profiles}[InstallFDC34C9F024745EB]\nDefault=b.default\n`
      const entries = listProfiles('/r', withInstall, installs, posix)
      expect(entries.map((entry) => [entry.name, entry.installDefault, entry.locked])).toEqual([
        ['a', true, true],
        ['b', false, false],
      ])
    })
  })
})

describe('defaultProfiles', () => {
  const profile = (name: string, flags: Partial<ProfileEntry> = {}): ProfileEntry => ({
    section: 'Profile0',
    name,
    path: `/r/${name}`,
    descriptor: name,
    isRelative: true,
    legacyDefault: false,
    installDefault: false,
    locked: false,
    installs: [],
    ...flags,
  })

  it('prefers dedicated install defaults, then the last Default=1, then the only profile', () => {
    expect(defaultProfiles([profile('a', {legacyDefault: true}), profile('b', {installDefault: true})]).map((p) => p.name)).toEqual(['b'])
    expect(defaultProfiles([profile('a', {legacyDefault: true}), profile('b', {legacyDefault: true}), profile('c')]).map((p) => p.name)).toEqual(['b'])
    expect(defaultProfiles([profile('only')]).map((p) => p.name)).toEqual(['only'])
    expect(defaultProfiles([profile('a'), profile('b')])).toEqual([])
    expect(defaultProfiles([])).toEqual([])
  })
})
