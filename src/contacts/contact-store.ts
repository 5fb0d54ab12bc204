/**
 * A store as `mailcert contact` uses it: whether it already holds a certificate where its readers
 * look for it, adding one without a key (a correspondent's, or an issuer of it, trusted for
 * nothing), and taking out again what was added. One small class per kind of store (NSS here, the
 * keychain and the Windows stores beside their other code), behind this interface.
 */
import type {UserError} from '../errors.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {StoreRef, Verdict} from '../stores/store.js'

/** A correspondent's own certificate, or an intermediate issuer of it (roots are never added: adding one is trusting it, which is the user's call). */
export type ContactRole = 'correspondent' | 'issuer'

/** What an add put into a store, as the contacts record keeps it, so that remove takes out exactly that. */
export interface AddedCertificate {
  sha256: string
  role: ContactRole
  /** The store's name for it: an NSS nickname, a keychain label, a Windows store (`AddressBook`, `CA`). */
  name: string
}

export interface ContactStoreSession {
  /** Whether the store holds this certificate already, where its readers look for it in this role. */
  holds(certificate: Certificate, role: ContactRole): Promise<boolean>
  /** Adds it (trusted for nothing) and says under which name. */
  add(certificate: Certificate, role: ContactRole): Promise<AddedCertificate>
  /** Takes it out; one that is not there any more is already out. */
  remove(added: AddedCertificate): Promise<void>
  /** Whether the store's readers would encrypt to the certificate, with `chain` as intermediates; null when the store cannot tell. */
  encryptionVerdict?(certificate: Certificate, chain: Certificate[]): Promise<Verdict | null>
  close(): Promise<void>
}

/** The store's password, asked for only when it has one (an NSS primary password). */
export type ContactStorePassword = (ref: StoreRef) => Promise<string>

/** A store a client looks up other people's certificates in, to encrypt mail to them. Several clients may read one. */
export interface CorrespondentStore {
  ref: StoreRef
  /** The clients that read it, for sentences: `Thunderbird`, `Apple Mail and Outlook`. */
  readers: string[]
  /** The error (exit 6) to refuse with when a reader runs on it now and it must not be changed; null otherwise. */
  busy: UserError | null
  /** Null: only to look (contact list), no password asked; a store that needs one to be read at all says so by throwing. */
  open(password: ContactStorePassword | null): Promise<ContactStoreSession>
}
