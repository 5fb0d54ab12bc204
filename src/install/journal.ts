/**
 * What mailcert changed, kept so that `mailcert remove` can undo exactly that and nothing else:
 * per store, the certificate, each client setting with the value it had before, the certificates
 * mailcert added to the store, and a root's trust before mailcert changed it.
 *
 * It is a write-ahead record: a change is noted (durably) before it is made, so that a run killed
 * at any point leaves a record that `remove` can undo from. Every undo is written to be safe when
 * the change it undoes never happened. One JSON file in mailcert's data folder, written atomically.
 */
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {migrateLegacyEntry} from '../clients/index.js'
import {ExitCode, UserError} from '../errors.js'
import {writeFileAtomic} from '../system/atomic-file.js'
import {FileRefused, MiB, readBoundedFile} from '../system/bounded-read.js'

export type SettingValue = string | number | boolean

export interface IdentityRecord {
  /** The client whose setting this is, and the place (a profile folder, a sources folder) where it lives. */
  client: string
  place: string
  /** The client's own name for the account or identity (an identity key, a source uid). */
  key: string
  email: string
  /** Each setting mailcert changed, with its value before the first change (null: it was not set). */
  previous: Record<string, SettingValue | null>
  /** The value mailcert set; remove puts back `previous` only where the setting still has this value. */
  applied: Record<string, SettingValue>
}

/** What one install run changed (or is about to change) in a target. */
export interface TargetChanges {
  identities: IdentityRecord[]
  /** SHA-256 of the certificates mailcert added to the store (the leaf, and issuers that were not there). */
  addedCertificates: string[]
  /** A root whose trust mailcert changed, with the trust it had before. */
  trustedRoot: {sha256: string; previousTrust: string} | null
}

export interface RecordedCertificate {
  sha256: string
  emails: string[]
  subject: string
  /** When it expires (ISO 8601); unset in entries written before mailcert recorded it. */
  notAfter?: string
  /** How each kind of store names it (a database key): what check looks for in the settings later. */
  references: Record<string, string>
}

/** One install of a certificate into one store, and the settings of the clients that read it. */
export interface JournalEntry extends TargetChanges {
  /** Orders the entries: a later install has a larger number, and is undone first. */
  sequence: number
  store: {kind: string; location: string}
  /** The clients this install was for (their settings are in `identities`). */
  clients: string[]
  /** What a person recognises, as the install report said it. */
  label: string
  installedAt: string
  certificate: RecordedCertificate
  /** A separate encryption certificate installed with it (the signing one is `certificate`). */
  encryptionCertificate?: RecordedCertificate
  /** Set while the run that writes this entry is changing the target; a run that finds it later knows that run was interrupted. */
  inProgress?: {pid: number; startedAt: string}
}

/** The certificates with a private key an entry installed: the one, or both halves of a separate pair (signing first). */
export function recordedLeaves(entry: Pick<JournalEntry, 'certificate' | 'encryptionCertificate'>): RecordedCertificate[] {
  return entry.encryptionCertificate ? [entry.certificate, entry.encryptionCertificate] : [entry.certificate]
}

export interface Journal {
  version: 3
  entries: JournalEntry[]
}

/** Thousands of installs fit in far less; more is not a journal mailcert wrote. */
const MAX_JOURNAL_BYTES = 16 * MiB

export function journalPath(dataDir: string): string {
  return path.join(dataDir, 'installed.json')
}

function unreadable(file: string, why: string): UserError {
  return new UserError(`mailcert's record of what it installed (${file}) cannot be read: ${why}.`, {
    code: 'journal-unreadable',
    exitCode: ExitCode.unexpected,
    hints: [`Nothing was changed. If you moved or edited that file, put it back as it was; to start afresh, move it aside (mailcert remove can then no longer undo what it recorded).`],
  })
}

/** Version 1 had no sequence numbers (its entries were appended in the order they were made); 1 and 2 knew only one client, whose code reads them. */
function upgrade(parsed: {version?: unknown; entries?: unknown}, file: string): Journal {
  if (!Array.isArray(parsed.entries)) throw unreadable(file, 'it has no list of entries')
  if (parsed.version === 1 || parsed.version === 2) {
    const entries = parsed.entries as Array<{sequence?: number}>
    return {version: 3, entries: entries.map((entry, index) => migrateLegacyEntry(entry, parsed.version === 1 ? index + 1 : (entry.sequence ?? index + 1)))}
  }
  if (parsed.version === 3) return parsed as Journal
  throw unreadable(file, `it is version ${String(parsed.version)}, which this mailcert does not know (a newer mailcert wrote it)`)
}

export async function readJournal(file: string): Promise<Journal> {
  let text: string
  try {
    text = (await readBoundedFile(file, MAX_JOURNAL_BYTES)).toString('utf8')
  } catch (error) {
    // No file, or no data folder (a file stands in its way): nothing was recorded yet.
    const code = (error as NodeJS.ErrnoException).code
    if ((error instanceof FileRefused && error.reason === 'missing') || code === 'ENOENT' || code === 'ENOTDIR') return {version: 3, entries: []}
    throw unreadable(file, (error as Error).message)
  }
  try {
    return upgrade(JSON.parse(text) as {version?: unknown; entries?: unknown}, file)
  } catch (error) {
    if (error instanceof UserError) throw error
    throw unreadable(file, 'it is not valid JSON')
  }
}

/** The journal (or the lock beside it) cannot be written: its folder is read-only, blocked, or the disk is full. */
export function journalUnwritable(file: string, error: unknown): UserError {
  return new UserError(`mailcert cannot write its record of what it changes (${file}): ${error instanceof Error ? error.message : String(error)}.`, {
    code: 'journal-unwritable',
    exitCode: ExitCode.unexpected,
    hints: ['mailcert makes no change it cannot record. Free some disk space, or make that folder writable (or set XDG_DATA_HOME to another one), and run mailcert again.'],
  })
}

export async function writeJournal(file: string, journal: Journal): Promise<void> {
  try {
    await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
    await writeFileAtomic(file, `${JSON.stringify(journal, null, 2)}\n`)
  } catch (error) {
    throw journalUnwritable(file, error)
  }
}

export function nextSequence(journal: Journal): number {
  return Math.max(0, ...journal.entries.map((e) => e.sequence)) + 1
}

/** The entries newest first: the order in which their changes are undone. */
export function newestFirst(entries: readonly JournalEntry[]): JournalEntry[] {
  return [...entries].sort((a, b) => b.sequence - a.sequence)
}

export function isEmpty(changes: TargetChanges): boolean {
  return changes.identities.length === 0 && changes.addedCertificates.length === 0 && changes.trustedRoot === null
}

/** The same account of the same client in the same place. */
export function sameAccount(a: Pick<IdentityRecord, 'client' | 'place' | 'key'>, b: Pick<IdentityRecord, 'client' | 'place' | 'key'>): boolean {
  return a.client === b.client && a.place === b.place && a.key === b.key
}

/**
 * `later` on top of `earlier` for the same certificate and target: the oldest `previous` values
 * stay, so that remove returns to the state before mailcert first came.
 */
export function mergeChanges(earlier: TargetChanges, later: TargetChanges): TargetChanges {
  const identities = [...earlier.identities]
  for (const identity of later.identities) {
    const index = identities.findIndex((i) => sameAccount(i, identity))
    if (index < 0) {
      identities.push(identity)
      continue
    }
    const existing = identities[index]
    identities[index] = {...existing, previous: {...identity.previous, ...existing.previous}, applied: {...existing.applied, ...identity.applied}}
  }
  return {
    identities,
    addedCertificates: [...new Set([...earlier.addedCertificates, ...later.addedCertificates])],
    trustedRoot: earlier.trustedRoot ?? later.trustedRoot,
  }
}

/**
 * The entry a new install into the store at `storeLocation` with this certificate builds on: the newest entry for
 * that target, when it is for the same certificate. After another certificate was installed there
 * in between, a new entry is made instead, so that undoing newest first passes through each state.
 */
export function entryToExtend(journal: Journal, storeLocation: string, sha256: string, encryptionSha256?: string): JournalEntry | undefined {
  const newest = newestFirst(journal.entries).find((e) => e.store.location === storeLocation)
  return newest?.certificate.sha256 === sha256 && newest.encryptionCertificate?.sha256 === encryptionSha256 ? newest : undefined
}

/**
 * Settle what interrupted runs left: their records are kept as they are, complete, so that
 * `remove` undoes whatever those runs got to (each undo is safe for a change that never happened)
 * and a new `install` finishes the job. Only called while holding the user lock, so no run that
 * is still going can be mistaken for an interrupted one.
 */
export function settleInterrupted(journal: Journal): {journal: Journal; settled: JournalEntry[]} {
  // Entries that a run interrupted (killed, or the machine went down) left marked as in progress.
  const settled = journal.entries.filter((e) => e.inProgress !== undefined)
  if (settled.length === 0) return {journal, settled}
  const entries = journal.entries
    .map((entry) => {
      if (!entry.inProgress) return entry
      const {inProgress: _inProgress, ...rest} = entry
      return rest
    })
    .filter((entry) => !isEmpty(entry))
  return {journal: {...journal, entries}, settled}
}
