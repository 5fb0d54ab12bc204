/**
 * Changing a user's file safely: a backup copy first, then the new content written to a temporary
 * file in the same folder, flushed, and renamed over the original, so that a crash leaves either
 * the old file or the new one, never half of each. The original's permissions are kept. The
 * temporary file is named for the process that writes it, so that what a killed run left can be
 * told from what a running one is writing, and removed.
 */
import {constants} from 'node:fs'
import {copyFile, open, readdir, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {isProcessAlive} from './processes.js'

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

/** Where this process writes the new content of `path` before it takes the file's place. */
export function temporaryFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.mailcert-${process.pid}.tmp`)
}

/** Remove the temporary files that killed runs left beside `path` (those of processes still running stay). */
export async function removeAbandonedTemporaries(path: string): Promise<void> {
  const prefix = `.${basename(path)}.mailcert-`
  const names = await readdir(dirname(path)).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const pid = Number(name.slice(prefix.length, -'.tmp'.length))
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue
    await rm(join(dirname(path), name), {force: true}).catch(() => undefined)
  }
}

export async function writeFileAtomic(path: string, content: Buffer | string): Promise<void> {
  const mode = await stat(path).then(
    (info) => info.mode & 0o7777,
    () => 0o600,
  )
  const temporary = temporaryFor(path)
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
