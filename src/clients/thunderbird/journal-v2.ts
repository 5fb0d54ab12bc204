/**
 * Journals of versions 1 and 2 (before mailcert knew more than one client) held Thunderbird
 * profiles only: each entry one profile, its NSS database in the profile folder, its identities in
 * prefs.js. This reads such an entry as the neutral entry of version 3.
 */
import type {IdentityRecord, JournalEntry, TargetChanges} from '../../install/journal.js'
import {NSS_DBKEY, NSS_STORE_KIND} from '../../stores/nss/nss-store.js'

/** An entry as versions 1 and 2 wrote it: one Thunderbird profile, its NSS database, its identities. */
export interface ThunderbirdEntryV2 {
  sequence?: number
  client: string
  label: string
  profileName: string
  location: string
  installedAt: string
  certificate: {sha256: string; emails: string[]; subject: string; dbKey: string}
  identities: Array<{key: string; email: string; previous: IdentityRecord['previous']; applied: IdentityRecord['applied']}>
  addedCertificates: string[]
  trustedRoot: TargetChanges['trustedRoot']
  inProgress?: JournalEntry['inProgress']
}

/** Versions 1 and 2 knew only Thunderbird: each entry was one profile, whose NSS database is in the profile folder. */
export function migrateVersion2Entry(entry: ThunderbirdEntryV2, sequence: number): JournalEntry {
  const {dbKey, ...certificate} = entry.certificate
  return {
    sequence,
    store: {kind: NSS_STORE_KIND, location: entry.location},
    clients: [entry.client],
    label: entry.label,
    installedAt: entry.installedAt,
    certificate: {...certificate, references: {[NSS_DBKEY]: dbKey}},
    identities: entry.identities.map((identity) => ({client: entry.client, place: entry.location, ...identity})),
    addedCertificates: entry.addedCertificates,
    trustedRoot: entry.trustedRoot,
    ...(entry.inProgress ? {inProgress: entry.inProgress} : {}),
  }
}

