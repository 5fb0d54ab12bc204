/**
 * Reading a file whose path someone else chose (a password file, a profile's prefs.js) without
 * trusting it to be what its name says: only a regular file is read (after following links), never
 * more than a limit plus one byte, so that `/dev/zero`, a named pipe nobody writes to, or a huge
 * file ends in a clear refusal instead of a hang or a full memory.
 */
import {constants, type Stats} from 'node:fs'
import {lstat, open, readlink, realpath, stat} from 'node:fs/promises'

export const KiB = 1024
export const MiB = 1024 * KiB

/** Why a file was not read. */
export type RefusalReason = 'missing' | 'folder' | 'not-regular' | 'too-large' | 'no-access' | 'unreadable'

export class FileRefused extends Error {
  /** The end of a sentence that starts with the path: "is a device, not a regular file". */
  readonly what: string

  constructor(
    readonly path: string,
    readonly reason: RefusalReason,
    /** What the path is, in words (`a device`), or the system's error code. */
    readonly detail: string,
    readonly limit: number,
    /** Where the path leads, when it is a symbolic link. */
    readonly linkTarget: string | null = null,
  ) {
    const what = describeRefusal(reason, detail, limit)
    const viaLink = linkTarget !== null ? `is a link to ${linkTarget}, which ${what}` : what
    super(`${path} ${viaLink}.`)
    this.name = 'FileRefused'
    this.what = viaLink
  }
}

function describeRefusal(reason: RefusalReason, detail: string, limit: number): string {
  switch (reason) {
    case 'missing':
      return 'does not exist'
    case 'folder':
      return 'is a folder, not a file'
    case 'not-regular':
      return `is ${detail}, not a regular file`
    case 'too-large':
      return `is larger than ${formatSize(limit)}`
    case 'no-access':
      return 'may not be read by this user'
    case 'unreadable':
      return `cannot be read (${detail})`
  }
}

export function formatSize(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`
  return `${bytes} bytes`
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder'
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device'
  if (info.isFIFO()) return 'a named pipe'
  if (info.isSocket()) return 'a socket'
  return 'not a plain file'
}

function refusalOf(path: string, error: unknown, limit: number): FileRefused {
  const code = (error as NodeJS.ErrnoException).code ?? 'error'
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FileRefused(path, 'missing', code, limit)
  if (code === 'EACCES' || code === 'EPERM') return new FileRefused(path, 'no-access', code, limit)
  if (code === 'EISDIR') return new FileRefused(path, 'folder', 'a folder', limit)
  if (code === 'ELOOP') return new FileRefused(path, 'unreadable', 'a loop of links', limit)
  return new FileRefused(path, 'unreadable', code, limit)
}

function checkRegular(path: string, info: Stats, limit: number): void {
  if (info.isDirectory()) throw new FileRefused(path, 'folder', 'a folder', limit)
  if (!info.isFile()) throw new FileRefused(path, 'not-regular', kindOf(info), limit)
  if (info.size > limit) throw new FileRefused(path, 'too-large', String(info.size), limit)
}

/** Where a symbolic link leads (followed to the end), or null for anything that is not a link. */
async function linkTargetOf(path: string): Promise<string | null> {
  const isLink = await lstat(path).then(
    (info) => info.isSymbolicLink(),
    () => false,
  )
  if (!isLink) return null
  return realpath(path).catch(() => readlink(path).catch(() => null))
}

/**
 * The bytes of the regular file at `path`, at most `limit` of them; a `FileRefused` for anything
 * else. The size is checked before opening, and again on the opened file, but what counts is what
 * is read: a file that grows while it is read is refused once it passes the limit.
 */
export async function readBoundedFile(path: string, limit: number): Promise<Buffer> {
  try {
    return await readRegular(path, limit)
  } catch (error) {
    const refusal = error instanceof FileRefused ? error : refusalOf(path, error, limit)
    const target = await linkTargetOf(path)
    throw target === null ? refusal : new FileRefused(path, refusal.reason, refusal.detail, limit, target)
  }
}

async function readRegular(path: string, limit: number): Promise<Buffer> {
  // stat first: opening a device or a named pipe can itself block or have effects.
  checkRegular(path, await stat(path), limit)
  // O_NONBLOCK: if a named pipe was swapped in after the stat, open() returns instead of waiting for a writer.
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0))
  try {
    const info = await handle.stat()
    checkRegular(path, info, limit)
    const chunks: Buffer[] = []
    let total = 0
    // The size says how much to expect; reading one byte past the limit proves a file too large.
    let next = Math.min(info.size, limit) + 1
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(next, 64 * KiB), limit + 1 - total))
      const {bytesRead} = await handle.read(chunk, 0, chunk.length, null)
      if (bytesRead === 0) break
      chunks.push(chunk.subarray(0, bytesRead))
      total += bytesRead
      if (total > limit) throw new FileRefused(path, 'too-large', `more than ${limit} bytes`, limit)
      next = 64 * KiB
    }
    return Buffer.concat(chunks, total)
  } finally {
    await handle.close()
  }
}

/** As readBoundedFile, but null when there is nothing at `path` (a file that is optional). */
export async function readBoundedFileIfPresent(path: string, limit: number): Promise<Buffer | null> {
  try {
    return await readBoundedFile(path, limit)
  } catch (error) {
    if (error instanceof FileRefused && error.reason === 'missing' && error.linkTarget === null) return null
    throw error
  }
}
