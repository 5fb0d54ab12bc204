/**
 * One settings file changed the way mailcert changes every file: a backup beside it first (only the
 * one from before mailcert's first change and the newest are kept), then an atomic write; undo puts
 * the bytes back as they were read and drops the backup made for nothing.
 */
import {rm} from 'node:fs/promises'

import {ExitCode, UserError} from '../errors.js'
import {backupFile, keepFirstAndLatestBackups, writeFileAtomic} from './atomic-file.js'

/** The file could not be written (full disk, read-only folder): it is as it was. */
export function settingsUnwritable(file: string, error: unknown, code: string, folder: string): UserError {
  const why = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : error instanceof Error ? error.message : String(error)
  return new UserError(`${file} could not be written (${why}); it is as it was.`, {
    code,
    exitCode: ExitCode.unexpected,
    hints: [`Free some disk space, or make ${folder} writable, and run mailcert again.`],
  })
}

export class UndoableWrite {
  private original: Buffer | null = null
  private backup: string | null = null

  constructor(readonly path: string) {}

  /** Replace the file (whose bytes were `before`) with `content`; returns this change's backup and the first one mailcert made. */
  async write(before: Buffer, content: Buffer | string): Promise<{backup: string; firstBackup: string}> {
    try {
      this.backup = await backupFile(this.path)
      const firstBackup = (await keepFirstAndLatestBackups(this.path)) ?? this.backup
      await writeFileAtomic(this.path, content)
      this.original = before
      return {backup: this.backup, firstBackup}
    } catch (error) {
      // The file itself is as it was (the write is atomic); a backup made for nothing is of no use.
      if (this.backup && this.original === null) await rm(this.backup, {force: true})
      throw error
    }
  }

  /** True when there was a change to undo. */
  async undo(): Promise<boolean> {
    if (this.original === null) return false
    await writeFileAtomic(this.path, this.original)
    if (this.backup) await rm(this.backup, {force: true})
    this.original = null
    return true
  }
}
