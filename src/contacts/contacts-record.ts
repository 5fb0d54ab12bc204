/**
 * What `mailcert contact add` put where, so that `contact remove` takes out that and nothing else
 * (a certificate that was already in a store stays there), and `contact list` and `check` know the
 * correspondents. One JSON file beside the install journal, written atomically right after each
 * certificate goes in or out; a change whose record cannot be written is undone. A run killed
 * between the two leaves at most one public certificate, trusted for nothing, unrecorded.
 * Read and written only under the user lock (see MailcertCommand.lockUserState).
 */
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {ExitCode, UserError} from '../errors.js'
import type {StoreRef} from '../stores/store.js'
import type {AddedCertificate} from './contact-store.js'
import {journalUnwritable} from '../install/journal.js'
import {writeFileAtomic} from '../system/atomic-file.js'
import {FileRefused, MiB, readBoundedFile} from '../system/bounded-read.js'

export interface ContactStoreRecord {
  kind: string
  location: string
  label: string
  /** The certificates this contact's adds put into the store (the correspondent's, issuers that were missing). */
  added: AddedCertificate[]
}

export interface ContactRecord {
  sha256: string
  /** The name people know it by (the subject's CN, else its address). */
  name: string
  subject: string
  emails: string[]
  issuer: string
  notBefore: string
  notAfter: string
  /** The certificate's DER, base64: public, and what undoing a removal puts back. */
  der: string
  /** Its issuers as they came with it (DER, base64), nearest first. */
  chain: string[]
  addedAt: string
  stores: ContactStoreRecord[]
}

export interface ContactsRecord {
  version: 1
  contacts: ContactRecord[]
}

/** Thousands of contacts fit in far less; more is not a record mailcert wrote. */
const MAX_RECORD_BYTES = 16 * MiB

export function contactsPath(dataDir: string): string {
  return path.join(dataDir, 'contacts.json')
}

function unreadable(file: string, why: string): UserError {
  return new UserError(`mailcert's record of the correspondents' certificates it imported (${file}) cannot be read: ${why}.`, {
    code: 'contacts-unreadable',
    exitCode: ExitCode.unexpected,
    hints: ['Nothing was changed. If you moved or edited that file, put it back as it was; to start afresh, move it aside (contact remove can then no longer take out what it recorded).'],
  })
}

export async function readContacts(file: string): Promise<ContactsRecord> {
  let text: string
  try {
    text = (await readBoundedFile(file, MAX_RECORD_BYTES)).toString('utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if ((error instanceof FileRefused && error.reason === 'missing') || code === 'ENOENT' || code === 'ENOTDIR') return {version: 1, contacts: []}
    throw unreadable(file, (error as Error).message)
  }
  let parsed: {version?: unknown; contacts?: unknown}
  try {
    parsed = JSON.parse(text) as typeof parsed
  } catch {
    throw unreadable(file, 'it is not valid JSON')
  }
  if (parsed.version !== 1) throw unreadable(file, `it is version ${String(parsed.version)}, which this mailcert does not know`)
  if (!Array.isArray(parsed.contacts)) throw unreadable(file, 'it has no list of contacts')
  return parsed as ContactsRecord
}

export async function writeContacts(file: string, record: ContactsRecord): Promise<void> {
  try {
    await mkdir(path.dirname(file), {recursive: true, mode: 0o700})
    await writeFileAtomic(file, `${JSON.stringify(record, null, 2)}\n`)
  } catch (error) {
    // The same sentence as for the journal: mailcert makes no change it cannot record.
    throw journalUnwritable(file, error)
  }
}

/** The record as one run holds it: each change written through before the next. */
export class ContactsFile {
  private constructor(
    readonly path: string,
    private current: ContactsRecord,
  ) {}

  static async open(dataDir: string): Promise<ContactsFile> {
    const file = contactsPath(dataDir)
    return new ContactsFile(file, await readContacts(file))
  }

  get record(): ContactsRecord {
    return this.current
  }

  async replace(record: ContactsRecord): Promise<void> {
    await writeContacts(this.path, record)
    this.current = record
  }

  /** A certificate was added to a store for `contact` (which is recorded with it when it is not yet). */
  async noteAdded(contact: ContactRecord, store: StoreRef, added: AddedCertificate): Promise<void> {
    const current = this.current.contacts.find((c) => c.sha256 === contact.sha256) ?? {...contact, stores: []}
    const others = current.stores.filter((s) => !sameStore(s, store))
    const mine = current.stores.find((s) => sameStore(s, store))?.added.filter((a) => a.sha256 !== added.sha256) ?? []
    const stores = [...others, {kind: store.kind, location: store.location, label: store.label, added: [...mine, added]}]
    await this.put(contact.sha256, {...current, stores})
  }

  /** A certificate that was added for `contactSha256` is out of the store again. */
  async noteRemoved(contactSha256: string, store: StoreRef, sha256: string): Promise<void> {
    const current = this.current.contacts.find((c) => c.sha256 === contactSha256)
    if (!current) return
    const stores = current.stores
      .map((s) => (sameStore(s, store) ? {...s, added: s.added.filter((a) => a.sha256 !== sha256)} : s))
      .filter((s) => s.added.length > 0)
    await this.put(contactSha256, {...current, stores})
  }

  /** Put `contact` in place of the one with its SHA-256 (or add it); null takes it out. */
  async put(sha256: string, contact: ContactRecord | null): Promise<void> {
    const others = this.current.contacts.filter((c) => c.sha256 !== sha256)
    await this.replace({...this.current, contacts: contact ? [...others, contact] : others})
  }
}

export function sameStore(a: Pick<StoreRef, 'kind' | 'location'>, b: Pick<StoreRef, 'kind' | 'location'>): boolean {
  return a.kind === b.kind && a.location === b.location
}
