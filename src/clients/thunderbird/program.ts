/**
 * Finding the Thunderbird program that belongs to a profile, on every platform: the install folder
 * the profile last ran from (compatibility.ini `LastAppDir`), the packaging the profile lives in
 * (Snap, Flatpak), then the usual places (Linux packages and tarballs, /Applications on macOS, the
 * registry and Program Files on Windows). Candidate lists are pure; only `findThunderbird` looks.
 */
import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {findOnPath, isExecutable} from '../../system/find-program.js'
import {hostPlatform, systemPath} from '../../system/platform.js'
import {readSubkeys, readValue, type RegistryRoot, textOf} from '../../system/windows/registry.js'
import type {ProfileRoot} from './profile-roots.js'

export interface ThunderbirdProgram {
  /** What to execute. */
  command: string
  /** Arguments that come before Thunderbird's own (`run <id>` for Flatpak). */
  prefixArgs: string[]
  /** Where it was found, for reports. */
  origin: string
}

export interface ProgramContext {
  platform: NodeJS.Platform
  home: string
  env: NodeJS.ProcessEnv
  root?: ProfileRoot
  /** compatibility.ini LastAppDir of the profile. */
  lastAppDir?: string
  /** Tests only (MAILCERT_SYSTEM_ROOT): where the system's own folders are. */
  systemRoot?: string
}

const executableName = (platform: NodeJS.Platform): string => (platform === 'win32' ? 'thunderbird.exe' : 'thunderbird')

/** The Flatpak application id from a profile root like ~/.var/app/<id>/.thunderbird. */
export function flatpakIdOf(rootDir: string): string | null {
  const parts = rootDir.split('/')
  const index = parts.lastIndexOf('app')
  return index >= 0 && parts[index - 1] === '.var' && parts[index + 1] ? parts[index + 1] : null
}

export function candidatePaths(context: ProgramContext, registryPaths: string[] = []): ThunderbirdProgram[] {
  const {platform, home, env, root, lastAppDir} = context
  const file = (command: string, origin: string): ThunderbirdProgram => ({command, prefixArgs: [], origin})
  const system = (absolute: string) => systemPath({systemRoot: context.systemRoot ?? '/'}, absolute)
  const candidates: ThunderbirdProgram[] = []

  if (root?.packaging === 'flatpak') {
    const id = flatpakIdOf(root.dir)
    if (id) candidates.push({command: 'flatpak', prefixArgs: ['run', id], origin: `Flatpak ${id}`})
    return candidates
  }
  if (root?.packaging === 'snap') return [file(system('/snap/bin/thunderbird'), 'Snap')]

  if (platform === 'win32') {
    const win = path.win32
    if (lastAppDir) candidates.push(file(win.join(lastAppDir, 'thunderbird.exe'), 'the install this profile last ran from'))
    for (const exe of registryPaths) candidates.push(file(exe, 'the registry'))
    for (const base of [env.ProgramFiles, env['ProgramFiles(x86)'], env.ProgramW6432, env.LOCALAPPDATA]) {
      if (base) candidates.push(file(win.join(base, 'Mozilla Thunderbird', 'thunderbird.exe'), base))
    }
    return candidates
  }

  if (platform === 'darwin') {
    // LastAppDir is …/Thunderbird.app/Contents/Resources; the program is in Contents/MacOS.
    if (lastAppDir) candidates.push(file(path.posix.join(lastAppDir, '..', 'MacOS', 'thunderbird'), 'the install this profile last ran from'))
    for (const apps of [system('/Applications'), path.posix.join(home, 'Applications')]) {
      candidates.push(file(path.posix.join(apps, 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird'), apps))
    }
    return candidates
  }

  if (lastAppDir) candidates.push(file(path.posix.join(lastAppDir, executableName(platform)), 'the install this profile last ran from'))
  for (const dir of [...['/usr/lib/thunderbird', '/usr/lib64/thunderbird', '/opt/thunderbird'].map(system), path.posix.join(home, 'thunderbird')]) {
    candidates.push(file(path.posix.join(dir, 'thunderbird'), dir))
  }
  return candidates
}

/**
 * Where Mozilla's installer recorded thunderbird.exe: `<root>\SOFTWARE\Mozilla\Mozilla
 * Thunderbird\<version>\Main`, value `PathToExe`, per user and per machine (both views).
 */
function windowsRegistryPaths(): string[] {
  const places: Array<{root: RegistryRoot; view?: 32}> = [{root: 'HKCU'}, {root: 'HKLM'}, {root: 'HKLM', view: 32}]
  const found: string[] = []
  for (const {root, view} of places) {
    const key = 'SOFTWARE\\Mozilla\\Mozilla Thunderbird'
    for (const version of readSubkeys(root, key, {view}) ?? []) {
      const exe = textOf(readValue(root, `${key}\\${version}\\Main`, 'PathToExe', {view}))
      if (exe) found.push(exe)
    }
  }
  return [...new Set(found)]
}

/** Extra macOS apps named like Thunderbird (Thunderbird Beta.app, Thunderbird Daily.app). */
async function macVariants(home: string, systemRoot: string): Promise<ThunderbirdProgram[]> {
  const variants: ThunderbirdProgram[] = []
  for (const apps of [systemPath({systemRoot}, '/Applications'), path.posix.join(home, 'Applications')]) {
    const names = await readdir(apps).catch(() => [] as string[])
    for (const name of names.filter((n) => /^Thunderbird.*\.app$/i.test(n) && n !== 'Thunderbird.app')) {
      variants.push({command: path.posix.join(apps, name, 'Contents', 'MacOS', 'thunderbird'), prefixArgs: [], origin: apps})
    }
  }
  return variants
}

export async function findThunderbird(context: ProgramContext): Promise<ThunderbirdProgram | null> {
  const registry = context.platform === 'win32' && hostPlatform() === 'win32' ? windowsRegistryPaths() : []
  const candidates = candidatePaths(context, registry)
  if (context.platform === 'darwin') candidates.push(...(await macVariants(context.home, context.systemRoot ?? '/')))
  for (const candidate of candidates) {
    if (candidate.command === 'flatpak') {
      const flatpak = await findOnPath('flatpak', context.env)
      if (flatpak) return {...candidate, command: flatpak}
      continue
    }
    if (await isExecutable(candidate.command)) return candidate
  }
  if (context.platform !== 'win32' && context.platform !== 'darwin') {
    const onPath = await findOnPath('thunderbird', context.env)
    if (onPath) return {command: onPath, prefixArgs: [], origin: 'PATH'}
  }
  return null
}
