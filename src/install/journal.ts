/**
 * What mailcert changed, kept so that `mailcert remove` can undo exactly that and nothing else:
 * per target, the certificate, each identity setting with the value it had before, the
 * certificates mailcert added to the database, and a root's trust before mailcert changed it.
 * One JSON file in mailcert's data folder, written atomically.
 */
import {mkdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import {writeFileAtomic} from '../system/atomic-file.js'

export type SettingValue = string | number | boolean

export interface IdentityRecord {
  key: string
  email: string
  /** Each setting mailcert changed, with its value before the first change (null: it was not set). */
  previous: Record<string, SettingValue | null>
  /** The value mailcert set; remove puts back `previous` only where the setting still has this value. */
  applied: Record<string, SettingValue>
}

export interface JournalEntry {
  client: string
  /** What a person recognises, as the install report said it. */
  label: string
  /** The profile's name in profiles.ini (Thunderbird). */
  profileName: string
  /** The profile folder (Thunderbird). */
  location: string
  installedAt: string
  certificate: {sha256: string; emails: string[]; subject: string; dbKey: string}
  identities: IdentityRecord[]
  /** SHA-256 of the certificates mailcert added to the database (the leaf, and issuers that were not there). */
  addedCertificates: string[]
  /** A root whose trust mailcert changed, with the trust it had before. */
  trustedRoot: {sha256: string; previousTrust: string} | null
}

export interface Journal {
  version: 1
  entries: JournalEntry[]
}

export function journalPath(dataDir: string): string {
  return path.join(dataDir, 'installed.json')
}

export async function readJournal(file: string): Promise<Journal> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Journal
    return parsed.version === 1 && Array.isArray(parsed.entries) ? parsed : {version: 1, entries: []}
  } catch {
    return {version: 1, entries: []}
  }
}

export async function writeJournal(file: string, journal: Journal): Promise<void> {
  await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
  await writeFileAtomic(file, `${JSON.stringify(journal, null, 2)}\n`)
}

/**
 * Add what one install did. A second install of the same certificate into the same target keeps
 * the oldest `previous` values, so that remove returns to the state before mailcert first came.
 */
export function recordInstall(journal: Journal, entry: JournalEntry): Journal {
  const same = journal.entries.find((e) => e.location === entry.location && e.certificate.sha256 === entry.certificate.sha256)
  if (!same) return {...journal, entries: [...journal.entries, entry]}
  const identities = [...same.identities]
  for (const identity of entry.identities) {
    const index = identities.findIndex((i) => i.key === identity.key)
    if (index < 0) {
      identities.push(identity)
      continue
    }
    const existing = identities[index]
    identities[index] = {...existing, previous: {...identity.previous, ...existing.previous}, applied: {...existing.applied, ...identity.applied}}
  }
  const merged: JournalEntry = {
    ...same,
    identities,
    addedCertificates: [...new Set([...same.addedCertificates, ...entry.addedCertificates])],
    trustedRoot: same.trustedRoot ?? entry.trustedRoot,
  }
  return {...journal, entries: journal.entries.map((e) => (e === same ? merged : e))}
}
