import {existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {OWNER_MARKER} from '../../src/system/leftovers.js'
import {runProgram} from '../../src/system/run-program.js'
import {SecretFiles, withSecretFiles} from '../../src/system/secret-files.js'

const modeOf = (path: string): number => statSync(path).mode & 0o777
const NODE = process.execPath

/** A real child that reports what it found at `path`: its type and (if it reads) what it read, as JSON. */
async function child(script: string, path: string): Promise<{fifo: boolean; read?: string[]; size?: number}> {
  const result = await runProgram(NODE, ['-e', script, path], {timeoutMs: 20_000})
  expect(result.exitCode, result.stderr).toBe(0)
  return JSON.parse(result.stdout) as {fifo: boolean; read?: string[]; size?: number}
}

const READ_ONCE = 'const fs = require("fs"); const p = process.argv[1]; const fifo = fs.statSync(p).isFIFO(); console.log(JSON.stringify({fifo, read: [fs.readFileSync(p, "utf8")]}))'
const READ_TWICE = 'const fs = require("fs"); const p = process.argv[1]; const fifo = fs.statSync(p).isFIFO(); console.log(JSON.stringify({fifo, read: [fs.readFileSync(p, "utf8"), fs.readFileSync(p, "utf8")]}))'
const NEVER_OPEN = 'const fs = require("fs"); console.log(JSON.stringify({fifo: fs.statSync(process.argv[1]).isFIFO()}))'
const READ_SIZE = 'const fs = require("fs"); const p = process.argv[1]; console.log(JSON.stringify({fifo: fs.statSync(p).isFIFO(), size: fs.readFileSync(p).length}))'
/** Reads the first 4 KiB the way NSS reads a password file, then leaves. */
const READ_PART = 'const fs = require("fs"); const p = process.argv[1]; const fd = fs.openSync(p, "r"); const b = Buffer.alloc(4096); const n = fs.readSync(fd, b); console.log(JSON.stringify({fifo: fs.statSync(p).isFIFO(), size: n}))'

describe('SecretFiles', () => {
  it('makes a private folder in the temporary folder, named with its owner and marked as ours', async () => {
    const files = await SecretFiles.create()
    try {
      expect(dirname(files.dir)).toBe(tmpdir())
      expect(basename(files.dir)).toMatch(new RegExp(`^mailcert-${process.pid}-[A-Za-z0-9]{6}$`))
      expect(modeOf(files.dir)).toBe(0o700)
      const marker = join(files.dir, OWNER_MARKER)
      expect(modeOf(marker)).toBe(0o600)
      expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({pid: process.pid, started: expect.any(Number)})
    } finally {
      await files.dispose()
    }
  })

  it('writes each secret to a new 0600 file with the exact bytes', async () => {
    const files = await SecretFiles.create()
    try {
      const password = await files.write('pässwörd\n', 'db-password')
      const p12 = await files.write(Buffer.from([0x30, 0x82, 0x00, 0xff]), 'identity.p12')
      expect(dirname(password)).toBe(files.dir)
      expect(readFileSync(password, 'utf8')).toBe('pässwörd\n')
      expect(readFileSync(p12).equals(Buffer.from([0x30, 0x82, 0x00, 0xff]))).toBe(true)
      expect(modeOf(password)).toBe(0o600)
      expect(modeOf(p12)).toBe(0o600)
    } finally {
      await files.dispose()
    }
  })

  it('gives every file its own name, even with the same label', async () => {
    const files = await SecretFiles.create()
    try {
      const first = await files.write('a', 'ca.der')
      const second = await files.write('b', 'ca.der')
      const unnamed = await files.write('c')
      expect(new Set([first, second, unnamed]).size).toBe(3)
      expect(readFileSync(first, 'utf8')).toBe('a')
      expect(readFileSync(second, 'utf8')).toBe('b')
      expect(basename(first)).toMatch(/^ca\.der-/)
      expect(basename(unnamed)).toMatch(/^secret-/)
    } finally {
      await files.dispose()
    }
  })

  it('keeps two sets apart', async () => {
    const [one, two] = await Promise.all([SecretFiles.create(), SecretFiles.create()])
    expect(one.dir).not.toBe(two.dir)
    await one.dispose()
    expect(existsSync(two.dir)).toBe(true)
    await two.dispose()
  })

  it('removes the folder and everything in it on dispose, and a second dispose does no harm', async () => {
    const files = await SecretFiles.create()
    const file = await files.write('secret')
    await files.dispose()
    expect(existsSync(file)).toBe(false)
    expect(existsSync(files.dir)).toBe(false)
    await expect(files.dispose()).resolves.toBeUndefined()
  })
})

describe('SecretFiles.withSecretPaths', () => {
  it('hands each secret to a real program through a named pipe, and nothing is left on disk', async () => {
    await withSecretFiles(async (files) => {
      let seen: string[] = []
      const result = await files.withSecretPaths([{name: 'p12-password', content: 'hunter2 ü'}, {name: 'db-password', content: 'zweites\n'}], async (paths) => {
        seen = paths
        for (const path of paths) {
          expect(lstatSync(path).isFIFO()).toBe(true)
          expect(modeOf(path)).toBe(0o600)
          expect(dirname(path)).toBe(files.dir)
        }
        // Read in the other order: each pipe waits for its own reader.
        return [await child(READ_ONCE, paths[1]), await child(READ_ONCE, paths[0])]
      })
      expect(result).toEqual([
        {fifo: true, read: ['zweites\n']},
        {fifo: true, read: ['hunter2 ü']},
      ])
      for (const path of seen) expect(existsSync(path)).toBe(false)
      // Only the owner marker is left in the folder; no file ever held a secret.
      expect(readdirSync(files.dir)).toEqual([OWNER_MARKER])
    })
  })

  it('does not wait for a program that never opens the pipe (certutil -M needs no password)', async () => {
    await withSecretFiles(async (files) => {
      const result = await files.withSecretPaths([{name: 'db-password', content: 'unused\n'}], (paths) => child(NEVER_OPEN, paths[0]))
      expect(result).toEqual({fifo: true})
    })
  })

  it('gives a program that opens the pipe a second time an empty read, not a hang', async () => {
    await withSecretFiles(async (files) => {
      const result = await files.withSecretPaths([{name: 'db-password', content: 'once\n'}], (paths) => child(READ_TWICE, paths[0]))
      expect(result).toEqual({fifo: true, read: ['once\n', '']})
    })
  })

  it('passes a secret larger than the pipe buffer whole, and copes with a reader that leaves early', async () => {
    await withSecretFiles(async (files) => {
      const big = Buffer.alloc(300 * 1024, 0x61)
      expect(await files.withSecretPaths([{name: 'big', content: big}], (paths) => child(READ_SIZE, paths[0]))).toEqual({fifo: true, size: big.length})
      expect(await files.withSecretPaths([{name: 'big', content: big}], (paths) => child(READ_PART, paths[0]))).toEqual({fifo: true, size: 4096})
      // Written but never opened: closing still ends.
      expect(await files.withSecretPaths([{name: 'big', content: big}], (paths) => child(NEVER_OPEN, paths[0]))).toEqual({fifo: true})
    })
  })

  it('removes the pipes when the work fails, and passes the error on', async () => {
    await withSecretFiles(async (files) => {
      const failure = new Error('pk12util failed')
      let seen: string[] = []
      await expect(
        files.withSecretPaths([{name: 'p12-password', content: 'x'}], async (paths) => {
          seen = paths
          throw failure
        }),
      ).rejects.toBe(failure)
      expect(existsSync(seen[0])).toBe(false)
    })
  })

  it('falls back to 0600 files, removed afterwards, where no FIFO can be made (no mkfifo)', async () => {
    const originalPath = process.env.PATH
    // A PATH with nothing on it: node itself is started by its full path.
    process.env.PATH = mkdtempSync(join(tmpdir(), 'mailcert-empty-path-'))
    try {
      await withSecretFiles(async (files) => {
        let seen = ''
        const result = await files.withSecretPaths([{name: 'p12-password', content: 'fallback'}], async (paths) => {
          seen = paths[0]
          expect(lstatSync(paths[0]).isFile()).toBe(true)
          expect(modeOf(paths[0])).toBe(0o600)
          return child(READ_ONCE, paths[0])
        })
        expect(result).toEqual({fifo: false, read: ['fallback']})
        expect(existsSync(seen)).toBe(false)
      })
    } finally {
      process.env.PATH = originalPath
    }
  })

  it('runs the work at once when there are no secrets', async () => {
    await withSecretFiles(async (files) => {
      expect(await files.withSecretPaths([], async (paths) => paths)).toEqual([])
    })
  })
})

describe('withSecretFiles', () => {
  it('returns what the work returns and removes the files', async () => {
    let dir = ''
    const result = await withSecretFiles(async (files) => {
      dir = files.dir
      await files.write('secret')
      return 42
    })
    expect(result).toBe(42)
    expect(existsSync(dir)).toBe(false)
  })

  it('removes the files when the work fails, and passes the error on', async () => {
    let dir = ''
    const failure = new Error('pk12util failed')
    await expect(
      withSecretFiles(async (files) => {
        dir = files.dir
        await files.write('secret')
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(dir).not.toBe('')
    expect(existsSync(dir)).toBe(false)
  })
})
