/**
 * Some programs (pk12util, certutil) take a password, or a .p12, only as a file name. Such names
 * live in a private 0700 folder in the temporary folder, named `mailcert-<pid>-…` and marked with
 * its owner, and are removed when the work is done, whether it succeeded, failed or was
 * interrupted. Secrets that a program reads from a pipe go through named pipes (secret-pipes.ts)
 * and are never on disk; the rest are 0600 files. The first folder a run makes is preceded by the
 * removal of the folders that killed runs left (leftovers.ts).
 */
import {rmSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {markAsOurs, removeOrphanedSecretFolders, SECRET_FOLDER_PREFIX} from './leftovers.js'
import {makeFifos, serveSecret} from './secret-pipes.js'

const live = new Set<string>()
let exitHookInstalled = false
let sweep: Promise<unknown> | null = null

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
    sweep ??= removeOrphanedSecretFolders(tmpdir())
    await sweep
    const dir = await mkdtemp(join(tmpdir(), `${SECRET_FOLDER_PREFIX}${process.pid}-`))
    live.add(dir)
    try {
      await markAsOurs(dir)
    } catch (error) {
      await rm(dir, {recursive: true, force: true})
      live.delete(dir)
      throw error
    }
    return new SecretFiles(dir)
  }

  private nextPath(name: string): string {
    return join(this.dir, `${name}-${++this.count}`)
  }

  /** Write bytes to a new 0600 file and return its path. */
  async write(content: string | Buffer, name = 'secret'): Promise<string> {
    const path = this.nextPath(name)
    await writeFile(path, content, {mode: 0o600, flag: 'wx'})
    return path
  }

  /**
   * Run `work` (which runs one program) with a path for each secret, which that program can read
   * once: a named pipe where the system has them, else a 0600 file. The paths are gone afterwards.
   */
  async withSecretPaths<T>(secrets: Array<{name: string; content: string | Buffer}>, work: (paths: string[]) => Promise<T>): Promise<T> {
    if (secrets.length === 0) return work([])
    const paths = secrets.map(({name}) => this.nextPath(name))
    const contents = secrets.map(({content}) => Buffer.from(content))
    try {
      if (!(await makeFifos(paths))) {
        await Promise.all(paths.map((path, index) => writeFile(path, contents[index], {mode: 0o600, flag: 'wx'})))
        return await work(paths)
      }
      const served = paths.map((path, index) => serveSecret(path, contents[index]))
      try {
        return await work(paths)
      } finally {
        await Promise.all(served.map((pipe) => pipe.close()))
      }
    } finally {
      await Promise.all(paths.map((path) => rm(path, {force: true})))
    }
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
