/**
 * One mailcert at a time may change a user's stores and mail clients. The lock is a file in
 * mailcert's data folder naming the process that holds it; it is taken with an exclusive create,
 * and taken over when the process it names is gone (killed, or the machine went down).
 */
import {mkdir, open, readFile, rename, rm} from 'node:fs/promises'
import path from 'node:path'

import {ExitCode, UserError} from '../errors.js'
import {isProcessAlive} from './processes.js'

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

async function readHolder(file: string): Promise<{text: string; holder: LockHolder | null} | null> {
  try {
    const text = await readFile(file, 'utf8')
    try {
      return {text, holder: JSON.parse(text) as LockHolder}
    } catch {
      // Half-written by a process killed between create and write: nobody holds it.
      return {text, holder: null}
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

async function tryCreate(file: string, holder: LockHolder): Promise<boolean> {
  let handle
  try {
    handle = await open(file, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
  try {
    await handle.writeFile(JSON.stringify(holder))
    await handle.sync()
  } finally {
    await handle.close()
  }
  return true
}

/**
 * Move a dead holder's lock aside. Renaming is atomic, so of two runs that both found it dead only
 * one moves it; the other finds the file gone (or, in the rare race with a run that already took
 * the lock anew, a live holder, and puts that one back).
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
  if (moved !== staleText) await rename(aside, file).catch(() => undefined)
  else await rm(aside, {force: true})
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
  const me: LockHolder = {pid: process.pid, command: options.command, startedAt: new Date().toISOString()}
  const deadline = Date.now() + options.waitMs
  let waiting = false
  for (;;) {
    if (await tryCreate(file, me)) break
    const found = await readHolder(file)
    if (found === null) continue
    if (found.holder === null || found.holder.pid === process.pid || !isProcessAlive(found.holder.pid)) {
      await removeStale(file, found.text)
      continue
    }
    if (Date.now() >= deadline) throw busy(found.holder, options.waitMs)
    if (!waiting) options.onWait?.(found.holder)
    waiting = true
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250))
  }
  const text = JSON.stringify(me)
  return {
    path: file,
    async release() {
      const current = await readHolder(file).catch(() => null)
      if (current?.text === text) await rm(file, {force: true})
    },
  }
}
