/**
 * What a mailcert run that was killed (SIGKILL, a crash, a power cut) leaves behind, and its removal
 * by a later run: the private temporary folders that held secrets, and the temporary files of atomic
 * writes. Only what is provably mailcert's and provably orphaned goes: our name pattern, our user,
 * a marker naming the owning process, and that process gone.
 */
import {lstat, readdir, rm, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {readBoundedFile} from './bounded-read.js'
import {isProcessAlive, pidNamespace, processStartTime} from './processes.js'

/** `mailcert-<pid>-XXXXXX`: the owner's PID in the name, mkdtemp's six characters after it. */
export const SECRET_FOLDER_PREFIX = 'mailcert-'
const SECRET_FOLDER = /^mailcert-(\d+)-[A-Za-z0-9]{6}$/
/** In each secret folder: who made it. A folder without one is never touched. */
export const OWNER_MARKER = '.mailcert-owner'

interface OwnerStamp {
  pid: number
  /** The owner's start time (Linux), so that a later process with the same PID is not taken for it. */
  started: number | null
  pidNamespace: string | null
}

/** Write the marker that says process `pid` (this one, but for tests) owns `folder`. */
export async function markAsOurs(folder: string, pid = process.pid): Promise<void> {
  const stamp: OwnerStamp = {pid, started: await processStartTime(pid), pidNamespace: await pidNamespace()}
  await writeFile(join(folder, OWNER_MARKER), `${JSON.stringify(stamp)}\n`, {mode: 0o600, flag: 'wx'})
}

/** Same user (where the platform has users). */
function isMine(uid: number): boolean {
  return process.getuid === undefined || uid === process.getuid()
}

async function ownerIsGone(stamp: OwnerStamp): Promise<boolean> {
  // A PID from another container's namespace says nothing about processes here: leave it alone.
  if (stamp.pidNamespace !== (await pidNamespace())) return false
  if (!isProcessAlive(stamp.pid)) return true
  if (stamp.started === null) return false
  const started = await processStartTime(stamp.pid)
  // Null: a zombie (it has ended), or no /proc after all; a different time: the PID was reused.
  return started !== stamp.started
}

async function readStamp(folder: string, pid: number): Promise<OwnerStamp | null> {
  const marker = join(folder, OWNER_MARKER)
  const info = await lstat(marker).catch(() => null)
  if (!info?.isFile() || !isMine(info.uid) || info.size > 1024) return null
  try {
    const stamp = JSON.parse((await readBoundedFile(marker, 1024)).toString('utf8')) as Partial<OwnerStamp>
    if (stamp.pid !== pid || (typeof stamp.started !== 'number' && stamp.started !== null)) return null
    return {pid, started: stamp.started, pidNamespace: typeof stamp.pidNamespace === 'string' ? stamp.pidNamespace : null}
  } catch {
    return null
  }
}

/**
 * Remove the secret folders in `parent` (the temporary folder) whose owning run has ended without
 * removing them. Returns the folders removed. Never fails: this is housekeeping.
 */
export async function removeOrphanedSecretFolders(parent: string): Promise<string[]> {
  const removed: string[] = []
  const names = await readdir(parent).catch(() => [] as string[])
  for (const name of names) {
    const match = SECRET_FOLDER.exec(name)
    if (!match) continue
    const pid = Number(match[1])
    if (pid === process.pid) continue
    const folder = join(parent, name)
    const info = await lstat(folder).catch(() => null)
    if (!info?.isDirectory() || !isMine(info.uid)) continue
    const stamp = await readStamp(folder, pid)
    if (!stamp || !(await ownerIsGone(stamp))) continue
    await rm(folder, {recursive: true, force: true}).then(
      () => removed.push(folder),
      () => undefined,
    )
  }
  return removed
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** `.<name>.mailcert-<pid>.tmp`: the temporary file of an atomic write of `path` by process `pid`. */
export function atomicTemporaryName(path: string, pid = process.pid): string {
  return join(dirname(path), `.${basename(path)}.mailcert-${pid}.tmp`)
}

/**
 * Remove the temporary files that atomic writes of `path` by runs that have ended left next to it
 * (a kill between writing and renaming). Returns the files removed. Never fails.
 */
export async function removeOrphanedTemporaries(path: string): Promise<string[]> {
  const pattern = new RegExp(`^\\.${escapeRegExp(basename(path))}\\.mailcert-(\\d+)\\.tmp$`)
  const removed: string[] = []
  const names = await readdir(dirname(path)).catch(() => [] as string[])
  for (const name of names) {
    const match = pattern.exec(name)
    if (!match) continue
    const pid = Number(match[1])
    if (pid === process.pid || isProcessAlive(pid)) continue
    const file = join(dirname(path), name)
    const info = await lstat(file).catch(() => null)
    if (!info?.isFile() || !isMine(info.uid)) continue
    await rm(file, {force: true}).then(
      () => removed.push(file),
      () => undefined,
    )
  }
  return removed
}
