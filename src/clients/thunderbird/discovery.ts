/**
 * Every Thunderbird profile on the machine, with what mailcert needs to know about each: where it
 * is, which Thunderbird last used it, its accounts and identities with their S/MIME settings,
 * whether it has an NSS database, and whether Thunderbird is running on it right now.
 */
import {access, readdir} from 'node:fs/promises'
import path from 'node:path'

import {FileRefused, MiB, readBoundedFile, readBoundedFileIfPresent} from '../../system/bounded-read.js'
import {type AccountModel, readAccounts} from './accounts.js'
import {type LockProbe, type LockState, profileLockState} from './profile-lock.js'
import {type ProfileRoot, profileRoots, type RootContext} from './profile-roots.js'
import {defaultProfiles, listProfiles, parseIni} from './profiles-ini.js'
import {parsePrefs, PrefsSyntaxError} from './prefs-js.js'

export interface ThunderbirdProfile {
  name: string
  dir: string
  root: ProfileRoot
  /** The profile Thunderbird opens by default (for its install, or the legacy default). */
  isDefault: boolean
  /** Thunderbird version that last ran the profile (compatibility.ini), or null. */
  version: string | null
  /** The install folder that last ran it, to find the program. */
  lastAppDir: string | null
  database: 'sql' | 'dbm' | 'none'
  /** Null when prefs.js is missing or cannot be read (see `prefsProblem`). */
  accounts: AccountModel | null
  /** `missing`: a profile Thunderbird never ran (its first start leaves such a spare one); `unreadable`: prefs.js does not parse. */
  prefsState: 'ok' | 'missing' | 'unreadable'
  prefsProblem: string | null
  lock: LockState
}

/** Thunderbird's settings files are far smaller; a bigger one (or a link to /dev/zero) is refused, not read. */
export const MAX_PREFS_BYTES = 64 * MiB

async function readText(file: string): Promise<string | null> {
  try {
    return (await readBoundedFile(file, MAX_PREFS_BYTES)).toString('utf8')
  } catch {
    return null
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}

/** Expand a root whose path has `*` for one folder level (Flatpak ids, Microsoft Store packages). */
async function expandRoot(root: ProfileRoot, api: typeof path.posix | typeof path.win32): Promise<ProfileRoot[]> {
  if (!root.pattern) return [root]
  const parts = root.dir.split(api.sep)
  const star = parts.indexOf('*')
  const parent = parts.slice(0, star).join(api.sep) || api.sep
  const entries = await readdir(parent).catch(() => [] as string[])
  return entries.map((entry) => ({...root, dir: [...parts.slice(0, star), entry, ...parts.slice(star + 1)].join(api.sep), pattern: false}))
}

export function parseCompatibility(text: string): {version: string | null; lastAppDir: string | null} {
  const section = parseIni(text).find((s) => s.name === 'Compatibility')
  const lastVersion = section?.entries.get('LastVersion') ?? null
  return {version: lastVersion ? lastVersion.split('_')[0] : null, lastAppDir: section?.entries.get('LastAppDir') ?? null}
}

export async function readAccountsOf(dir: string): Promise<{accounts: AccountModel | null; state: ThunderbirdProfile['prefsState']; problem: string | null}> {
  let file = 'prefs.js'
  try {
    const prefs = await readBoundedFileIfPresent(path.join(dir, 'prefs.js'), MAX_PREFS_BYTES)
    if (prefs === null) return {accounts: null, state: 'missing', problem: 'Thunderbird has never run with this profile (it has no prefs.js)'}
    const files = [parsePrefs(prefs)]
    file = 'user.js'
    const userJs = await readBoundedFileIfPresent(path.join(dir, 'user.js'), MAX_PREFS_BYTES)
    if (userJs !== null) files.push(parsePrefs(userJs))
    return {accounts: readAccounts(files), state: 'ok', problem: null}
  } catch (error) {
    if (error instanceof PrefsSyntaxError) return {accounts: null, state: 'unreadable', problem: `${file} cannot be read: ${error.message}`}
    if (error instanceof FileRefused) return {accounts: null, state: 'unreadable', problem: `${file} cannot be read: it ${error.what}`}
    throw error
  }
}

export interface DiscoveryOptions extends RootContext {
  probe?: LockProbe
}

/** Describe one profile folder, whether or not any profiles.ini lists it (`--profile DIR`). */
export async function describeProfile(
  dir: string,
  details: {name: string; root: ProfileRoot; isDefault: boolean},
  options: DiscoveryOptions,
): Promise<ThunderbirdProfile> {
  const compatibility = parseCompatibility((await readText(path.join(dir, 'compatibility.ini'))) ?? '')
  const database = (await exists(path.join(dir, 'cert9.db'))) ? 'sql' : (await exists(path.join(dir, 'cert8.db'))) ? 'dbm' : 'none'
  const {accounts, state, problem} = await readAccountsOf(dir)
  const lock = await profileLockState(dir, {platform: options.platform, sandboxed: details.root.sandboxed, probe: options.probe})
  return {...details, dir, ...compatibility, database, accounts, prefsState: state, prefsProblem: problem, lock}
}

export async function discoverProfiles(options: DiscoveryOptions): Promise<ThunderbirdProfile[]> {
  const api = options.platform === 'win32' ? path.win32 : path.posix
  const profiles: ThunderbirdProfile[] = []
  const seen = new Set<string>()
  for (const pattern of profileRoots(options)) {
    for (const root of await expandRoot(pattern, api)) {
      const profilesIni = await readText(api.join(root.dir, 'profiles.ini'))
      if (profilesIni === null) continue
      const entries = listProfiles(root.dir, profilesIni, await readText(api.join(root.dir, 'installs.ini')), api)
      const defaults = new Set(defaultProfiles(entries).map((entry) => entry.path))
      for (const entry of entries) {
        if (seen.has(entry.path) || !(await exists(entry.path))) continue
        seen.add(entry.path)
        profiles.push(await describeProfile(entry.path, {name: entry.name, root, isDefault: defaults.has(entry.path)}, options))
      }
    }
  }
  return profiles
}
