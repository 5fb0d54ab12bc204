/**
 * Handing a secret to a program that takes it only as a file name (NSS's `pk12util -w/-k`,
 * `certutil -f`) without writing it to disk: the name is a named pipe (FIFO) in mailcert's private
 * folder, and the secret is written into it when the program opens it, so it only ever passes
 * through the kernel's pipe buffer. A killed run leaves an empty FIFO, never the secret.
 *
 * Why a FIFO and not the child's stdin or an extra stdio pipe as `/dev/fd/N`: Node gives children
 * sockets, not pipes, and Linux cannot open a socket through /dev/fd (ENXIO). Measured with NSS
 * 3.87: pk12util -w and -k and certutil -f read a FIFO correctly; pk12util -i does not (it reads as
 * many bytes as fstat reports, which is 0 for a pipe), so the .p12 itself stays a 0600 file.
 */
import {closeSync, constants, openSync, readSync} from 'node:fs'
import {type FileHandle, open, rm} from 'node:fs/promises'

import {runProgram} from './run-program.js'

/** Make FIFOs (mode 0600) at `paths`; false, with none left behind, where the system cannot. */
export async function makeFifos(paths: string[]): Promise<boolean> {
  if (process.platform === 'win32') return false
  const made = await runProgram('mkfifo', ['-m', '600', ...paths], {timeoutMs: 10_000})
  if (made.exitCode === 0) return true
  await Promise.all(paths.map((path) => rm(path, {force: true})))
  return false
}

export interface ServedPipe {
  /** Stop serving and let go of the FIFO. Call it once the program that was to read it has ended. */
  close(): Promise<void>
}

/** Whether some process has the FIFO open for reading (a writer's non-blocking open succeeds only then). */
function hasReader(path: string): boolean {
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK))
    return true
  } catch {
    // ENXIO: no reader; ENOENT: no FIFO.
    return false
  }
}

/**
 * Serve `content` through the FIFO at `path`: the first program to open it reads the content and
 * then end of file; anyone who opens it again reads only end of file (an empty secret fails like a
 * wrong one, where waiting for a writer would hang).
 */
export function serveSecret(path: string, content: Buffer): ServedPipe {
  let closing = false
  let wake: (() => void) | null = null
  const pause = (): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, 25)
      wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })

  /** Wait for the next reader and give it `bytes`, then end of file. False once there is no point going on. */
  async function deliver(bytes: Buffer | null): Promise<boolean> {
    let handle: FileHandle
    try {
      // Waits until a reader opens the FIFO (the program, or close() below).
      handle = await open(path, constants.O_WRONLY)
    } catch {
      return false
    }
    try {
      if (!closing && bytes) await handle.write(bytes)
    } catch {
      // The reader left before reading it all (EPIPE): it had its chance.
    } finally {
      await handle.close().catch(() => undefined)
    }
    return !closing
  }

  const serving = (async () => {
    if (!(await deliver(content))) return
    // While the first reader still holds the FIFO open, a writer's open() returns at once and would
    // give it nothing new: look again shortly, and wait for a new reader only once it has let go.
    while (!closing) {
      await pause()
      if (closing) return
      if (hasReader(path)) continue
      if (!(await deliver(null))) return
    }
  })()

  return {
    async close() {
      closing = true
      wake?.()
      // A reader of our own lets a waiting open() return, and reading it lets a write that waits for
      // room finish (the program left without reading everything). Synchronous and O_NONBLOCK: it
      // cannot wait itself, nor need a thread of the pool that the waiting open() or write() holds.
      let keeper: number | null = null
      try {
        keeper = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
      } catch {
        // The FIFO is gone: nothing can be waiting on it.
      }
      if (keeper === null) return serving
      let settled = false
      const done = serving.finally(() => {
        settled = true
      })
      const scratch = Buffer.alloc(64 * 1024)
      try {
        while (!settled) {
          try {
            readSync(keeper, scratch)
          } catch {
            // EAGAIN: nothing to read right now.
          }
          await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5))])
        }
      } finally {
        closeSync(keeper)
      }
    },
  }
}
