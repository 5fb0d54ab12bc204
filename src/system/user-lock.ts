/**
 * One mailcert at a time may change a user's stores and mail clients. The lock is a file in
 * mailcert's data folder naming the process that holds it. It comes into being whole: written to a
 * file of this process's own and linked into place, which fails when the lock exists, so no one
 * ever reads a lock half-written. It is taken over when the process it names is gone (killed, or
 * the machine went down), or when that process id now belongs to a process started after the lock.
 */
import {link, mkdir, open, readFile, rename, rm} from 'node:fs/promises'
import {uptime} from 'node:os'
import path from 'node:path'

import {ExitCode, UserError} from '../errors.js'
import {atomicTemporaryName, removeOrphanedTemporaries} from './leftovers.js'
import {isProcessAlive, processStartTime} from './processes.js'

export interface LockHolder {
  pid: number
  /** What it is doing, in a few words ("install", "remove"). */
  command: string
  startedAt: string
}

export interface UserLock {
  readonly path: string
  release(): Promise<void>
}

export interface LockOptions {
  command: string
  /** How long to wait for another mailcert to finish before giving up (exit 6). */
  waitMs: number
  /** Called once when the lock is held by another live mailcert and this one starts waiting. */
  onWait?(holder: LockHolder): void
  pollMs?: number
}

export function lockPath(dataDir: string): string {
  return path.join(dataDir, 'lock')
}

/** Clocks are read at different moments and rounded: differences smaller than this mean nothing. */
const CLOCK_SLACK_MS = 5_000

/**
 * Whether the process a lock names still holds it: it exists, it was not started after the lock
 * was taken (a pid reused after a crash), and the machine was not restarted since.
 */
async function holderAlive(holder: LockHolder): Promise<boolean> {
  if (!isProcessAlive(holder.pid)) return false
  const lockedAt = Date.parse(holder.startedAt)
  if (Number.isNaN(lockedAt)) return true
  const bootedAt = Date.now() - uptime() * 1000
  if (lockedAt < bootedAt - CLOCK_SLACK_MS) return false
  const started = await processStartTime(holder.pid)
  return started === null || started <= lockedAt + CLOCK_SLACK_MS
}

async function readHolder(file: string): Promise<{text: string; holder: LockHolder | null} | null> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    const holder = JSON.parse(text) as Partial<LockHolder>
    if (typeof holder.pid === 'number' && typeof holder.startedAt === 'string') return {text, holder: {command: 'unknown', ...holder} as LockHolder}
  } catch {
    // Not JSON: see below.
  }
  // Locks are linked into place whole, so this is damage (a disk that filled up, a machine that
  // went down before the file reached the disk, an older mailcert's lock): nobody holds it.
  return {text, holder: null}
}

async function tryCreate(file: string, text: string): Promise<boolean> {
  const temporary = atomicTemporaryName(file)
  await rm(temporary, {force: true})
  const handle = await open(temporary, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(text)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await link(temporary, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  } finally {
    await rm(temporary, {force: true})
  }
}

/**
 * Move a dead holder's lock aside. Renaming is atomic, so of two runs that both found it dead only
 * one moves it; the other finds the file gone. Should the file moved turn out to be a new lock
 * (another run took over in between), it goes back, without replacing one that a third run made
 * meanwhile (that needs three runs and a dead holder within the same few milliseconds).
 */
async function removeStale(file: string, staleText: string): Promise<void> {
  const aside = `${file}.stale-${process.pid}`
  try {
    await rename(file, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  const moved = await readFile(aside, 'utf8').catch(() => staleText)
  if (moved !== staleText) await link(aside, file).catch(() => undefined)
  await rm(aside, {force: true})
}

function busy(holder: LockHolder, waitMs: number): UserError {
  return new UserError(
    `Another mailcert (process ${holder.pid}, ${holder.command}, started ${holder.startedAt}) is changing this user's certificates and mail settings, so nothing was changed.`,
    {
      code: 'mailcert-running',
      exitCode: ExitCode.busy,
      hints: [`Let it finish and run this again, or wait longer with --lock-wait SECONDS (waited ${Math.round(waitMs / 1000)} s).`],
    },
  )
}

export async function acquireUserLock(dataDir: string, options: LockOptions): Promise<UserLock> {
  const file = lockPath(dataDir)
  await mkdir(dataDir, {recursive: true, mode: 0o700})
  await removeOrphanedTemporaries(file)
  const me: LockHolder = {pid: process.pid, command: options.command, startedAt: new Date().toISOString()}
  const text = JSON.stringify(me)
  const deadline = Date.now() + options.waitMs
  let waiting = false
  for (;;) {
    if (await tryCreate(file, text)) break
    const found = await readHolder(file)
    if (found === null) continue
    if (found.holder === null || found.holder.pid === process.pid || !(await holderAlive(found.holder))) {
      await removeStale(file, found.text)
      continue
    }
    if (Date.now() >= deadline) throw busy(found.holder, options.waitMs)
    if (!waiting) options.onWait?.(found.holder)
    waiting = true
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250))
  }
  return {
    path: file,
    async release() {
      const current = await readHolder(file).catch(() => null)
      if (current?.text === text) await rm(file, {force: true})
    },
  }
}
