import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {findEvolution, versionFromAppStream, versionFromOutput} from '../../../src/clients/evolution/program.js'

const DEBIAN_APPSTREAM = '/usr/share/metainfo/org.gnome.Evolution.appdata.xml'

function sandbox(): {home: string; root: string; bin: string} {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-evo-program-'))
  const sandboxed = {home: join(dir, 'home'), root: join(dir, 'root'), bin: join(dir, 'bin')}
  for (const folder of Object.values(sandboxed)) mkdirSync(folder)
  return sandboxed
}

function script(file: string, body: string): void {
  mkdirSync(join(file, '..'), {recursive: true})
  writeFileSync(file, `#!/bin/sh\n${body}\n`)
  chmodSync(file, 0o755)
}

const appStream = (version: string): string => `<?xml version="1.0"?>\n<component type="desktop-application">\n  <id>org.gnome.Evolution</id>\n  <releases>\n    <release version="${version}" date="2025-01-01"/>\n    <release version="1.0" date="2000-01-01"/>\n  </releases>\n</component>\n`

describe('findEvolution', () => {
  it('the real Debian evolution: its version from its AppStream release (no process started), the same as `evolution --version` prints', async () => {
    const found = await findEvolution({home: sandbox().home, env: {PATH: '/usr/bin:/bin'}})
    expect(found).toEqual({command: '/usr/bin/evolution', version: versionFromAppStream(readFileSync(DEBIAN_APPSTREAM, 'utf8')), packaging: 'system'})
    expect(found?.version).toMatch(/^\d+\.\d+\.\d+$/)
    expect(versionFromOutput(execFileSync('/usr/bin/evolution', ['--version'], {encoding: 'utf8'}))).toBe(found?.version)
  })

  it('an evolution without an AppStream file: the version it prints', async () => {
    const {home, root, bin} = sandbox()
    script(join(bin, 'evolution'), 'echo "evolution 3.50.2"')
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: root})).toEqual({command: join(bin, 'evolution'), version: '3.50.2', packaging: 'system'})
  })

  it('an evolution that does not tell its version: the AppStream file\'s newest release', async () => {
    const {home, root, bin} = sandbox()
    script(join(bin, 'evolution'), 'echo "cannot open display" >&2; exit 1')
    mkdirSync(join(root, 'usr', 'share', 'metainfo'), {recursive: true})
    writeFileSync(join(root, 'usr', 'share', 'metainfo', 'org.gnome.Evolution.metainfo.xml'), appStream('3.56.1'))
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: root})).toEqual({command: join(bin, 'evolution'), version: '3.56.1', packaging: 'system'})
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: sandbox().root})).toEqual({command: join(bin, 'evolution'), version: null, packaging: 'system'})
  })

  it('the Flatpak, the user\'s installation before the system\'s, with the version of the installed app', async () => {
    const {home, root, bin} = sandbox()
    const systemWide = join(root, 'var', 'lib', 'flatpak')
    script(join(systemWide, 'exports', 'bin', 'org.gnome.Evolution'), 'exec flatpak run org.gnome.Evolution "$@"')
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: root})).toEqual({
      command: join(systemWide, 'exports', 'bin', 'org.gnome.Evolution'),
      version: null,
      packaging: 'flatpak',
    })
    const user = join(home, '.local', 'share', 'flatpak')
    script(join(user, 'exports', 'bin', 'org.gnome.Evolution'), 'exec flatpak run --user org.gnome.Evolution "$@"')
    const metainfo = join(user, 'app', 'org.gnome.Evolution', 'current', 'active', 'files', 'share', 'metainfo')
    mkdirSync(metainfo, {recursive: true})
    writeFileSync(join(metainfo, 'org.gnome.Evolution.metainfo.xml'), appStream('3.56.2'))
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: root})).toEqual({
      command: join(user, 'exports', 'bin', 'org.gnome.Evolution'),
      version: '3.56.2',
      packaging: 'flatpak',
    })
  })

  it('neither: null', async () => {
    const {home, root, bin} = sandbox()
    expect(await findEvolution({home, env: {PATH: bin}, systemRoot: root})).toBeNull()
  })
})

describe('version parsing', () => {
  it('reads the upstream version from what evolution prints, and the first release of AppStream', () => {
    expect(versionFromOutput('evolution 3.46.4-2+deb12u1 \n')).toBe('3.46.4')
    expect(versionFromOutput('Gtk-WARNING: cannot open display\n')).toBeNull()
    expect(versionFromAppStream(appStream('3.50.0'))).toBe('3.50.0')
    expect(versionFromAppStream('<component><release version="9"/></component>')).toBeNull()
  })
})
