import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {candidatePaths, findThunderbird, flatpakIdOf} from '../../../src/clients/thunderbird/program.js'
import type {ProfileRoot} from '../../../src/clients/thunderbird/profile-roots.js'

const commands = (context: Parameters<typeof candidatePaths>[0], registry?: string[]) => candidatePaths(context, registry).map((c) => c.command)

const flatpakRoot = (id: string): ProfileRoot => ({dir: `/home/alice/.var/app/${id}/.thunderbird`, packaging: 'flatpak', sandboxed: true, pattern: false})
const snapRoot: ProfileRoot = {dir: '/home/alice/snap/thunderbird/common/.thunderbird', packaging: 'snap', sandboxed: true}
const standardRoot: ProfileRoot = {dir: '/home/alice/.thunderbird', packaging: 'standard', sandboxed: false}

describe('flatpakIdOf', () => {
  it('takes the application id from a Flatpak profile root', () => {
    expect(flatpakIdOf('/home/alice/.var/app/org.mozilla.Thunderbird/.thunderbird')).toBe('org.mozilla.Thunderbird')
    expect(flatpakIdOf('/home/alice/.var/app/net.thunderbird.Thunderbird/.thunderbird')).toBe('net.thunderbird.Thunderbird')
  })

  it('is not fooled by a user called app', () => {
    expect(flatpakIdOf('/home/app/.var/app/org.mozilla.thunderbird/.thunderbird')).toBe('org.mozilla.thunderbird')
  })

  it('gives null for roots that are not Flatpak ones', () => {
    expect(flatpakIdOf('/home/alice/.thunderbird')).toBeNull()
    expect(flatpakIdOf('/home/alice/app/org.mozilla.Thunderbird/.thunderbird')).toBeNull()
    expect(flatpakIdOf('/home/alice/.var/app')).toBeNull()
  })
})

describe('candidatePaths', () => {
  it('on Linux, tries the install the profile last ran from first, then the usual places', () => {
    expect(commands({platform: 'linux', home: '/home/alice', env: {}, root: standardRoot, lastAppDir: '/opt/tb-nightly'})).toEqual([
      '/opt/tb-nightly/thunderbird',
      '/usr/lib/thunderbird/thunderbird',
      '/usr/lib64/thunderbird/thunderbird',
      '/opt/thunderbird/thunderbird',
      '/home/alice/thunderbird/thunderbird',
    ])
    expect(candidatePaths({platform: 'linux', home: '/home/alice', env: {}, lastAppDir: '/opt/tb-nightly'})[0].origin).toBe('the install this profile last ran from')
  })

  it('on Linux without LastAppDir, starts with the distribution packages', () => {
    expect(commands({platform: 'linux', home: '/home/alice', env: {}})[0]).toBe('/usr/lib/thunderbird/thunderbird')
  })

  it('on macOS, goes from LastAppDir (Contents/Resources) to Contents/MacOS, then the Applications folders', () => {
    expect(
      commands({platform: 'darwin', home: '/Users/alice', env: {}, lastAppDir: '/Users/alice/Downloads/Thunderbird.app/Contents/Resources'}),
    ).toEqual([
      '/Users/alice/Downloads/Thunderbird.app/Contents/MacOS/thunderbird',
      '/Applications/Thunderbird.app/Contents/MacOS/thunderbird',
      '/Users/alice/Applications/Thunderbird.app/Contents/MacOS/thunderbird',
    ])
  })

  it('on Windows, tries LastAppDir, the registry, then the Program Files folders', () => {
    const env = {ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\alice\\AppData\\Local'}
    const candidates = candidatePaths(
      {platform: 'win32', home: 'C:\\Users\\alice', env, lastAppDir: 'D:\\Apps\\Thunderbird'},
      ['C:\\Program Files\\Mozilla Thunderbird ESR\\thunderbird.exe'],
    )
    expect(candidates.map((c) => [c.command, c.origin])).toEqual([
      ['D:\\Apps\\Thunderbird\\thunderbird.exe', 'the install this profile last ran from'],
      ['C:\\Program Files\\Mozilla Thunderbird ESR\\thunderbird.exe', 'the registry'],
      ['C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe', 'C:\\Program Files'],
      ['C:\\Program Files (x86)\\Mozilla Thunderbird\\thunderbird.exe', 'C:\\Program Files (x86)'],
      ['C:\\Users\\alice\\AppData\\Local\\Mozilla Thunderbird\\thunderbird.exe', 'C:\\Users\\alice\\AppData\\Local'],
    ])
    expect(candidates.every((c) => c.prefixArgs.length === 0)).toBe(true)
  })

  it('for a Snap profile, runs the Snap and nothing else', () => {
    expect(candidatePaths({platform: 'linux', home: '/home/alice', env: {}, root: snapRoot, lastAppDir: '/snap/thunderbird/632'})).toEqual([
      {command: '/snap/bin/thunderbird', prefixArgs: [], origin: 'Snap'},
    ])
  })

  it('for a Flatpak profile, runs `flatpak run <id>` of that very application', () => {
    for (const id of ['org.mozilla.Thunderbird', 'net.thunderbird.Thunderbird']) {
      expect(candidatePaths({platform: 'linux', home: '/home/alice', env: {}, root: flatpakRoot(id), lastAppDir: '/app/lib/thunderbird'})).toEqual([
        {command: 'flatpak', prefixArgs: ['run', id], origin: `Flatpak ${id}`},
      ])
    }
  })
})

describe('findThunderbird in a sandbox folder', () => {
  /** An executable (or not) stub file; findThunderbird only looks, it never runs it. */
  function stub(path: string, executable = true): string {
    mkdirSync(dirname(path), {recursive: true})
    writeFileSync(path, '#!/bin/sh\nexit 0\n', {mode: executable ? 0o755 : 0o644})
    return path
  }

  it('finds the program in the profile\'s LastAppDir before any installed one', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'mailcert-program-'))
    const appDir = join(sandbox, 'thunderbird-153')
    const program = stub(join(appDir, 'thunderbird'))
    expect(await findThunderbird({platform: 'linux', home: sandbox, env: {PATH: ''}, lastAppDir: appDir})).toEqual({
      command: program,
      prefixArgs: [],
      origin: 'the install this profile last ran from',
    })
  })

  it('passes over a file of that name that is not executable', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'mailcert-program-'))
    const appDir = join(sandbox, 'thunderbird-153')
    const notExecutable = stub(join(appDir, 'thunderbird'), false)
    const found = await findThunderbird({platform: 'linux', home: sandbox, env: {PATH: ''}, lastAppDir: appDir})
    expect(found?.command).not.toBe(notExecutable)
  })

  it('on macOS, finds the app in ~/Applications, and LastAppDir\'s app before it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-program-mac-'))
    const inApplications = stub(join(home, 'Applications', 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird'))
    expect(await findThunderbird({platform: 'darwin', home, env: {}})).toEqual({command: inApplications, prefixArgs: [], origin: join(home, 'Applications')})

    const downloaded = stub(join(home, 'Downloads', 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird'))
    const lastAppDir = join(home, 'Downloads', 'Thunderbird.app', 'Contents', 'Resources')
    expect((await findThunderbird({platform: 'darwin', home, env: {}, lastAppDir}))?.command).toBe(downloaded)
  })

  it('on macOS, finds a Thunderbird Beta or Daily app when there is no Thunderbird.app', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-program-mac-'))
    const beta = stub(join(home, 'Applications', 'Thunderbird Beta.app', 'Contents', 'MacOS', 'thunderbird'))
    expect(await findThunderbird({platform: 'darwin', home, env: {}})).toEqual({command: beta, prefixArgs: [], origin: join(home, 'Applications')})
  })

  it('for a Flatpak profile, uses the flatpak program on PATH', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'mailcert-program-flatpak-'))
    const flatpak = stub(join(sandbox, 'bin', 'flatpak'))
    const root = flatpakRoot('org.mozilla.Thunderbird')
    expect(await findThunderbird({platform: 'linux', home: sandbox, env: {PATH: join(sandbox, 'bin')}, root})).toEqual({
      command: flatpak,
      prefixArgs: ['run', 'org.mozilla.Thunderbird'],
      origin: 'Flatpak org.mozilla.Thunderbird',
    })
  })

  it('for a Flatpak profile on a machine without flatpak, finds nothing', async () => {
    const sandbox = mkdtempSync(join(tmpdir(), 'mailcert-program-flatpak-'))
    expect(await findThunderbird({platform: 'linux', home: sandbox, env: {PATH: join(sandbox, 'bin')}, root: flatpakRoot('org.mozilla.Thunderbird')})).toBeNull()
  })

  it('for a Windows context on this machine, finds nothing (no such paths here)', async () => {
    const env = {ProgramFiles: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\alice\\AppData\\Local', PATH: ''}
    expect(await findThunderbird({platform: 'win32', home: 'C:\\Users\\alice', env, lastAppDir: 'C:\\Program Files\\Mozilla Thunderbird'})).toBeNull()
  })
})
