/**
 * The Evolution program, not its data: `evolution` on PATH (a distribution package) or the Flathub
 * app org.gnome.Evolution. `evolution --version` answers without a display and writes nothing
 * (checked with Debian 12's 3.46.4, no DISPLAY, a HOME that does not exist); when it does not
 * answer, the version comes from the AppStream file the package installs, whose first <release> is
 * the installed one. The Flatpak is not run (that would start its sandbox): its version comes from
 * the AppStream file inside the installed app.
 */
import path from 'node:path'

import {KiB, readBoundedFileIfPresent} from '../../system/bounded-read.js'
import {findOnPath, isExecutable} from '../../system/find-program.js'
import {runProgram} from '../../system/run-program.js'

export const EVOLUTION_FLATPAK = 'org.gnome.Evolution'

export interface EvolutionProgramMachine {
  home: string
  env: NodeJS.ProcessEnv
  /** Tests only: the folder under which /usr and /var are read. */
  systemRoot?: string
}

export interface EvolutionProgram {
  command: string
  /** Upstream version, `3.46.4`; null when it cannot be told. */
  version: string | null
  packaging: 'system' | 'flatpak'
}

const APPSTREAM_NAMES = [`${EVOLUTION_FLATPAK}.metainfo.xml`, `${EVOLUTION_FLATPAK}.appdata.xml`]
const APPSTREAM_LIMIT = 1024 * KiB

/** The version of `evolution --version`: `evolution 3.46.4-2+deb12u1` gives 3.46.4. */
export function versionFromOutput(output: string): string | null {
  return /^evolution (\d+(?:\.\d+)+)/m.exec(output)?.[1] ?? null
}

/** The first <release version="..."> of an AppStream file: AppStream lists the newest release first. */
export function versionFromAppStream(xml: string): string | null {
  const releases = /<releases>([\s\S]*?)<\/releases>/.exec(xml)?.[1] ?? ''
  return /<release\b[^>]*\bversion="([^"]+)"/.exec(releases)?.[1] ?? null
}

async function appStreamVersion(metainfoDirs: string[]): Promise<string | null> {
  for (const dir of metainfoDirs) {
    for (const name of APPSTREAM_NAMES) {
      const bytes = await readBoundedFileIfPresent(path.join(dir, name), APPSTREAM_LIMIT).catch(() => null)
      const version = bytes === null ? null : versionFromAppStream(bytes.toString('utf8'))
      if (version) return version
    }
  }
  return null
}

function userDataDir(machine: EvolutionProgramMachine): string {
  return machine.env.XDG_DATA_HOME ? machine.env.XDG_DATA_HOME : path.join(machine.home, '.local', 'share')
}

export async function findEvolution(machine: EvolutionProgramMachine): Promise<EvolutionProgram | null> {
  const root = machine.systemRoot ?? '/'
  const onPath = await findOnPath('evolution', machine.env)
  if (onPath) {
    // The package's AppStream file first: reading it costs nothing, starting Evolution costs a process on every run.
    const fromAppStream = await appStreamVersion(['usr/share/metainfo', 'usr/share/appdata'].map((dir) => path.join(root, dir)))
    if (fromAppStream) return {command: onPath, version: fromAppStream, packaging: 'system'}
    const result = await runProgram(onPath, ['--version'], {timeoutMs: 10_000})
    return {command: onPath, version: result.exitCode === 0 ? versionFromOutput(result.stdout) : null, packaging: 'system'}
  }
  // The user's installation first: it is the one `flatpak run` prefers.
  const installations = [path.join(userDataDir(machine), 'flatpak'), path.join(root, 'var', 'lib', 'flatpak')]
  for (const installation of installations) {
    const command = path.join(installation, 'exports', 'bin', EVOLUTION_FLATPAK)
    if (!(await isExecutable(command))) continue
    const files = path.join(installation, 'app', EVOLUTION_FLATPAK, 'current', 'active', 'files', 'share')
    return {command, version: await appStreamVersion([path.join(files, 'metainfo'), path.join(files, 'appdata')]), packaging: 'flatpak'}
  }
  return null
}
