/**
 * A correspondent's certificate in the user's Windows stores, for `mailcert contact`: the person's
 * own certificate into `CurrentUser\AddressBook` ("Other People", where Outlook looks up a
 * recipient's certificate), an intermediate issuer of it into `CurrentUser\CA`, both without a key
 * and trusted for nothing (neither store confers trust: only `Root` does, and roots are never added).
 * Windows only; every store is opened and closed within each call, so nothing stays open between them.
 */
import {BugError, ExitCode, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {AddedCertificate, ContactRole, ContactStoreSession} from '../../contacts/contact-store.js'
import {chainStatus, type SystemStoreName, szOID_PKIX_KP_EMAIL_PROTECTION, withCertificateBySha1, withMemoryStore} from '../../system/windows/crypt32.js'
import type {Verdict} from '../store.js'
import {verdictOfChain} from './chain-verdict.js'
import {issuersStillUsed} from './placement.js'
import {addToStore, listStore, removeFromStore, type StoredCertificate, storeHolds} from './user-stores.js'

/** The stores a contact's certificates go into. */
export type ContactStoreName = Extract<SystemStoreName, 'AddressBook' | 'CA'>

/** Where a certificate of this role goes. */
export function contactStoreFor(role: ContactRole): ContactStoreName {
  return role === 'correspondent' ? 'AddressBook' : 'CA'
}

/** Where Windows finds a certificate of this role already: an issuer the user trusts as a root needs no copy in CA. */
export function storesLookedIn(role: ContactRole): SystemStoreName[] {
  return role === 'correspondent' ? ['AddressBook'] : ['CA', 'Root']
}

/** The store a recorded add names; a name mailcert never gives is refused rather than looked for in some other store. */
export function storeOfAdded(added: AddedCertificate): ContactStoreName {
  if (added.name === 'AddressBook' || added.name === 'CA') return added.name
  throw new UserError(`mailcert's record of the correspondents' certificates names the Windows store "${added.name}" for the certificate ${added.sha256}, which is not a store mailcert adds them to: nothing was taken out of it.`, {
    code: 'contacts-unreadable',
    exitCode: ExitCode.unexpected,
    hints: ['If you edited contacts.json in mailcert\'s folder, put it back as it was.'],
  })
}

const thumbprint = (certificate: Certificate) => certificate.fingerprints.sha1.toUpperCase()
const parsed = (list: StoredCertificate[]) => list.flatMap((stored) => (stored.certificate ? [stored.certificate] : []))

export class WindowsContactSession implements ContactStoreSession {
  async holds(certificate: Certificate, role: ContactRole): Promise<boolean> {
    return storesLookedIn(role).some((name) => storeHolds(name, thumbprint(certificate)))
  }

  async add(certificate: Certificate, role: ContactRole): Promise<AddedCertificate> {
    const name = contactStoreFor(role)
    addToStore(name, certificate.der)
    return {sha256: certificate.fingerprints.sha256, role, name}
  }

  async remove(added: AddedCertificate): Promise<void> {
    const name = storeOfAdded(added)
    const stored = listStore(name).find((candidate) => candidate.sha256 === added.sha256)
    if (!stored) return
    // Linked to a private key since (someone installed it as their own): no longer only a correspondent's.
    if (stored.key) return
    // The user's own certificate may have come to chain through this issuer after it was added for a correspondent: it stays for that.
    if (name === 'CA' && stored.certificate && issuersStillUsed([stored.certificate], parsed(listStore('My')), parsed(listStore('CA'))).size > 0) return
    removeFromStore(name, stored.thumbprint)
  }

  /** Windows' own chain verdict for e-mail protection, as Outlook gets it; `chain` is offered in memory only, so nothing is added to ask. */
  async encryptionVerdict(certificate: Certificate, chain: Certificate[]): Promise<Verdict | null> {
    return withMemoryStore([certificate.der, ...chain.map((c) => c.der)], (memory) =>
      withCertificateBySha1(memory, Buffer.from(thumbprint(certificate), 'hex'), (context) => {
        if (!context) throw new BugError('The certificate is not in the store in memory it was just put into.')
        return verdictOfChain(chainStatus(context, szOID_PKIX_KP_EMAIL_PROTECTION, memory))
      }),
    )
  }

  async close(): Promise<void> {}
}
