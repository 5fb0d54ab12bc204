/**
 * The file a run's log goes to: JSON lines, appended. Each line is one `write` on a descriptor
 * opened with O_APPEND, so that runs at the same time interleave whole lines rather than bytes.
 * The default log is bounded: past `rotateAt` bytes it becomes `FILE.1` (the one kept before it
 * goes) when a run opens it. Nothing here may fail a run: every error goes to `onError`, once,
 * and the log stops.
 */
import {closeSync, fchmodSync, mkdirSync, openSync, renameSync, statSync, writeSync} from 'node:fs'
import path from 'node:path'

/** About 1 MiB: some thousands of runs of a fleet engine, and little enough to send with a support request. */
export const ROTATE_AT = 1024 * 1024

export interface RunLogFileOptions {
  /** Rotate when the file has reached this many bytes (the default log); undefined: never (a file the user named). */
  rotateAt?: number
  onError(message: string): void
}

export interface RunLogFile {
  readonly path: string
  /** Appends one line (a newline is added); false once the log has failed. */
  append(line: string): boolean
  close(): void
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function rotateIfFull(file: string, rotateAt: number): void {
  let size: number
  try {
    size = statSync(file).size
  } catch {
    return
  }
  if (size >= rotateAt) renameSync(file, `${file}.1`)
}

/** Null (after onError) when the log cannot be opened. */
export function openRunLogFile(file: string, options: RunLogFileOptions): RunLogFile | null {
  let fd: number | null
  try {
    // 0700 for a folder made here; a folder that exists is the user's to keep as it is.
    mkdirSync(path.dirname(file), {recursive: true, mode: 0o700})
    if (options.rotateAt !== undefined) rotateIfFull(file, options.rotateAt)
    fd = openSync(file, 'a', 0o600)
    // The default log is mailcert's own file: readable by its user only, even if it was made wider.
    if (options.rotateAt !== undefined) fchmodSync(fd, 0o600)
  } catch (error) {
    options.onError(`The log ${file} cannot be written (${reason(error)}); this run is not logged.`)
    return null
  }
  return {
    path: file,
    append(line) {
      if (fd === null) return false
      try {
        writeSync(fd, Buffer.from(`${line}\n`, 'utf8'))
        return true
      } catch (error) {
        options.onError(`The log ${file} cannot be written (${reason(error)}); the rest of this run is not logged.`)
        this.close()
        return false
      }
    },
    close() {
      if (fd === null) return
      try {
        closeSync(fd)
      } catch {
        // Nothing was buffered: every line went out with its own write.
      }
      fd = null
    },
  }
}
