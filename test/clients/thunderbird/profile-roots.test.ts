import {describe, expect, it} from 'vitest'

import {type ProfileRoot, profileRoots} from '../../../src/clients/thunderbird/profile-roots.js'

const LINUX_HOME = '/home/alice'

const byPackaging = (roots: ProfileRoot[]) => Object.fromEntries(roots.map((root) => [root.packaging, root]))

describe('profileRoots on Linux', () => {
  const roots = profileRoots({platform: 'linux', home: LINUX_HOME, env: {}})

  it('lists the standard, Snap, Flatpak and XDG roots, the standard one first', () => {
    expect(roots.map((root) => root.packaging)).toEqual(['standard', 'snap', 'flatpak', 'xdg'])
  })

  it('puts the standard root in ~/.thunderbird, outside any sandbox', () => {
    expect(roots[0]).toEqual({dir: '/home/alice/.thunderbird', packaging: 'standard', sandboxed: false})
  })

  it('puts the Snap root in ~/snap/thunderbird/common/.thunderbird and marks it sandboxed', () => {
    expect(byPackaging(roots).snap).toEqual({dir: '/home/alice/snap/thunderbird/common/.thunderbird', packaging: 'snap', sandboxed: true})
  })

  it('matches every Flatpak id with a one-level pattern under ~/.var/app', () => {
    expect(byPackaging(roots).flatpak).toEqual({dir: '/home/alice/.var/app/*/.thunderbird', packaging: 'flatpak', sandboxed: true, pattern: true})
  })

  it('uses ~/.config/thunderbird when XDG_CONFIG_HOME is unset', () => {
    expect(byPackaging(roots).xdg).toEqual({dir: '/home/alice/.config/thunderbird', packaging: 'xdg', sandboxed: false})
  })

  it('uses XDG_CONFIG_HOME when it is set to an absolute path', () => {
    const xdg = byPackaging(profileRoots({platform: 'linux', home: LINUX_HOME, env: {XDG_CONFIG_HOME: '/srv/config'}})).xdg
    expect(xdg.dir).toBe('/srv/config/thunderbird')
  })

  it('ignores a relative or empty XDG_CONFIG_HOME, as the XDG specification says', () => {
    for (const value of ['config', './config', '']) {
      expect(byPackaging(profileRoots({platform: 'linux', home: LINUX_HOME, env: {XDG_CONFIG_HOME: value}})).xdg.dir).toBe('/home/alice/.config/thunderbird')
    }
  })

  it('uses the same layout on the other Unix platforms', () => {
    expect(profileRoots({platform: 'freebsd', home: LINUX_HOME, env: {}})).toEqual(roots)
  })
})

describe('profileRoots on macOS', () => {
  it('has the one root ~/Library/Thunderbird', () => {
    expect(profileRoots({platform: 'darwin', home: '/Users/alice', env: {XDG_CONFIG_HOME: '/Users/alice/.config'}})).toEqual([
      {dir: '/Users/alice/Library/Thunderbird', packaging: 'standard', sandboxed: false},
    ])
  })
})

describe('profileRoots on Windows', () => {
  const home = 'C:\\Users\\alice'

  it('uses APPDATA for the installer build and LOCALAPPDATA for Microsoft Store packages', () => {
    const env = {APPDATA: 'D:\\Profiles\\alice\\Roaming', LOCALAPPDATA: 'E:\\Local\\alice'}
    expect(profileRoots({platform: 'win32', home, env})).toEqual([
      {dir: 'D:\\Profiles\\alice\\Roaming\\Thunderbird', packaging: 'standard', sandboxed: false},
      {dir: 'E:\\Local\\alice\\Packages\\*\\LocalCache\\Roaming\\Thunderbird', packaging: 'msix', sandboxed: false, pattern: true},
    ])
  })

  it('falls back to AppData\\Roaming and AppData\\Local under the home folder when they are unset', () => {
    expect(profileRoots({platform: 'win32', home, env: {}}).map((root) => root.dir)).toEqual([
      'C:\\Users\\alice\\AppData\\Roaming\\Thunderbird',
      'C:\\Users\\alice\\AppData\\Local\\Packages\\*\\LocalCache\\Roaming\\Thunderbird',
    ])
  })

  it('writes Windows paths with backslashes even when the home folder is given with slashes', () => {
    const dirs = profileRoots({platform: 'win32', home: 'C:/Users/alice', env: {}}).map((root) => root.dir)
    expect(dirs[0]).toBe('C:\\Users\\alice\\AppData\\Roaming\\Thunderbird')
    expect(dirs.every((dir) => !dir.includes('/'))).toBe(true)
  })
})
