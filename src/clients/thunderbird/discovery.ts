/**
 * Every Thunderbird profile on the machine, with what mailcert needs to know about each: where it
 * is, which Thunderbird last used it, its accounts and identities with their S/MIME settings,
 * whether it has an NSS database, and whether Thunderbird is running on it right now.
 */
import {access, readdir, stat} from 'node:fs/promises'
import path from 'node:path'

import {readBoundedFile, readBoundedFileIfPresent} from '../../system/bounded-read.js'
import {settleHeadlessRun} from './headless.js'
import {type AccountModel, readAccounts} from './accounts.js'
import {type LockCheck, type LockProbe, type LockState, profileLockState} from './profile-lock.js'
import {type ProfileRoot, profileRoots, type RootContext} from './profile-roots.js'
import {defaultProfiles, listProfiles, parseIni} from './profiles-ini.js'
import {MAX_PREFS_BYTES, parsePrefs, type PrefsFile, PrefsSyntaxError} from './prefs-js.js'
import {contentFailure, type PrefsFailure, type PrefsFileName, prefsProblemText, readFailure, repairHints} from './prefs-problem.js'

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
  /**
   * `missing`: a profile Thunderbird never ran (its first start leaves such a spare one); `unreadable`:
   * prefs.js or user.js cannot be read (damaged, empty, a folder, no permission).
   */
  prefsState: 'ok' | 'missing' | 'unreadable'
  /** For `unreadable`: "prefs.js in DIR cannot be read: WHY"; for `missing`: that it was never used. */
  prefsProblem: string | null
  /** For `unreadable`: what to do, most useful first. Empty otherwise. */
  prefsHints: string[]
  lock: LockState
  /** How `lock` was found out, to find it out again right before prefs.js is written (prefs-edit.ts). */
  lockCheck: LockCheck
}


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

export interface PrefsReading {
  accounts: AccountModel | null
  state: ThunderbirdProfile['prefsState']
  problem: string | null
  /** What to do about an unreadable prefs.js or user.js; empty otherwise. */
  hints: string[]
}

const NEVER_USED = 'Thunderbird has never run with this profile (it has no prefs.js)'

/** The newest backup mailcert kept of prefs.js that can itself be read. */
async function readableBackup(dir: string): Promise<string | null> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((name) => /^prefs\.js\.mailcert-.+\.bak$/.test(name))
  const dated = await Promise.all(names.map(async (name) => ({file: path.join(dir, name), time: (await stat(path.join(dir, name)).catch(() => null))?.mtimeMs ?? 0})))
  for (const {file} of dated.sort((a, b) => b.time - a.time)) {
    const bytes = await readBoundedFile(file, MAX_PREFS_BYTES).catch(() => null)
    if (bytes === null || bytes.length === 0) continue
    try {
      parsePrefs(bytes)
      return file
    } catch {
      // A copy of an already damaged file is no way back.
    }
  }
  return null
}

async function unreadable(dir: string, file: PrefsFileName, failure: PrefsFailure, platform: NodeJS.Platform): Promise<PrefsReading> {
  const context = {dir, file, platform, backup: file === 'prefs.js' ? await readableBackup(dir) : null, hasInvalidPrefs: await exists(path.join(dir, 'Invalidprefs.js'))}
  return {accounts: null, state: 'unreadable', problem: prefsProblemText(dir, file, failure), hints: repairHints(failure, context)}
}

function parsed(bytes: Buffer): {file: PrefsFile} | {failure: PrefsFailure} {
  try {
    return {file: parsePrefs(bytes)}
  } catch (error) {
    if (error instanceof PrefsSyntaxError) return {failure: contentFailure(bytes, error)}
    throw error
  }
}

export async function readAccountsOf(dir: string, platform: NodeJS.Platform = 'linux'): Promise<PrefsReading> {
  let prefs: Buffer | null
  try {
    prefs = await readBoundedFileIfPresent(path.join(dir, 'prefs.js'), MAX_PREFS_BYTES)
  } catch (error) {
    return unreadable(dir, 'prefs.js', readFailure(error), platform)
  }
  if (prefs === null) return {accounts: null, state: 'missing', problem: NEVER_USED, hints: []}
  if (prefs.length === 0) return unreadable(dir, 'prefs.js', contentFailure(prefs, null), platform)
  const main = parsed(prefs)
  if ('failure' in main) return unreadable(dir, 'prefs.js', main.failure, platform)

  const files = [main.file]
  let userJs: Buffer | null
  try {
    userJs = await readBoundedFileIfPresent(path.join(dir, 'user.js'), MAX_PREFS_BYTES)
  } catch (error) {
    return unreadable(dir, 'user.js', readFailure(error), platform)
  }
  if (userJs !== null) {
    // An empty user.js is normal: people create one to add settings later.
    const overrides = parsed(userJs)
    if ('failure' in overrides) return unreadable(dir, 'user.js', overrides.failure, platform)
    files.push(overrides.file)
  }
  return {accounts: readAccounts(files), state: 'ok', problem: null, hints: []}
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
  // A headless run that a killed mailcert left here is put right first (its Thunderbird stopped, its prefs gone).
  await settleHeadlessRun(dir)
  const compatibility = parseCompatibility((await readText(path.join(dir, 'compatibility.ini'))) ?? '')
  const database = (await exists(path.join(dir, 'cert9.db'))) ? 'sql' : (await exists(path.join(dir, 'cert8.db'))) ? 'dbm' : 'none'
  const {accounts, state, problem, hints} = await readAccountsOf(dir, options.platform)
  const lockCheck: LockCheck = {platform: options.platform, probe: options.probe, systemRoot: options.systemRoot}
  const lock = await profileLockState(dir, {...lockCheck, sandboxed: details.root.sandboxed})
  return {...details, dir, ...compatibility, database, accounts, prefsState: state, prefsProblem: problem, prefsHints: hints, lock, lockCheck}
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
