/**
 * Thunderbird's `profiles.ini` and `installs.ini`, read the way Gecko reads them.
 *
 * The INI dialect is `nsINIParser::InitFromString`: a UTF-8 or UTF-16LE byte order mark is skipped; lines end at
 * \r or \n and empty lines vanish; a line whose very first character is `#` or `;` is a comment; leading spaces
 * and tabs are dropped; `[Name]` starts a section (text after `]` other than blanks makes it malformed, and the
 * lines under a malformed header are ignored, but an unclosed `[Name` is accepted); `key=value` splits at the
 * first `=`, keeps everything else as it is (no trimming) and a repeated key overwrites; a repeated section adds
 * to the earlier one. Lines without `=` and lines outside any section are ignored.
 *
 * The profile list is `nsToolkitProfileService::Init`: `[Profile0]`, `[Profile1]`, … are read in order until the
 * first number without an `IsRelative` key; a profile without `Path` or `Name`, or whose path is unusable, is
 * skipped. `IsRelative=1` paths are relative to the root with `/` separators. The profile that an install starts
 * is the one whose descriptor (its path as Gecko would write it: relative when inside the root) equals the
 * install section's `Default` string. `installs.ini` (bare `[<hash>]` sections) is only a backup that Gecko
 * merges in when profiles.ini lacks `[General] Version`, i.e. when an older Gecko rewrote it.
 */
import type {posix, win32} from 'node:path'

export type PathApi = typeof posix | typeof win32

export interface IniSection {
  name: string
  entries: ReadonlyMap<string, string>
}

export interface ProfileEntry {
  /** The section it came from, for example `Profile0`. */
  section: string
  name: string
  /** Absolute path of the profile folder. */
  path: string
  /** The `Path` value as Gecko would write it now; what an install section's `Default` names. */
  descriptor: string
  /** `IsRelative=1` in the file. */
  isRelative: boolean
  /** `Default=1`: the default of Gecko before 67 and of builds without dedicated profiles (Snap). */
  legacyDefault: boolean
  /** Some install section's `Default` names this profile. */
  installDefault: boolean
  /** An install section that names it also says `Locked=1`. */
  locked: boolean
  /** The hashes of the installs whose default it is. */
  installs: string[]
}

const INSTALL_PREFIX = 'Install'

function decodeIniBytes(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8')
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le')
  return bytes.toString('utf8')
}

function decodeIni(text: string | Buffer): string {
  if (typeof text !== 'string') return decodeIniBytes(text)
  return text.startsWith('\uFEFF') ? text.slice(1) : text
}

/**
 * The section name of a header line, or null when Gecko would treat the header as malformed. Gecko's tokenizer
 * skips `]`s right after `[` when looking for the closing one but keeps them in the name, which makes the name
 * unusable (see {@link isStorable}).
 */
function sectionHeader(line: string): string | null {
  const rest = line.slice(1)
  const firstNonBracket = rest.search(/[^\]]/)
  if (firstNonBracket < 0) return null
  const close = rest.indexOf(']', firstNonBracket)
  if (close < 0) return rest
  return /[^ \t]/.test(rest.slice(close + 1)) ? null : rest.slice(0, close)
}

/** Gecko's `IsValidSection`/`IsValidKey`: such names are refused when stored, so their lines are lost. */
function isStorable(section: string, key: string): boolean {
  return !/[[\]]/.test(section) && key !== ''
}

export function parseIni(text: string | Buffer): IniSection[] {
  const sections = new Map<string, Map<string, string>>()
  let current: string | null = null
  for (const rawLine of decodeIni(text).split(/[\r\n]+/)) {
    if (rawLine.startsWith('#') || rawLine.startsWith(';')) continue
    const line = rawLine.replace(/^[ \t]+/, '')
    if (line === '') continue
    if (line.startsWith('[')) {
      current = sectionHeader(line)
      continue
    }
    // Gecko's tokenizer skips any `=` at the start of the line before looking for the separator.
    const keyAndValue = line.replace(/^=+/, '')
    const equals = keyAndValue.indexOf('=')
    if (current === null || equals < 0) continue
    const key = keyAndValue.slice(0, equals)
    if (!isStorable(current, key)) continue
    const entries = sections.get(current) ?? new Map<string, string>()
    entries.set(key, keyAndValue.slice(equals + 1))
    sections.set(current, entries)
  }
  return Array.from(sections, ([name, entries]) => ({name, entries}))
}

function iniValue(sections: readonly IniSection[], section: string, key: string): string | undefined {
  return sections.find((candidate) => candidate.name === section)?.entries.get(key)
}

interface InstallDefault {
  hash: string
  descriptor: string
  locked: boolean
}

/** The install sections Gecko ends up with: profiles.ini's own, or installs.ini's when profiles.ini is old. */
function installDefaults(profiles: readonly IniSection[], installsIni: string | Buffer | null): InstallDefault[] {
  const sections = new Map<string, Map<string, string>>()
  for (const section of profiles) {
    if (section.name.startsWith(INSTALL_PREFIX)) sections.set(section.name.slice(INSTALL_PREFIX.length), new Map(section.entries))
  }
  if (iniValue(profiles, 'General', 'Version') === undefined && installsIni !== null) {
    for (const section of parseIni(installsIni)) {
      const merged = sections.get(section.name) ?? new Map<string, string>()
      for (const [key, value] of section.entries) merged.set(key, value)
      sections.set(section.name, merged)
    }
  }
  return Array.from(sections).flatMap(([hash, entries]) => {
    const descriptor = entries.get('Default')
    return descriptor === undefined ? [] : [{hash, descriptor, locked: entries.get('Locked') === '1'}]
  })
}

/** Gecko's `nsIFile::Contains`: strictly inside, compared as the platform compares paths. */
function relativeInside(root: string, target: string, path: PathApi): string | null {
  const relative = path.relative(root, target)
  if (relative === '' || path.isAbsolute(relative) || relative === '..' || relative.startsWith(`..${path.sep}`)) return null
  return relative
}

function absoluteProfilePath(root: string, pathValue: string, isRelative: boolean, path: PathApi): string | null {
  if (isRelative) return path.join(root, ...pathValue.split('/'))
  return path.isAbsolute(pathValue) ? path.normalize(pathValue) : null
}

/** `GetProfileDescriptor`: a `/`-separated relative path inside the root, otherwise the absolute path. */
function profileDescriptor(root: string, absolutePath: string, pathValue: string, path: PathApi): string {
  const relative = relativeInside(root, absolutePath, path)
  if (relative !== null) return relative.split(path.sep).join('/')
  return path.isAbsolute(pathValue) ? pathValue : absolutePath
}

/** What one [ProfileN] section says; the install sections add the rest of a ProfileEntry. */
type ProfileSection = Omit<ProfileEntry, 'installDefault' | 'locked' | 'installs'>

function readProfileSection(sections: readonly IniSection[], section: string, root: string, path: PathApi): ProfileSection | null {
  const value = (key: string): string | undefined => iniValue(sections, section, key)
  const isRelative = value('IsRelative') === '1'
  const pathValue = value('Path')
  const name = value('Name')
  if (pathValue === undefined || name === undefined) return null
  const absolutePath = absoluteProfilePath(root, pathValue, isRelative, path)
  if (absolutePath === null) return null
  return {
    section,
    name,
    path: absolutePath,
    descriptor: profileDescriptor(root, absolutePath, pathValue, path),
    isRelative,
    legacyDefault: value('Default') === '1',
  }
}

/**
 * The profiles Gecko lists from `profiles.ini` (and `installs.ini`, or null when absent) in the profile root
 * `root`. `path` is `node:path`'s `posix` or `win32`, for the platform the files come from.
 */
export function listProfiles(
  root: string,
  profilesIni: string | Buffer,
  installsIni: string | Buffer | null,
  path: PathApi,
): ProfileEntry[] {
  const sections = parseIni(profilesIni)
  const profiles: ProfileSection[] = []
  for (let number = 0; iniValue(sections, `Profile${number}`, 'IsRelative') !== undefined; number++) {
    const profile = readProfileSection(sections, `Profile${number}`, path.normalize(root), path)
    if (profile) profiles.push(profile)
  }

  const installs = installDefaults(sections, installsIni)
  return profiles.map((profile, index) => {
    // Gecko takes the first profile with a matching descriptor for each install.
    const own = installs.filter((install) => profiles.findIndex((candidate) => candidate.descriptor === install.descriptor) === index)
    return {
      ...profile,
      installDefault: own.length > 0,
      locked: own.some((install) => install.locked),
      installs: own.map((install) => install.hash),
    }
  })
}

/**
 * The profiles a user would call "my Thunderbird profile" (thunderbird-nss.md §1.2): every install's dedicated
 * default; without any, the `Default=1` profile (the last one, as Gecko keeps the last); else the only profile.
 */
export function defaultProfiles(entries: readonly ProfileEntry[]): ProfileEntry[] {
  const dedicated = entries.filter((entry) => entry.installDefault)
  if (dedicated.length > 0) return dedicated
  const legacy = entries.findLast((entry) => entry.legacyDefault)
  if (legacy) return [legacy]
  return entries.length === 1 ? [...entries] : []
}
