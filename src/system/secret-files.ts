/**
 * Some programs (pk12util, certutil) take a password only as a file name. Such files live in a
 * private 0700 folder, are created 0600, and are removed when the work is done, whether it
 * succeeded, failed or was interrupted. A run that was killed (SIGKILL, a crash, the machine went
 * down) cannot remove its folder: the folder's name carries the run's process id, and the next
 * mailcert removes the folders of runs that are gone.
 */
import {rmSync} from 'node:fs'
import {mkdtemp, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {isProcessAlive} from './processes.js'

const live = new Set<string>()
let exitHookInstalled = false

function removeAllNow(): void {
  for (const dir of live) rmSync(dir, {recursive: true, force: true})
  live.clear()
}

const FOLDER = /^mailcert-(\d+)-[A-Za-z0-9]{6}$/

/**
 * Remove the secret folders that killed mailcert runs left. Only folders named for a process that
 * no longer exists; another user's cannot be removed and are left to them.
 */
export async function removeAbandonedSecretFiles(): Promise<void> {
  const names = await readdir(tmpdir()).catch(() => [] as string[])
  for (const name of names) {
    const pid = Number(FOLDER.exec(name)?.[1])
    if (!pid || pid === process.pid || isProcessAlive(pid)) continue
    await rm(join(tmpdir(), name), {recursive: true, force: true}).catch(() => undefined)
  }
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
    await removeAbandonedSecretFiles()
    const dir = await mkdtemp(join(tmpdir(), `mailcert-${process.pid}-`))
    live.add(dir)
    return new SecretFiles(dir)
  }

  /** Write bytes to a new 0600 file and return its path. */
  async write(content: string | Buffer, name = 'secret'): Promise<string> {
    const path = join(this.dir, `${name}-${++this.count}`)
    await writeFile(path, content, {mode: 0o600, flag: 'wx'})
    return path
  }

  /** Remove one file as soon as the program that needed it is done with it. */
  async remove(path: string): Promise<void> {
    await rm(path, {force: true})
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
