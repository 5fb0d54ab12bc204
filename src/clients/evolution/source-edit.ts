/**
 * Changing the S/MIME settings of Evolution identity sources the way prefs.js is changed: read
 * the file, change only the keys asked for, keep a backup, write atomically; undo puts back the
 * bytes as they were. Put-back for remove sets the old values only where mailcert's are still there.
 */
import {rm} from 'node:fs/promises'
import path from 'node:path'

import type {IdentityRecord, SettingValue} from '../../install/journal.js'
import {backupFile, keepFirstAndLatestBackups, writeFileAtomic} from '../../system/atomic-file.js'
import {readBoundedFile} from '../../system/bounded-read.js'
import {keyFileValue, parseKeyFile, setKeyFileValues} from './key-file.js'
import {identitySmimeUndo, SMIME_GROUP, SOURCE_FILE_LIMIT} from './sources.js'

export class SourceEdit {
  private original: Buffer | null = null
  private backup: string | null = null

  constructor(readonly file: string) {}

  async read(): Promise<string> {
    return (await readBoundedFile(this.file, SOURCE_FILE_LIMIT)).toString('utf8')
  }

  /** Write `text` (from `read()`), keeping a backup of the file as it was. */
  async write(before: string, text: string): Promise<{backup: string; firstBackup: string}> {
    this.original = Buffer.from(before, 'utf8')
    this.backup = await backupFile(this.file)
    const firstBackup = (await keepFirstAndLatestBackups(this.file)) ?? this.backup
    await writeFileAtomic(this.file, text)
    return {backup: this.backup, firstBackup}
  }

  /** True when there was a change to undo. */
  async undo(): Promise<boolean> {
    if (this.original === null) return false
    await writeFileAtomic(this.file, this.original)
    if (this.backup) await rm(this.backup, {force: true})
    this.original = null
    return true
  }
}

export function sourceFile(sourcesDir: string, uid: string): string {
  return path.join(sourcesDir, `${uid}.source`)
}

/** The S/MIME values of a source as they are now (undefined: the key is not there). */
export function currentSmimeValues(text: string, keys: string[]): Record<string, string | undefined> {
  const parsed = parseKeyFile(text)
  return Object.fromEntries(keys.map((key) => [key, keyFileValue(parsed, SMIME_GROUP, key)]))
}

/** The text with mailcert's values put back to the recorded ones, where they still hold mailcert's; and warnings for the others. */
export function restoredSource(text: string, record: IdentityRecord): {text: string; changed: number; warnings: string[]} {
  const current = currentSmimeValues(text, Object.keys(record.applied))
  const values: Record<string, string | null> = {}
  const warnings: string[] = []
  for (const [key, applied] of Object.entries(record.applied)) {
    const previous = record.previous[key] ?? null
    const now = current[key] ?? null
    if (now === (previous === null ? null : String(previous))) continue
    if (now !== String(applied)) warnings.push(`${key} of ${record.email} was changed after mailcert set it; left as it is.`)
    else values[key] = previous === null ? null : String(previous as SettingValue)
  }
  if (Object.keys(values).length === 0) return {text, changed: 0, warnings}
  // None of the keys was there before mailcert: the group was mailcert's too, and goes once empty.
  const groupAdded = Object.values(record.previous).every((value) => value === null)
  const restored = groupAdded ? identitySmimeUndo(text, {previous: values, groupAdded: true, endedWithNewline: true}) : setKeyFileValues(text, SMIME_GROUP, values)
  return {text: restored, changed: Object.keys(values).length, warnings}
}
