/**
 * A renewal is an install for an address whose accounts mailcert had set to another certificate:
 * the new one takes its place in the settings, and the old one (with its private key) stays in the
 * store, because mail encrypted to it can only be opened with that key. What the accounts used
 * before comes from mailcert's own record, so it names only certificates mailcert installed.
 */
import {sameAddress} from '../identity/same-address.js'
import type {Journal, JournalEntry} from './journal.js'
import {newestFirst} from './journal.js'
import type {Plan} from './plan.js'

export interface ReplacedCertificate {
  /** The target (store and the accounts reading it), as the plan names it. */
  label: string
  location: string
  /** The addresses that used the old certificate there and now get the new one. */
  accounts: string[]
  certificate: {subject: string; sha256: string; notAfter: string | null}
}

/**
 * For each target of the plan, the certificate each of its accounts was last set to by mailcert,
 * when that is another certificate than `sha256`.
 */
export function replacedCertificates(journal: Journal, plan: Plan, sha256: string): ReplacedCertificate[] {
  const replaced: ReplacedCertificate[] = []
  for (const target of plan.targets) {
    if (!target.recordAs || target.skip || target.failure) continue
    const entries = newestFirst(journal.entries.filter((entry) => entry.store.location === target.location))
    const byCertificate = new Map<string, {entry: JournalEntry; accounts: string[]}>()
    for (const email of target.accounts) {
      // The newest install for this address there is what it uses now (an older one was replaced already).
      const last = entries.find((entry) => entry.identities.some((identity) => target.clients.includes(identity.client) && sameAddress(identity.email, email)))
      if (!last || last.certificate.sha256 === sha256) continue
      const seen = byCertificate.get(last.certificate.sha256) ?? {entry: last, accounts: []}
      seen.accounts.push(email)
      byCertificate.set(last.certificate.sha256, seen)
    }
    for (const {entry, accounts} of byCertificate.values()) {
      replaced.push({
        label: target.label,
        location: target.location,
        accounts,
        certificate: {subject: entry.certificate.subject, sha256: entry.certificate.sha256, notAfter: entry.certificate.notAfter ?? null},
      })
    }
  }
  return replaced
}

function day(iso: string): string {
  return iso.slice(0, 10)
}

/** In plain words, for the plan (which the guided installer shows before asking) and the report. */
export function describeReplaced(replaced: ReplacedCertificate, now: Date): string[] {
  const {certificate} = replaced
  const when = certificate.notAfter === null ? '' : new Date(certificate.notAfter) < now ? `, expired ${day(certificate.notAfter)}` : `, valid until ${day(certificate.notAfter)}`
  return [
    `${replaced.accounts.join(', ')} used ${certificate.subject} (SHA-256 ${certificate.sha256.slice(0, 16)}…${when}) until now; the new certificate takes its place for signing and encryption.`,
    'The old certificate and its private key stay where they are, so mail encrypted to the old certificate still opens.',
    'When you no longer need to read mail encrypted to it, `mailcert remove --expired --delete-identity` takes it out once it has expired.',
  ]
}
