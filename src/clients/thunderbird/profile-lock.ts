/**
 * Is Thunderbird running on this profile? Thunderbird rewrites prefs.js from memory when it exits,
 * so changes made while it runs are lost (research/thunderbird-nss.md §1.3–1.4). The lock files
 * outlive a clean exit on every platform, so their existence alone proves nothing:
 * - Linux: `lock` is a symlink to `<ip>:+<pid>`, removed on clean exit; a stale one survives a crash.
 * - macOS: `.parentlock` holds an fcntl lock, which Node cannot query: ask `lsof` who has it open.
 * - Windows: `parent.lock` is opened without sharing while Thunderbird runs: opening it fails.
 */
import {readlink} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import {isProcessAlive, programOf, runningPrograms} from '../../system/processes.js'
import {systemPath} from '../../system/platform.js'
import {runProgram} from '../../system/run-program.js'

export type LockState = {busy: false} | {busy: true; pid?: number; evidence: string}

/** The system calls the decision needs; replaced in tests. */
export interface LockProbe {
  readlink(path: string): Promise<string | null>
  isAlive(pid: number): boolean
  /** The program a process runs (its first argument, exactly), or null when unknown. */
  programOf(pid: number): Promise<string | null>
  /** PIDs that have the file open (`lsof -t`), or null when that cannot be found out. */
  openers(path: string): Promise<number[] | null>
  /** 'busy' when the file cannot be opened because another process holds it. */
  tryOpen(path: string): Promise<'free' | 'busy' | 'missing'>
  thunderbirdProcesses(): Promise<number[]>
}

export function parseLockTarget(target: string): number | null {
  const match = /:\+?(\d+)$/.exec(target)
  return match ? Number(match[1]) : null
}

/** Thunderbird's own executable, not a program that merely mentions it (`mailcert --client thunderbird`). */
export function isThunderbirdProgram(program: string): boolean {
  return /(^|[/\\])thunderbird(-bin)?(\.exe)?$/i.test(program) || /Thunderbird[^/]*\.app\/Contents\/MacOS\/thunderbird$/i.test(program)
}

export async function linuxLockState(profileDir: string, sandboxed: boolean, probe: LockProbe): Promise<LockState> {
  const target = await probe.readlink(join(profileDir, 'lock'))
  if (target === null) return {busy: false}
  const pid = parseLockTarget(target)
  if (sandboxed) {
    // Snap and Flatpak write a PID from their own namespace: look for any Thunderbird instead.
    const running = await probe.thunderbirdProcesses()
    return running.length > 0 ? {busy: true, pid: running[0], evidence: 'a sandboxed Thunderbird is running and the profile is locked'} : {busy: false}
  }
  if (pid === null || !probe.isAlive(pid)) return {busy: false}
  const program = await probe.programOf(pid)
  // A crashed Thunderbird leaves its lock behind, and its PID may since belong to something else.
  if (program !== null && !isThunderbirdProgram(program)) return {busy: false}
  return {busy: true, pid, evidence: `the profile is locked by process ${pid}`}
}

export async function macLockState(profileDir: string, probe: LockProbe): Promise<LockState> {
  const openers = await probe.openers(join(profileDir, '.parentlock'))
  if (openers !== null) return openers.length > 0 ? {busy: true, pid: openers[0], evidence: `process ${openers[0]} holds the profile lock`} : {busy: false}
  const running = await probe.thunderbirdProcesses()
  return running.length > 0 ? {busy: true, pid: running[0], evidence: 'Thunderbird is running'} : {busy: false}
}

export async function windowsLockState(profileDir: string, probe: LockProbe): Promise<LockState> {
  const state = await probe.tryOpen(join(profileDir, 'parent.lock'))
  return state === 'busy' ? {busy: true, evidence: 'parent.lock is held by a running Thunderbird'} : {busy: false}
}

/**
 * lsof, which tells who holds a Mac profile's .parentlock. macOS has it in /usr/sbin, which a PATH
 * need not name (a launchd or MDM job's may not): that one first, under the test's system root,
 * then lsof on PATH (Debian's is /usr/bin/lsof).
 */
async function lsofOpeners(path: string, systemRoot: string): Promise<number[] | null> {
  for (const lsof of [systemPath({systemRoot}, '/usr/sbin/lsof'), 'lsof']) {
    const result = await runProgram(lsof, ['-t', path], {timeoutMs: 10_000})
    if (result.notFound) continue
    if (result.exitCode === undefined) return null
    return result.stdout
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0)
  }
  return null
}

export const systemLockProbe: LockProbe = {
  async readlink(path) {
    try {
      return await readlink(path)
    } catch {
      return null
    }
  },
  isAlive: isProcessAlive,
  programOf,
  openers: (path) => lsofOpeners(path, '/'),
  async tryOpen(path) {
    const {open} = await import('node:fs/promises')
    try {
      const handle = await open(path, 'r+')
      await handle.close()
      return 'free'
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return 'missing'
      return code === 'EBUSY' || code === 'EPERM' || code === 'EACCES' ? 'busy' : 'free'
    }
  },
  async thunderbirdProcesses() {
    return (await runningPrograms()).filter((p) => isThunderbirdProgram(p.program)).map((p) => p.pid)
  },
}

/** The probe that asks this machine, its system programs under `systemRoot` (MAILCERT_SYSTEM_ROOT in tests). */
export function lockProbeFor(systemRoot: string): LockProbe {
  return systemRoot === '/' ? systemLockProbe : {...systemLockProbe, openers: (path) => lsofOpeners(path, systemRoot)}
}

/** How to find out whether Thunderbird runs on a profile: the machine's platform and system root, and the probe (replaced in tests). */
export interface LockCheck {
  platform: NodeJS.Platform
  probe?: LockProbe
  /** Tests only (MAILCERT_SYSTEM_ROOT): where the system's own programs are (macOS's /usr/sbin/lsof). */
  systemRoot?: string
}

export async function profileLockState(profileDir: string, options: LockCheck & {sandboxed: boolean}): Promise<LockState> {
  const probe = options.probe ?? lockProbeFor(options.systemRoot ?? '/')
  if (options.platform === 'win32') return windowsLockState(profileDir, probe)
  if (options.platform === 'darwin') return macLockState(profileDir, probe)
  return linuxLockState(profileDir, options.sandboxed, probe)
}

/** Nothing may change in a profile Thunderbird has open (exit 6). */
export function busyError(profiles: Array<{name: string; dir: string}>): UserError {
  const names = profiles.map((p) => `${p.name} (${p.dir})`).join(', ')
  return new UserError(`Thunderbird is running on ${profiles.length === 1 ? 'the profile' : 'the profiles'} ${names}. Nothing was changed.`, {
    code: 'client-running',
    exitCode: ExitCode.busy,
    // On a Mac, closing the last window leaves Thunderbird running.
    hints: ['Close Thunderbird (all its windows; on a Mac, quit it with Thunderbird > Quit Thunderbird) and run mailcert again: Thunderbird rewrites its settings when it exits, so changes made while it runs would be lost.'],
  })
}
