/**
 * What a mail client is to mailcert: something that can be found on the machine (its program and
 * its places: Thunderbird's profiles, Evolution's identity sources), whose accounts read their keys
 * from a store, and that can point those accounts at a certificate, check them, and undo that.
 * install, check and remove work over a list of these (clients/index.ts) and name none of them.
 */
import type {CorrespondentStore} from '../contacts/contact-store.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {Identity} from '../identity/identity.js'
import type {IdentityRecord, JournalEntry} from '../install/journal.js'
import type {PlanStep, PlanTarget} from '../install/plan.js'
import type {ImportedIdentity, CertificateStore, StoreRef, Verdict} from '../stores/store.js'
import type {Machine} from '../system/platform.js'
import type {UserError} from '../errors.js'
import type {SupportRow} from './support-table.js'

/** An account or identity that a certificate can be set for. */
export interface MailAccount {
  /** The client's own name for it (Thunderbird `id1`, an Evolution source uid). */
  key: string
  email: string | null
  name: string | null
}

/** One place of a client where accounts live: a Thunderbird profile, Evolution's sources. */
export interface ClientPlace {
  client: string
  /** The client's name, for sentences: `Thunderbird`. */
  clientName: string
  /** The place's own name and what it is: `default-release`, `profile`. */
  name: string
  noun: string
  /** Where its settings are (a profile folder, a sources folder): its key in plans and the journal. */
  location: string
  /** What a person recognises: `Thunderbird profile "default"`. */
  label: string
  /** The label with what helps to choose (version, whether it runs), for the guided checklist. */
  title: string
  /** Null when its settings cannot be read (see `unreadable`). */
  accounts: MailAccount[] | null
  /** Why nothing can be set up here now (never used, no database yet), or null. */
  unusable: string | null
  /** For settings that cannot be read: what is wrong and what to do. */
  unreadable: {problem: string; hints: string[]} | null
  /** The client runs on it now, so its settings must not be changed. */
  busy: boolean
  /**
   * The client's accounts cannot be listed (Outlook for Mac keeps them where no documented format
   * reads them): every address of the certificate counts as one of its accounts, and the client
   * chooses the certificate itself.
   */
  takesCertificateAddresses?: boolean
}

export interface ClientSurvey {
  client: MailClient
  /** The program, when found. */
  program: string | null
  /** The program or some settings of the client were found. */
  installed: boolean
  places: ClientPlace[]
  /** What was looked for, and where, to say so when none is found: `Thunderbird's profiles`. */
  searchedFor: string
  /** Where; empty when the client does not exist on this system and was not looked for (Apple Mail on Linux). */
  searched: string[]
}

/** The values of the command-line flags (each client reads its own: `profile`, `nss-driver`, ...). */
export type FlagValues = Record<string, unknown>

export interface ClientContext {
  machine: Machine
  flags: FlagValues
}

export interface InstallChoices {
  /** The certificate to sign with, and to decrypt with unless `encryptionIdentity` is given. */
  identity: Identity
  /** A separate encryption certificate for the same address (an authority that issues a pair). */
  encryptionIdentity?: Identity
  /** Only these addresses (`--account`); empty for every address of the certificate. */
  accounts: string[]
  /** The guided installer's choice of accounts; undefined for every matching one. */
  include?(place: ClientPlace, accountKey: string): boolean
  signByDefault?: boolean
  encryptByDefault?: boolean
  keepRefused: boolean
  /** Whether to trust a private root for e-mail in a store: asks the user, or answers from `--trust-root`. */
  trustRoot(root: Certificate, store: StoreRef): Promise<boolean>
  /** A store's own password (an NSS primary password), when it has one. */
  storePassword(store: StoreRef): Promise<string>
  /**
   * Whether the programs that read a store may use the key without asking for the store's password
   * once each (the macOS keychain), and that password to allow it; null: they will ask.
   */
  keyAccess(store: StoreRef, programs: string[]): Promise<{password: string} | null>
}

/** One client's part of an install target: its accounts that read `store`. */
export interface ClientPart {
  client: string
  place: ClientPlace
  /** The addresses it configures. */
  accounts: string[]
  store: CertificateStore
  /**
   * The steps that point the accounts at the certificate; they run after the store's steps.
   * `encryption` is the import of the separate encryption certificate, when there is one.
   */
  configure(imported: ImportedIdentity, encryption?: ImportedIdentity): PlanStep[]
  warnings: string[]
}

export interface ClientInstallPlan {
  parts: ClientPart[]
  /** Places that will not be changed (skipped) or could not be planned (failed). */
  others: PlanTarget[]
  /** How the client reaches its stores, for the report (`tools`, `thunderbird`); null when not needed. */
  storeAccess: string | null
  /** Release what planning started (a helper program): after the plan was applied or dropped. */
  dispose(): Promise<void>
}

/** One client's part of undoing a recorded install: the settings it changed, put back. */
export interface ClientRemoval {
  steps: PlanStep[]
  /** The place cannot be changed (it is gone, or cannot be read): nothing is undone there. */
  skip?: {code: string; reason: string}
  /** Whether a place of this client still names the certificate of `entry` (then it is not deleted). */
  usesCertificate(entry: JournalEntry): Promise<boolean>
}

export interface RemoveChoices {
  deleteIdentity: boolean
  storePassword(store: StoreRef): Promise<string>
}

/** An NSS database where a client keeps its keys, for `share --from-store` (which signs there with NSS's own cmsutil). */
export interface NssDatabasePlace {
  ref: StoreRef
  /** The database folder (cert9.db and key4.db). */
  dir: string
  /** What `share --profile` may call it: a profile's name and folder, or the folder. */
  names: string[]
  /** Where the client shows or sets the database's primary password, for a wrong one. */
  passwordHint: string
}

/** The store a recorded install went into, reopened for remove. */
export interface ReopenedStore {
  store: CertificateStore
  storeAccess: string | null
  dispose(): Promise<void>
}

// ---- check -------------------------------------------------------------------------------------

export interface Problem {
  severity: 'error' | 'warning' | 'info'
  code: string
  message: string
  fix: string
  /** Where: the place (a profile folder), and the address when it is about one account. */
  profile?: string
  account?: string
}

export interface CertificateState {
  /** How the settings name the certificate: a Thunderbird dbKey, an NSS nickname. */
  reference: string
  name: string
  /** Null when the store has no such certificate. */
  certificate: {subject: string; emails: string[]; notBefore: string; notAfter: string; daysLeft: number; fingerprintSha256: string; nickname: string} | null
  hasKey: boolean
  verdict: Verdict | null
}

export interface IdentityCheck {
  key: string
  email: string | null
  name: string | null
  accounts: string[]
  configured: boolean
  signing: CertificateState | null
  encryption: CertificateState | null
  signByDefault: boolean
  encryptByDefault: boolean
  problems: Problem[]
}

/** One place as check found it. */
export interface PlaceCheck {
  name: string
  dir: string
  /** The heading check prints for it: `Profile "default"`, `Identities`. */
  title: string
  /** Short facts after the heading (version, default, running, how it was read). */
  facts: string[]
  busy: boolean
  /** How its store was read (`tools`, `thunderbird`), or null when it was not. */
  checkedWith: string | null
  /** Said instead of the identities when there are none to list ("never used"). */
  note?: {text: string; severity: 'info' | 'error'}
  identities: IdentityCheck[]
  problems: Problem[]
}

export interface ClientCheck {
  client: string
  name: string
  /** Where the program is, when found. */
  program: string | null
  support: SupportRow
  /** How the client's stores were read, for the report; null when they were not. */
  storeAccess: string | null
  /** Said when it has no place at all ("no profile for this user"). */
  empty?: string
  profiles: PlaceCheck[]
}

/** A certificate an account is expected to use: the one named on the command line, or one mailcert installed. */
export interface ExpectedCertificate {
  source: 'given' | 'journal'
  emails: readonly string[]
  subject: string
  /** How stores name it (`nss-dbkey`), as recorded. */
  references: Record<string, string>
  /** The certificate itself, when it was named on the command line (a client computes its own name for it). */
  certificate?: Certificate
  notAfter?: Date
  installedAt?: string
  /** The file it came from, for the fix (`mailcert install FILE`). */
  file?: string
  label?: string
}

export interface CheckContext {
  machine: Machine
  flags: FlagValues
  /** Ask the client itself for its verdict (Thunderbird headless), not only NSS's tools. */
  deep: boolean
  /** false: leave out the chain verdicts (vfychain, the client's second opinion); `status` asks only what is where. Default true. */
  verify?: boolean
  now: Date
  /** A store's password when one was given; undefined otherwise. */
  storePassword(store: StoreRef): Promise<string | undefined>
  /** The certificate named on the command line, and what mailcert installed (per place). */
  expected(place: string): ExpectedCertificate[]
  /** The command that installs the certificate for an account of this client. */
  installCommand(email: string | null): string
}

export interface ClientCheckResult {
  check: ClientCheck
  /** Problems of the client as a whole (installed without any profile, no mail account). */
  problems: Problem[]
}

export interface MailClient {
  /** Stable id for flags, reports and the journal: `thunderbird`. */
  readonly id: string
  readonly name: string
  /** Whether it has settings to sign or encrypt every message by default (Apple Mail and Outlook for Mac have none mailcert can write). */
  readonly setsSendDefaults: boolean
  /** Its S/MIME support facts per platform, with public sources (the `check --all` rows). */
  readonly support: readonly SupportRow[]
  /** What of the client is on this machine (`installed` false when neither its program nor its settings are). */
  survey(context: ClientContext): Promise<ClientSurvey>
  /** The error for places the client runs on (exit 6). */
  busyError(busy: ClientPlace[]): UserError
  planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan>
  /** Null when the client is not installed here. */
  check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null>
  /** Undo recorded settings of this client (in `place`); `beforeWrite` gives back what the store holds open first. */
  planRemoval(place: string, records: IdentityRecord[], context: ClientContext, beforeWrite: () => Promise<void>): Promise<ClientRemoval>
  /** The store a recorded install of this client went into, to take the certificate out again. */
  reopenStore?(entry: JournalEntry, choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null>
  /**
   * The operating system's store the client reads (the shared NSS database, the keychain, the
   * Windows store), for `--from-store`; a client with its own database (Thunderbird) has none.
   */
  systemStore?(context: ClientContext, choices: Omit<InstallChoices, 'identity'>): Promise<ReopenedStore>
  /** The NSS databases that exist here and hold this client's keys (Thunderbird's profiles, Evolution's shared one), most likely first. */
  nssDatabases?(survey: ClientSurvey, context: ClientContext): Promise<NssDatabasePlace[]>
  /** The stores (that exist now) where the client looks up correspondents' certificates to encrypt to them, for `mailcert contact`. */
  correspondentStores?(survey: ClientSurvey, context: ClientContext): Promise<CorrespondentStore[]>
  /** What to do next, after an install that changed something. */
  nextSteps?(accounts: string[]): string[]
}
