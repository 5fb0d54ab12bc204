/** How a correspondent's certificate is shown: whose it is, who issued it, and whether mail can be encrypted to it. */
import type {Certificate} from '../identity/certificate-types.js'
import type {ContactCertificate} from '../contacts/contact-input.js'
import {displayName} from '../contacts/contact-input.js'
import {daysLeft, type ListedContact} from '../contacts/contact-service.js'
import type {ExpiringContact} from '../contacts/expiring-contacts.js'
import {colonHex, style, table} from './style.js'

function day(date: Date | string): string {
  return new Date(date).toISOString().slice(0, 10)
}

/** `Bob Example <bob@example.com>`, or the address alone when it is the name. */
export function person(name: string, emails: string[]): string {
  return emails.length === 1 && emails[0]!.toLowerCase() === name.toLowerCase() ? name : `${name} <${emails.join('>, <')}>`
}


export function renderContact(contact: ContactCertificate, now: Date): string {
  const c = contact.certificate
  const issuer = contact.chain[0] ? displayName(contact.chain[0]) : issuerName(c)
  const rows: Array<[string, string | string[]]> = [
    ['Whose', person(displayName(c), c.emails)],
    ['Issued by', issuer],
    ['Valid', `${day(c.notBefore)} to ${day(c.notAfter)} (${daysLeft(c.notAfter, now)} days left)`],
    ['Encryption', 'allowed (key usage and extended key usage)'],
    ['Fingerprint', `SHA-256 ${colonHex(c.fingerprints.sha256)}`],
    ['Read from', contact.from ? `a signed message from ${contact.from}` : `a ${contact.format} file${contact.chain.length > 0 ? ` with ${contact.chain.length} issuer certificate${contact.chain.length === 1 ? '' : 's'}` : ''}`],
  ]
  return [style.heading('Correspondent\'s certificate:'), table(rows)].join('\n')
}

function issuerName(c: Certificate): string {
  return c.issuer.attributes.find((a) => a.type === 'CN')?.value ?? c.issuer.text
}

export function renderContactList(contacts: ListedContact[]): string {
  if (contacts.length === 0) return 'mailcert has imported no correspondent\'s certificate for this user. Add one with `mailcert contact add FILE`.'
  const lines = [style.heading(`Correspondents' certificates mailcert imported (${contacts.length}):`)]
  for (const contact of [...contacts].sort((a, b) => a.name.localeCompare(b.name))) {
    const state = contact.expired ? style.bad(`expired ${day(contact.notAfter)}`) : contact.daysLeft <= 30 ? style.warn(`expires ${day(contact.notAfter)}, in ${contact.daysLeft} days`) : `valid until ${day(contact.notAfter)}`
    lines.push(`  ${person(contact.name, contact.emails)}: ${state}`, `    SHA-256 ${colonHex(contact.fingerprintSha256.slice(0, 16))}…, issued by ${contact.issuer}`)
    for (const store of contact.stores) {
      const mark = store.present === null ? style.dim('?') : store.present ? style.ok('✔') : style.warn('✖')
      const how = store.present === null ? 'could not be read' : store.present ? (store.addedByMailcert ? 'there' : 'there (it was before mailcert added it)') : 'missing: `mailcert contact add` puts it back'
      lines.push(`    ${mark} ${store.store}: ${how}`)
    }
  }
  return lines.join('\n')
}

export function renderExpiringContacts(contacts: ExpiringContact[]): string[] {
  if (contacts.length === 0) return []
  const lines = [style.heading('Correspondents\' certificates that expire soon')]
  for (const c of contacts) {
    lines.push(`  ${c.expired ? style.bad('✖') : style.warn('▲')} ${person(c.name, c.emails)}: ${c.expired ? `expired ${day(c.notAfter)}` : `expires ${day(c.notAfter)}, in ${c.daysLeft} day${c.daysLeft === 1 ? '' : 's'}`}`)
  }
  lines.push(
    style.dim('    Ask them for their new certificate (or a message they signed with it), then: mailcert contact add FILE'),
    ...(contacts.some((c) => c.expired) ? [style.dim('    Expired ones can no longer be encrypted to; clear them with: mailcert contact remove --expired')] : []),
  )
  return lines
}
