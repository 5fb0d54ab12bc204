/**
 * Some programs (pk12util, certutil) take a password only as a file name. Such files live in a
 * private 0700 folder, are created 0600, and are removed when the work is done, whether it
 * succeeded, failed or was interrupted.
 */
import {rmSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const live = new Set<string>()
let exitHookInstalled = false

function removeAllNow(): void {
  for (const dir of live) rmSync(dir, {recursive: true, force: true})
  live.clear()
}

export class SecretFiles {
  private count = 0

  private constructor(readonly dir: string) {}

  static async create(): Promise<SecretFiles> {
    if (!exitHookInstalled) {
      // A last resort for paths that skip `finally` (process.exit from elsewhere).
      process.once('exit', removeAllNow)
      exitHookInstalled = true
    }
    const dir = await mkdtemp(join(tmpdir(), 'mailcert-'))
    live.add(dir)
    return new SecretFiles(dir)
  }

  /** Write bytes to a new 0600 file and return its path. */
  async write(content: string | Buffer, name = 'secret'): Promise<string> {
    const path = join(this.dir, `${name}-${++this.count}`)
    await writeFile(path, content, {mode: 0o600, flag: 'wx'})
    return path
  }

  async dispose(): Promise<void> {
    await rm(this.dir, {recursive: true, force: true})
    live.delete(this.dir)
  }
}

export async function withSecretFiles<T>(work: (files: SecretFiles) => Promise<T>): Promise<T> {
  const files = await SecretFiles.create()
  try {
    return await work(files)
  } finally {
    await files.dispose()
  }
}
