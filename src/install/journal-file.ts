/**
 * The journal as one run holds it: read once under the user lock, and written through after every
 * note, so that what is on disk always covers every change the run has started.
 */
import {tmpdir} from 'node:os'

import {isMailcertError} from '../errors.js'
import {removeOrphanedSecretFolders, removeOrphanedTemporaries} from '../system/leftovers.js'
import {acquireUserLock, type LockHolder, type UserLock} from '../system/user-lock.js'
import {
  entryToExtend,
  isEmpty,
  type Journal,
  type JournalEntry,
  journalPath,
  journalUnwritable,
  mergeChanges,
  nextSequence,
  readJournal,
  settleInterrupted,
  type TargetChanges,
  writeJournal,
} from './journal.js'
import type {ChangeRecorder, RecordedTarget} from './plan.js'

/** One target's record while its steps run. */
export interface TargetRecorder extends ChangeRecorder {
  /** The steps all ran: the record stays, no longer in progress. */
  finish(): Promise<void>
  /** The steps were all undone: the record returns to what it was before this run. */
  abandon(): Promise<void>
}

const NOTHING: TargetChanges = {identities: [], addedCertificates: [], trustedRoot: null}

export interface LockedJournal {
  journal: JournalFile
  /** Records of earlier runs that were interrupted, now settled: worth telling the user about. */
  settled: JournalEntry[]
  release(): Promise<void>
}

export class JournalFile {
  private constructor(
    readonly path: string,
    private current: Journal,
  ) {}

  static async open(path: string): Promise<JournalFile> {
    return new JournalFile(path, await readJournal(path))
  }

  /**
   * For a run that changes things: wait for any other mailcert of this user to finish (bounded),
   * then read the journal and settle what interrupted runs left.
   */
  static async lockAndOpen(dataDir: string, options: {command: string; waitMs: number; onWait?(holder: LockHolder): void}): Promise<LockedJournal> {
    const file = journalPath(dataDir)
    let lock: UserLock
    try {
      lock = await acquireUserLock(dataDir, options)
    } catch (error) {
      // The lock lives beside the journal: a folder where it cannot be made cannot hold the record either.
      throw isMailcertError(error) ? error : journalUnwritable(file, error)
    }
    try {
      // What killed runs left behind: their half-written journals and their secret files.
      await removeOrphanedTemporaries(file)
      await removeOrphanedSecretFolders(tmpdir())
      const journal = await JournalFile.open(file)
      const settled = await journal.settle()
      return {journal, settled, release: () => lock.release()}
    } catch (error) {
      await lock.release()
      throw error
    }
  }

  get journal(): Journal {
    return this.current
  }

  async replace(journal: Journal): Promise<void> {
    await writeJournal(this.path, journal)
    this.current = journal
  }

  /** Close the records of runs that were interrupted (see settleInterrupted); the caller holds the user lock. */
  async settle(): Promise<JournalEntry[]> {
    const {journal, settled} = settleInterrupted(this.current)
    if (settled.length > 0) await this.replace(journal)
    return settled
  }

  recorderFor(target: RecordedTarget, now: () => Date = () => new Date()): TargetRecorder {
    const base = entryToExtend(this.current, target.store.location, target.certificate.sha256, target.encryptionCertificate?.sha256)
    const sequence = base?.sequence ?? nextSequence(this.current)
    const startedAt = now().toISOString()
    let run: TargetChanges = NOTHING
    let written = false

    const entryWith = (changes: TargetChanges): JournalEntry => ({
      ...(base ?? {...target, installedAt: startedAt}),
      ...(base ? mergeChanges(base, changes) : changes),
      // A later run for another client of the same store (Outlook after new Outlook): `remove --client` finds both.
      clients: base ? [...new Set([...base.clients, ...target.clients])] : target.clients,
      sequence,
    })
    const store = async (entry: JournalEntry | null): Promise<void> => {
      const others = this.current.entries.filter((e) => e.sequence !== sequence)
      await this.replace({...this.current, entries: entry ? [...others, entry] : others})
    }

    return {
      note: async (change) => {
        run = {...run, ...change}
        await store({...entryWith(run), inProgress: {pid: process.pid, startedAt}})
        written = true
      },
      finish: async () => {
        if (!written) return
        const entry = entryWith(run)
        await store(isEmpty(entry) ? null : entry)
      },
      abandon: async () => {
        if (!written) return
        await store(base ?? null)
      },
    }
  }
}
