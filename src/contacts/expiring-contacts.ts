/** The correspondents' certificates `check` lists: those that expire soon or have expired (the same 30 days as the user's own), soonest first. */
import {EXPIRY_WARNING_DAYS} from '../identity/findings.js'
import {daysLeft} from './contact-service.js'
import type {ContactRecord} from './contacts-record.js'

export interface ExpiringContact {
  name: string
  emails: string[]
  fingerprintSha256: string
  notAfter: string
  daysLeft: number
  expired: boolean
}

export function expiringContacts(contacts: ContactRecord[], now: Date): ExpiringContact[] {
  return contacts
    .map((c) => ({name: c.name, emails: c.emails, fingerprintSha256: c.sha256, notAfter: c.notAfter, daysLeft: daysLeft(c.notAfter, now), expired: new Date(c.notAfter) <= now}))
    .filter((c) => c.daysLeft < EXPIRY_WARNING_DAYS)
    .sort((a, b) => a.notAfter.localeCompare(b.notAfter))
}
