/**
 * One reversible change to a profile's prefs.js, shared by the steps that set and put back identity
 * settings: read it, and, if there is something to change, make sure Thunderbird has not been
 * started since the plan was made (it would overwrite the change when it exits), keep a backup,
 * write atomically; undo writes the original bytes back and drops the backup.
 */
import {rm} from 'node:fs/promises'
import path from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import {backupFile, keepFirstAndLatestBackups, writeFileAtomic} from '../../system/atomic-file.js'
import {FileRefused, readBoundedFile} from '../../system/bounded-read.js'
import {removeOrphanedTemporaries} from '../../system/leftovers.js'
import type {ThunderbirdProfile} from './discovery.js'
import {editPrefs, MAX_PREFS_BYTES, parsePrefs, type PrefChanges, type PrefsFile} from './prefs-js.js'
import {busyError, profileLockState} from './profile-lock.js'

/** A full disk or a read-only profile folder: the machine's refusal, said as such (not a bug). */
function unwritable(file: string, error: unknown): UserError {
  const why = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : error instanceof Error ? error.message : String(error)
  return new UserError(`${file} could not be written (${why}); it is as it was.`, {
    code: 'profile-unwritable',
    exitCode: ExitCode.unexpected,
    hints: ['Free some disk space, or make the profile folder writable, and run mailcert again.'],
  })
}

export class PrefsEdit {
  private original: Buffer | null = null
  private backup: string | null = null

  constructor(private readonly profile: ThunderbirdProfile) {}

  get path(): string {
    return path.join(this.profile.dir, 'prefs.js')
  }

  async read(): Promise<PrefsFile> {
    // A mailcert killed while writing the file leaves its new content beside it: no use to anyone.
    await removeOrphanedTemporaries(this.path)
    const bytes = await readBoundedFile(this.path, MAX_PREFS_BYTES).catch((error: unknown) => {
      if (!(error instanceof FileRefused)) throw error
      throw new UserError(`${error.message.slice(0, -1)}, so mailcert leaves it alone: check the profile folder (Thunderbird keeps its settings there in a plain prefs.js file) and run mailcert again.`, {
        code: 'profile-unreadable',
        exitCode: ExitCode.unreadableInput,
      })
    })
    return parsePrefs(bytes)
  }

  /**
   * Write `changes` into the file as read. Returns the backup made before this change and the
   * first one mailcert ever made (the file before mailcert); older ones in between are dropped.
   */
  async write(parsed: PrefsFile, changes: PrefChanges): Promise<{backup: string; firstBackup: string}> {
    // Asked as discovery asked (the machine's platform, its probe), since Thunderbird may have been started after it.
    const lock = await profileLockState(this.profile.dir, {...this.profile.lockCheck, sandboxed: this.profile.root.sandboxed})
    if (lock.busy) throw busyError([this.profile])
    try {
      this.backup = await backupFile(this.path)
      const firstBackup = (await keepFirstAndLatestBackups(this.path)) ?? this.backup
      await writeFileAtomic(this.path, editPrefs(parsed, changes))
      this.original = parsed.source
      return {backup: this.backup, firstBackup}
    } catch (error) {
      // The file itself is as it was (the write is atomic); a backup made for nothing is of no use.
      if (this.backup && this.original === null) await rm(this.backup, {force: true})
      throw unwritable(this.path, error)
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
