/**
 * The one door to "which machine is this": the operating system, the user's home and app-data
 * folders, and where system programs and files live. Everything else asks here instead of reading
 * `process.platform` or the environment itself.
 *
 * Two test-only variables let the test suite, on Linux, plan and act as on another system:
 * `MAILCERT_PLATFORM=darwin|win32|linux` sets the OS mailcert believes it runs on, and
 * `MAILCERT_SYSTEM_ROOT=DIR` makes every system program and file that mailcert names by absolute
 * path (`/usr/bin/security`, `/System/Applications/Mail.app/...`, `/etc/pki/nssdb`) resolve under DIR.
 * The user's own files stay under the HOME (or USERPROFILE / APPDATA) that the test sets.
 */
import path from 'node:path'

export type OperatingSystem = 'linux' | 'macos' | 'windows'

export interface Machine {
  /** The Node name of the OS mailcert acts for (`process.platform`, or MAILCERT_PLATFORM in tests). */
  platform: NodeJS.Platform
  os: OperatingSystem
  home: string
  env: NodeJS.ProcessEnv
  /** '/' on a real machine; a test's stand-in for the system's own folders. */
  systemRoot: string
}

const PLATFORMS: Record<string, NodeJS.Platform> = {linux: 'linux', darwin: 'darwin', win32: 'win32'}

export function osOf(platform: NodeJS.Platform): OperatingSystem {
  if (platform === 'win32') return 'windows'
  if (platform === 'darwin') return 'macos'
  return 'linux'
}

/** The OS Node itself runs on, whatever a test asks mailcert to act as (for calls only that OS has). */
export function hostPlatform(): NodeJS.Platform {
  return process.platform
}

/** The machine mailcert acts on: the real one, or the one a test describes with MAILCERT_PLATFORM and MAILCERT_SYSTEM_ROOT. */
export function currentMachine(home: string, env: NodeJS.ProcessEnv = process.env): Machine {
  const platform = PLATFORMS[env.MAILCERT_PLATFORM ?? ''] ?? process.platform
  const systemRoot = env.MAILCERT_SYSTEM_ROOT ? path.resolve(env.MAILCERT_SYSTEM_ROOT) : '/'
  return {platform, os: osOf(platform), home, env, systemRoot}
}

/** A machine for code and tests that describe one directly (no system root). */
export function machineFor(options: {platform: NodeJS.Platform; home: string; env: NodeJS.ProcessEnv; systemRoot?: string}): Machine {
  return {...options, os: osOf(options.platform), systemRoot: options.systemRoot ?? '/'}
}

/** Where a system program or file named by its absolute path is on this machine (under the test's root, in tests). */
export function systemPath(machine: Pick<Machine, 'systemRoot'>, absolute: string): string {
  if (machine.systemRoot === '/' || machine.systemRoot === '') return absolute
  // A Windows path (C:\Program Files\...) goes under the root without its drive letter.
  const relative = absolute.replace(/^[A-Za-z]:[\\/]/, '').replace(/^[\\/]+/, '')
  return path.join(machine.systemRoot, ...relative.split(/[\\/]/))
}

/** The user's roaming application-data folder on Windows (%APPDATA%), else null. */
export function appDataDir(machine: Machine): string | null {
  if (machine.os !== 'windows') return null
  return machine.env.APPDATA ?? path.win32.join(machine.home, 'AppData', 'Roaming')
}

/** $XDG_CONFIG_HOME, or ~/.config. */
export function configHome(machine: Pick<Machine, 'home' | 'env'>): string {
  return machine.env.XDG_CONFIG_HOME || path.join(machine.home, '.config')
}

/** $XDG_DATA_HOME, or ~/.local/share. */
export function dataHome(machine: Pick<Machine, 'home' | 'env'>): string {
  return machine.env.XDG_DATA_HOME || path.join(machine.home, '.local', 'share')
}

/** A path under `base` in base's own form: a Windows home is joined the Windows way even when a test on Linux acts as Windows with a POSIX home. */
function under(base: string, ...parts: string[]): string {
  return (/^[A-Za-z]:[\\/]|^\\\\/.test(base) ? path.win32 : path.posix).join(base, ...parts)
}

/**
 * Where mailcert keeps the log of runs that have no terminal: Linux `$XDG_STATE_HOME/mailcert`
 * (~/.local/state/mailcert), macOS `~/Library/Logs/mailcert` (where Console looks),
 * Windows `%LOCALAPPDATA%\mailcert\Logs` (local: a log is of this machine, not of a roaming user).
 * A relative XDG_STATE_HOME or LOCALAPPDATA is ignored, as the XDG spec says for its variables.
 */
export function logDir(machine: Pick<Machine, 'os' | 'home' | 'env'>): string {
  if (machine.os === 'macos') return under(machine.home, 'Library', 'Logs', 'mailcert')
  if (machine.os === 'windows') {
    const local = machine.env.LOCALAPPDATA
    const base = local && (path.win32.isAbsolute(local) || path.posix.isAbsolute(local)) ? local : under(machine.home, 'AppData', 'Local')
    return under(base, 'mailcert', 'Logs')
  }
  const state = machine.env.XDG_STATE_HOME
  return path.posix.join(state && path.posix.isAbsolute(state) ? state : path.posix.join(machine.home, '.local', 'state'), 'mailcert')
}
