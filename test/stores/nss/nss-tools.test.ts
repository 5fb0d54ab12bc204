/** Where NSS's tools and Mozilla's roots module are found: Homebrew's folders on a Mac, then PATH. */
import {chmodSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {findBuiltinRootsModule, findNssTools, nssToolsInstallHint} from '../../../src/stores/nss/nss-tools.js'

/** Executable files `names` in `dir` (their content does not matter: nothing is run). */
function programs(dir: string, names: string[]): string {
  mkdirSync(dir, {recursive: true})
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n')
    chmodSync(join(dir, name), 0o755)
  }
  return dir
}

function machine(): {root: string; path: string} {
  const base = mkdtempSync(join(tmpdir(), 'mailcert-nss-tools-'))
  mkdirSync(join(base, 'root'))
  mkdirSync(join(base, 'path'))
  return {root: join(base, 'root'), path: join(base, 'path')}
}

const ALL = ['certutil', 'pk12util', 'vfychain', 'modutil']

describe('findNssTools', () => {
  it("on a Mac: Homebrew's nss folder (Apple silicon) before PATH, every tool from that one folder", async () => {
    const {root, path} = machine()
    const brew = programs(join(root, 'opt', 'homebrew', 'opt', 'nss', 'bin'), ['certutil', 'pk12util'])
    programs(join(root, 'usr', 'local', 'opt', 'nss', 'bin'), ALL)
    programs(path, ALL)
    expect(await findNssTools({platform: 'darwin', env: {PATH: path}, systemRoot: root})).toEqual({
      certutil: join(brew, 'certutil'),
      pk12util: join(brew, 'pk12util'),
      vfychain: null,
      modutil: null,
    })
  })

  it("on an Intel Mac: /usr/local/opt/nss/bin; a Homebrew folder without pk12util is passed over", async () => {
    const {root, path} = machine()
    programs(join(root, 'opt', 'homebrew', 'opt', 'nss', 'bin'), ['certutil'])
    const brew = programs(join(root, 'usr', 'local', 'opt', 'nss', 'bin'), ALL)
    expect(await findNssTools({platform: 'darwin', env: {PATH: path}, systemRoot: root})).toMatchObject({certutil: join(brew, 'certutil'), vfychain: join(brew, 'vfychain')})
  })

  it('on a Mac without Homebrew\'s nss: PATH (MacPorts, Nix), else none', async () => {
    const {root, path} = machine()
    expect(await findNssTools({platform: 'darwin', env: {PATH: path}, systemRoot: root})).toBeNull()
    programs(path, ['certutil', 'pk12util', 'vfychain'])
    expect(await findNssTools({platform: 'darwin', env: {PATH: path}, systemRoot: root})).toEqual({certutil: join(path, 'certutil'), pk12util: join(path, 'pk12util'), vfychain: join(path, 'vfychain'), modutil: null})
  })

  it('on Linux: PATH only, never Homebrew; on Windows: none (certutil.exe is another program)', async () => {
    const {root, path} = machine()
    programs(join(root, 'opt', 'homebrew', 'opt', 'nss', 'bin'), ALL)
    expect(await findNssTools({platform: 'linux', env: {PATH: path}, systemRoot: root})).toBeNull()
    programs(path, ALL)
    expect(await findNssTools({platform: 'linux', env: {PATH: path}, systemRoot: root})).toMatchObject({certutil: join(path, 'certutil')})
    expect(await findNssTools({platform: 'win32', env: {PATH: path}, systemRoot: root})).toBeNull()
  })
})

describe('findBuiltinRootsModule', () => {
  it("on a Mac: the module of the NSS whose certutil is used, else Homebrew's", async () => {
    const {root} = machine()
    const macports = join(root, 'opt', 'local')
    programs(join(macports, 'lib', 'nss'), ['libnssckbi.dylib'])
    const homebrew = programs(join(root, 'opt', 'homebrew', 'opt', 'nss', 'lib'), ['libnssckbi.dylib'])
    const darwin = {platform: 'darwin' as const, env: {}, systemRoot: root}
    expect(await findBuiltinRootsModule(darwin, join(macports, 'bin', 'certutil'))).toBe(join(macports, 'lib', 'nss', 'libnssckbi.dylib'))
    expect(await findBuiltinRootsModule(darwin, join(root, 'elsewhere', 'bin', 'certutil'))).toBe(join(homebrew, 'libnssckbi.dylib'))
    expect(await findBuiltinRootsModule({...darwin, systemRoot: join(root, 'empty')})).toBeNull()
  })

  it("on Linux: the distribution's module, under the system root", async () => {
    const {root} = machine()
    expect(await findBuiltinRootsModule({platform: 'linux', env: {}, systemRoot: root})).toBeNull()
    const lib = programs(join(root, 'usr', 'lib64'), ['libnssckbi.so'])
    expect(await findBuiltinRootsModule({platform: 'linux', env: {}, systemRoot: root})).toBe(join(lib, 'libnssckbi.so'))
  })
})

describe('nssToolsInstallHint', () => {
  it('names Homebrew on a Mac', async () => {
    expect(await nssToolsInstallHint('darwin')).toBe('Install them with Homebrew: brew install nss')
  })
})
