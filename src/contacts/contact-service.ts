/**
 * `mailcert contact`: where correspondents' certificates go (every store a client here reads them
 * from), the plan that puts one in (its certificate and the intermediate issuers a store lacks,
 * never a root: adding a root is trusting it), and the plan that takes out what was added.
 */
import type {ClientContext, MailClient} from '../clients/client.js'
import {parseCertificate} from '../identity/certificate.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {Plan, PlanStep, PlanTarget} from '../install/plan.js'
import {sameAddress} from '../identity/same-address.js'
import {type ContactCertificate, displayName} from './contact-input.js'
import {AddCertificateStep, HandOverIssuerStep, RemoveCertificateStep} from './contact-steps.js'
import type {ContactRole, ContactStorePassword, ContactStoreSession, CorrespondentStore} from './contact-store.js'
import {type ContactRecord, type ContactsFile, sameStore} from './contacts-record.js'

/** Every store the given clients read correspondents' certificates from, each once with all its readers. */
export async function findCorrespondentStores(clients: MailClient[], context: ClientContext): Promise<CorrespondentStore[]> {
  const found: CorrespondentStore[] = []
  for (const client of clients) {
    if (!client.correspondentStores) continue
    const survey = await client.survey(context)
    for (const store of await client.correspondentStores(survey, context)) {
      const same = found.find((s) => sameStore(s.ref, store.ref))
      if (!same) found.push({...store, readers: [...store.readers]})
      else {
        same.readers = [...new Set([...same.readers, ...store.readers])]
        same.busy ??= store.busy
      }
    }
  }
  return found
}

function once(work: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined
  return () => (done ??= work())
}

export function readersText(readers: string[]): string {
  return readers.length <= 1 ? (readers[0] ?? '') : `${readers.slice(0, -1).join(', ')} and ${readers.at(-1)}`
}

/** What the contacts record keeps of a certificate (before it is in any store). */
export function contactRecordOf(contact: ContactCertificate, now: Date): ContactRecord {
  const certificate = contact.certificate
  return {
    sha256: certificate.fingerprints.sha256,
    name: displayName(certificate),
    subject: certificate.subject.text,
    emails: certificate.emails,
    issuer: certificate.issuer.text,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    der: certificate.der.toString('base64'),
    chain: contact.chain.map((c) => c.der.toString('base64')),
    addedAt: now.toISOString(),
    stores: [],
  }
}

export function certificateOf(record: ContactRecord): Certificate {
  return parseCertificate(Buffer.from(record.der, 'base64'))
}

export function chainOf(record: ContactRecord): Certificate[] {
  return record.chain.map((der) => parseCertificate(Buffer.from(der, 'base64')))
}

/** The issuers that go into a store with the certificate: the intermediates, never a root. */
export function issuersToAdd(chain: Certificate[]): Certificate[] {
  return chain.filter((c) => !c.selfSigned)
}

export interface ContactPlan {
  plan: Plan
  /** Per store, the store's readers' verdict on encrypting to the certificate (null: the store cannot tell). */
  verdicts: Array<{store: string; readers: string; valid: boolean | null; reason?: string}>
}

function target(store: CorrespondentStore, steps: PlanStep[], accounts: string[], session: ContactStoreSession | null): PlanTarget {
  return {
    clients: store.readers,
    label: store.ref.label,
    location: store.ref.location,
    accounts,
    steps,
    warnings: [],
    // Apply closes each target as it ends, and the command closes them all for a dry run or a no.
    ...(session ? {close: once(() => session.close())} : {}),
  }
}

async function openAll(stores: CorrespondentStore[], password: ContactStorePassword): Promise<Array<{store: CorrespondentStore; session: ContactStoreSession | null}>> {
  const opened: Array<{store: CorrespondentStore; session: ContactStoreSession | null}> = []
  try {
    for (const store of stores) opened.push({store, session: store.busy ? null : await store.open(password)})
  } catch (error) {
    await Promise.all(opened.map(({session}) => session?.close()))
    throw error
  }
  return opened
}

function busyFailure(store: CorrespondentStore): PlanTarget['failure'] {
  const busy = store.busy!
  return {code: busy.code, reason: busy.message, hints: busy.hints, exitCode: busy.exitCode}
}

/** The plan that puts `contact` into every store that lacks it: one target per store, one step per certificate. */
export async function planAddContact(options: {
  contact: ContactCertificate
  record: ContactRecord
  stores: CorrespondentStore[]
  password: ContactStorePassword
  contacts: ContactsFile
}): Promise<ContactPlan> {
  const {contact, record, contacts} = options
  const opened = await openAll(options.stores, options.password)
  const targets: PlanTarget[] = []
  const verdicts: ContactPlan['verdicts'] = []
  const accounts = contact.certificate.emails
  try {
    for (const {store, session} of opened) {
      if (!session) {
        targets.push({...target(store, [], accounts, null), failure: busyFailure(store)})
        continue
      }
      const wanted: Array<[Certificate, ContactRole]> = [[contact.certificate, 'correspondent'], ...issuersToAdd(contact.chain).map((c): [Certificate, ContactRole] => [c, 'issuer'])]
      const steps: PlanStep[] = []
      for (const [certificate, role] of wanted) {
        if (!(await session.holds(certificate, role))) steps.push(new AddCertificateStep(session, store.ref, certificate, role, record, contacts))
      }
      const planned = target(store, steps, accounts, session)
      const verdict = session.encryptionVerdict ? await session.encryptionVerdict(contact.certificate, contact.chain) : null
      verdicts.push({store: store.ref.label, readers: readersText(store.readers), valid: verdict?.valid ?? null, ...(verdict?.reason ? {reason: verdict.reason} : {})})
      if (verdict && !verdict.valid) planned.warnings.push(`${readersText(store.readers)} will not encrypt to it yet: ${verdict.reason ?? 'it does not accept the certificate'}.`)
      targets.push(planned)
    }
  } catch (error) {
    await Promise.all(opened.map(({session}) => session?.close()))
    throw error
  }
  return {plan: {targets}, verdicts}
}

/** The contacts `who` names: an address, a SHA-256 fingerprint (or its start, 8 hex digits at least), or every one with --expired. */
export function selectContacts(record: ContactRecord[], who: {match?: string; sha256?: string; expiredAt?: Date}): ContactRecord[] {
  return record.filter((contact) => {
    if (who.expiredAt && new Date(contact.notAfter) <= who.expiredAt) return true
    if (who.sha256 && contact.sha256 === who.sha256) return true
    const match = who.match?.trim()
    if (!match) return false
    if (match.includes('@')) return contact.emails.some((email) => sameAddress(email, match))
    const hex = match.replaceAll(':', '').toLowerCase()
    return hex.length >= 8 && /^[0-9a-f]+$/.test(hex) && contact.sha256.startsWith(hex)
  })
}

/**
 * The plan that takes out of each store what `contact add` put there for `removed`. An issuer
 * another contact still needs in that store stays, recorded for that contact from then on.
 */
export async function planRemoveContacts(options: {
  removed: ContactRecord[]
  all: ContactRecord[]
  stores: CorrespondentStore[]
  password: ContactStorePassword
  contacts: ContactsFile
}): Promise<ContactPlan & {gone: string[]}> {
  const {removed, contacts} = options
  const removedShas = new Set(removed.map((c) => c.sha256))
  const staying = options.all.filter((c) => !removedShas.has(c.sha256))
  // Each issuer a staying contact came with, parsed once: the first such contact takes it over.
  const neededBy = new Map<string, ContactRecord>()
  for (const other of staying) for (const issuer of chainOf(other)) if (!neededBy.has(issuer.fingerprints.sha256)) neededBy.set(issuer.fingerprints.sha256, other)
  const recorded = options.stores.filter((store) => removed.some((contact) => contact.stores.some((s) => sameStore(s, store.ref) && s.added.length > 0)))
  // A store that was recorded and is no longer here (a profile deleted since) has nothing left to take out.
  const gone = [...new Set(removed.flatMap((contact) => contact.stores.filter((s) => !options.stores.some((store) => sameStore(s, store.ref))).map((s) => s.label)))]
  const opened = await openAll(recorded, options.password)
  const targets: PlanTarget[] = []
  for (const {store, session} of opened) {
    const accounts = [...new Set(removed.flatMap((c) => c.emails))]
    if (!session) {
      targets.push({...target(store, [], accounts, null), failure: busyFailure(store)})
      continue
    }
    const steps: PlanStep[] = []
    for (const contact of removed) {
      const pool = [certificateOf(contact), ...chainOf(contact)]
      for (const added of contact.stores.find((s) => sameStore(s, store.ref))?.added ?? []) {
        const certificate = pool.find((c) => c.fingerprints.sha256 === added.sha256)
        if (!certificate) continue
        const needs = added.role === 'issuer' ? neededBy.get(added.sha256) : undefined
        steps.push(needs ? new HandOverIssuerStep(store.ref, certificate, added, contact, needs, contacts) : new RemoveCertificateStep(session, store.ref, certificate, added, contact, contacts))
      }
    }
    targets.push(target(store, steps, accounts, session))
  }
  return {plan: {targets}, verdicts: [], gone}
}

export interface ContactPresence {
  /** The store's label. */
  store: string
  location: string
  readers: string
  /** Whether the certificate is in it now; null when the store could not be read. */
  present: boolean | null
  /** mailcert put it there (contact remove takes it out again). */
  addedByMailcert: boolean
}

/** Where each contact's certificate is now: every store a client here reads, looked at without a password. */
export async function contactPresence(contacts: ContactRecord[], stores: CorrespondentStore[]): Promise<Map<string, ContactPresence[]>> {
  const found = new Map<string, ContactPresence[]>(contacts.map((c) => [c.sha256, []]))
  const certificates = contacts.map((contact) => ({contact, certificate: certificateOf(contact)}))
  for (const store of stores) {
    let session: ContactStoreSession | null = null
    try {
      session = await store.open(null)
    } catch {
      session = null
    }
    try {
      for (const {contact, certificate} of certificates) {
        const addedByMailcert = contact.stores.some((s) => sameStore(s, store.ref) && s.added.some((a) => a.sha256 === contact.sha256))
        found.get(contact.sha256)!.push({store: store.ref.label, location: store.ref.location, readers: readersText(store.readers), present: session ? await session.holds(certificate, 'correspondent') : null, addedByMailcert})
      }
    } finally {
      await session?.close()
    }
  }
  return found
}

export interface ListedContact {
  name: string
  emails: string[]
  fingerprintSha256: string
  subject: string
  issuer: string
  notBefore: string
  notAfter: string
  expired: boolean
  /** Whole days until it expires (negative once it has). */
  daysLeft: number
  addedAt: string
  /** Every store the mail clients here read, and whether the certificate is in it now. */
  stores: ContactPresence[]
}

export function daysLeft(notAfter: Date | string, now: Date): number {
  return Math.floor((new Date(notAfter).getTime() - now.getTime()) / 86_400_000)
}

export function listedContacts(contacts: ContactRecord[], presence: Map<string, ContactPresence[]>, now: Date): ListedContact[] {
  return contacts.map((c) => ({
    name: c.name,
    emails: c.emails,
    fingerprintSha256: c.sha256,
    subject: c.subject,
    issuer: c.issuer,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    expired: new Date(c.notAfter) <= now,
    daysLeft: daysLeft(c.notAfter, now),
    addedAt: c.addedAt,
    stores: presence.get(c.sha256) ?? [],
  }))
}
