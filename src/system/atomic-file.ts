/**
 * Changing a user's file safely: a backup copy first, then the new content written to a temporary
 * file in the same folder, flushed, and renamed over the original, so that a crash leaves either
 * the old file or the new one, never half of each. The original's permissions are kept. The
 * temporary files that killed runs left next to the file are removed first (leftovers.ts).
 */
import {constants} from 'node:fs'
import {copyFile, open, readdir, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {atomicTemporaryName, removeOrphanedTemporaries} from './leftovers.js'

function timestamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
}

/** Copy `path` to `<path>.mailcert-<time>.bak` (never overwriting an older backup) and return the copy's path. */
export async function backupFile(path: string, now = new Date()): Promise<string> {
  const base = `${path}.mailcert-${timestamp(now)}`
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? `${base}.bak` : `${base}-${n}.bak`
    try {
      await copyFile(path, candidate, constants.COPYFILE_EXCL)
      return candidate
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
}

/** The backups `backupFile` made of `path`, oldest first (by the time in their names, then their number). */
export async function backupsOf(path: string): Promise<string[]> {
  const pattern = new RegExp(`^${basename(path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.mailcert-(\\d{8}T\\d{6}Z)(?:-(\\d+))?\\.bak$`)
  const found = (await readdir(dirname(path)).catch(() => [] as string[]))
    .map((name) => ({name, match: pattern.exec(name)}))
    .filter((entry): entry is {name: string; match: RegExpExecArray} => entry.match !== null)
    .map(({name, match}) => ({name, time: match[1], n: Number(match[2] ?? 0)}))
  found.sort((a, b) => (a.time === b.time ? a.n - b.n : a.time < b.time ? -1 : 1))
  return found.map((entry) => join(dirname(path), entry.name))
}

/**
 * Keep two backups of `path`: the first one (the file as it was before mailcert ever changed it)
 * and the newest (before this change). The ones in between hold only mailcert's own earlier
 * states. Returns the first.
 */
export async function keepFirstAndLatestBackups(path: string): Promise<string | null> {
  const all = await backupsOf(path)
  for (const middle of all.slice(1, -1)) await rm(middle, {force: true})
  return all[0] ?? null
}

/** A file that exists keeps its mode; a new one gets `newFileMode` (0600 unless said: most of what mailcert writes is private). */
export async function writeFileAtomic(path: string, content: Buffer | string, newFileMode = 0o600): Promise<void> {
  const mode = await stat(path).then(
    (info) => info.mode & 0o7777,
    () => newFileMode,
  )
  await removeOrphanedTemporaries(path)
  const temporary = atomicTemporaryName(path)
  await rm(temporary, {force: true})
  const handle = await open(temporary, 'wx', mode)
  try {
    // open()'s mode is filtered by the umask; the original's exact permissions are wanted.
    await handle.chmod(mode)
    await handle.writeFile(content)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temporary, {force: true})
    throw error
  }
  await handle.close()
  try {
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, {force: true})
    throw error
  }
  // Make the rename itself durable. Not every platform can open a folder (Windows cannot).
  const folder = await open(dirname(path), 'r').catch(() => null)
  if (folder) {
    await folder.sync().catch(() => undefined)
    await folder.close()
  }
}
