/**
 * One reversible change to a profile's prefs.js, shared by the steps that set and put back identity
 * settings: read it, and, if there is something to change, make sure Thunderbird has not been
 * started since the plan was made (it would overwrite the change when it exits), keep a backup,
 * write atomically; undo writes the original bytes back and drops the backup.
 */
import path from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import {FileRefused, readBoundedFile} from '../../system/bounded-read.js'
import {removeOrphanedTemporaries} from '../../system/leftovers.js'
import {settingsUnwritable, UndoableWrite} from '../../system/undoable-write.js'
import type {ThunderbirdProfile} from './discovery.js'
import {editPrefs, MAX_PREFS_BYTES, parsePrefs, type PrefChanges, type PrefsFile} from './prefs-js.js'
import {busyError, profileLockState} from './profile-lock.js'

/** A full disk or a read-only profile folder: the machine's refusal, said as such (not a bug). */
export class PrefsEdit {
  private readonly file: UndoableWrite

  constructor(private readonly profile: ThunderbirdProfile) {
    this.file = new UndoableWrite(path.join(profile.dir, 'prefs.js'))
  }

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
      return await this.file.write(parsed.source, editPrefs(parsed, changes))
    } catch (error) {
      throw settingsUnwritable(this.path, error, 'profile-unwritable', 'the profile folder')
    }
  }

  /** True when there was a change to undo. */
  undo(): Promise<boolean> {
    return this.file.undo()
  }
}
