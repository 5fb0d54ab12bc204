/**
 * Changing the S/MIME settings of Evolution identity sources the way prefs.js is changed: read
 * the file, change only the keys asked for, keep a backup, write atomically; undo puts back the
 * bytes as they were. Put-back for remove sets the old values only where mailcert's are still there.
 */
import path from 'node:path'

import type {IdentityRecord, SettingValue} from '../../install/journal.js'
import {readBoundedFile} from '../../system/bounded-read.js'
import {settingsUnwritable, UndoableWrite} from '../../system/undoable-write.js'
import {keyFileValue, parseKeyFile, setKeyFileValues} from './key-file.js'
import {identitySmimeUndo, SMIME_GROUP, SOURCE_FILE_LIMIT} from './sources.js'

export class SourceEdit {
  private readonly file: UndoableWrite

  constructor(readonly path: string) {
    this.file = new UndoableWrite(path)
  }

  async read(): Promise<string> {
    return (await readBoundedFile(this.path, SOURCE_FILE_LIMIT)).toString('utf8')
  }

  /** Write `text` in place of `before` (what read() gave), keeping a backup of the file as it was. */
  async write(before: string, text: string): Promise<{backup: string; firstBackup: string}> {
    try {
      return await this.file.write(Buffer.from(before, 'utf8'), text)
    } catch (error) {
      throw settingsUnwritable(this.path, error, 'source-unwritable', "Evolution's sources folder")
    }
  }

  /** True when there was a change to undo. */
  undo(): Promise<boolean> {
    return this.file.undo()
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
