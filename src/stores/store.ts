/**
 * A store is where a private key lives (an NSS database, later the login keychain or
 * `CurrentUser\My`). It knows no mail client: it can plan the import of an identity (re-encoded as
 * it needs), check what it holds, and plan taking out what an install added. Clients name the store
 * each of their places reads; several clients reading one store share one import.
 */
import type {Certificate} from '../identity/certificate-types.js'
import type {Identity} from '../identity/identity.js'
import type {JournalEntry} from '../install/journal.js'
import type {PlanStep, TargetFailure} from '../install/plan.js'

/** Which store, for people and for the record. */
export interface StoreRef {
  /** `nss`, later `keychain`, `windows`. */
  kind: string
  /** Where it is: a database folder, a keychain file. Two places with the same location share the store. */
  location: string
  /** What a person recognises: `the certificate database of Thunderbird profile "default"`. */
  label: string
  /** What the store's own password is called and which flag and variable give it, when it is not an NSS primary password. */
  password?: StorePasswordSource
}

export interface StorePasswordSource {
  /** `keychain password`. */
  name: string
  /** The flag that names a file holding it, without dashes: `keychain-password-file`. */
  fileFlag: string
  /** The environment variable that holds it: `MAILCERT_KEYCHAIN_PASSWORD`. */
  env: string
}

export type EmailUsage = 'signing' | 'encryption'

export interface Verdict {
  valid: boolean
  /** The store's reason when not valid, in words a person can act on. */
  reason?: string
  /** Stable reason code: `untrusted-issuer`, `unknown-issuer`, `expired`, `inadequate-usage`, `cannot-check`, ... */
  code?: string
}

/** What the mail client's own check accepted after the import: a usage it refused is not set up. Unset: not checked. */
export type AcceptedUsages = Partial<Record<EmailUsage, boolean>>

/** What the store's steps found out while they ran, for the client steps after them. */
export interface ImportedIdentity {
  accepted: AcceptedUsages
  /** The name the store gave the certificate (an NSS nickname), once it is there. */
  storedName?: string
}

export interface ImportOptions {
  /** Who reads the store, for messages: `Thunderbird`, `Evolution`. */
  readers: string
  trustRoot(root: Certificate): Promise<boolean>
  keepRefused: boolean
}

export interface StoreImport {
  steps: PlanStep[]
  warnings: string[]
  /** Filled in by the steps as they run. */
  imported: ImportedIdentity
  /** The store refuses the certificate: nothing will be put into it. */
  failure?: TargetFailure
  /** With --keep-refused: the certificate goes in, and no client may be set to use it. */
  refusedButKept?: boolean
}

/** A certificate the store already holds for an address (delivered by MDM, SCEP, or an earlier import). */
export interface StoredCertificate {
  certificate: Certificate
  /** How the store names it: an NSS nickname, a keychain label, a thumbprint. */
  name: string
  /** The store holds its private key. */
  hasKey: boolean
}

export interface CertificateStore {
  readonly ref: StoreRef
  /** How the store names this certificate for the record (`nss-dbkey`): what check looks for later. */
  references(certificate: Certificate): Record<string, string>
  planImport(identity: Identity, options: ImportOptions): Promise<StoreImport>
  /** Take out what a recorded install added (certificates, key, a root's trust), unless `stillUsed` says an account still names it. */
  planRemoval(entry: JournalEntry, stillUsed: () => Promise<boolean>): Promise<PlanStep[]>
  /**
   * Only the stores of the operating system (the shared NSS database, the keychain, the Windows
   * store) have these two: what they hold for the addresses, and a plan that uses one of those as it
   * is, importing nothing (`--from-store`).
   */
  storedIdentities?(emails: readonly string[]): Promise<StoredCertificate[]>
  planUseStored?(stored: StoredCertificate, options: ImportOptions): Promise<StoreImport>
  /** Give back what the steps hold open (a database session); a later step opens it again. */
  release(): Promise<void>
}
