/**
 * One reversible change to a profile's prefs.js, shared by the steps that set and put back identity
 * settings: read it, and, if there is something to change, make sure Thunderbird has not been
 * started since the plan was made (it would overwrite the change when it exits), keep a backup,
 * write atomically; undo writes the original bytes back and drops the backup.
 */
import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'

import {backupFile, removeAbandonedTemporaries, writeFileAtomic} from '../../system/atomic-file.js'
import type {ThunderbirdProfile} from './discovery.js'
import {editPrefs, parsePrefs, type PrefChanges, type PrefsFile} from './prefs-js.js'
import {busyError, profileLockState} from './profile-lock.js'

export class PrefsEdit {
  private original: Buffer | null = null
  private backup: string | null = null

  constructor(private readonly profile: ThunderbirdProfile) {}

  get path(): string {
    return path.join(this.profile.dir, 'prefs.js')
  }

  async read(): Promise<PrefsFile> {
    // A mailcert killed while writing the file leaves its new content beside it: no use to anyone.
    await removeAbandonedTemporaries(this.path)
    return parsePrefs(await readFile(this.path))
  }

  /** Write `changes` into the file as read; returns the backup's path. */
  async write(parsed: PrefsFile, changes: PrefChanges): Promise<string> {
    const lock = await profileLockState(this.profile.dir, {platform: process.platform, sandboxed: this.profile.root.sandboxed})
    if (lock.busy) throw busyError([this.profile])
    this.backup = await backupFile(this.path)
    await writeFileAtomic(this.path, editPrefs(parsed, changes))
    this.original = parsed.source
    return this.backup
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
