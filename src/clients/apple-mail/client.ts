/**
 * Apple Mail as a mail client of mailcert (macOS): one place, the user's mail accounts as Internet
 * Accounts lists them, whose keys Mail finds in the keychain search list by the From address. What
 * mailcert sets is the keychain's identity preference per address; Mail has nothing else to set.
 */
import {ExitCode, UserError} from '../../errors.js'
import {canEncrypt} from '../../identity/key-usage.js'
import type {IdentityRecord, JournalEntry} from '../../install/journal.js'
import {matchingAccounts} from '../../install/install-service.js'
import type {PlanTarget} from '../../install/plan.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
import {keychainCorrespondentStore} from '../../stores/keychain/contact-store.js'
import {KEYCHAIN_SHA1} from '../../stores/keychain/keychain-store.js'
import {findAppBundle} from '../../system/app-bundle.js'
import {macosVersion} from '../../system/macos-version.js'
import type {
  CheckContext,
  ClientCheckResult,
  ClientContext,
  ClientInstallPlan,
  ClientPlace,
  ClientRemoval,
  ClientSurvey,
  InstallChoices,
  MailClient,
  RemoveChoices,
  ReopenedStore,
} from '../client.js'
import {keychainRef, keychainRefAt, keychainStoreFor, MAIL_APP} from '../keychain/keychain-for.js'
import {SUPPORT_TABLE, supportRow} from '../support-table.js'
import {accountsDatabase, readMailAccounts} from './accounts.js'
import {checkAppleMail} from './check.js'
import {APPLE_MAIL, preferredSha1, RestoreIdentityPreferencesStep, SetIdentityPreferencesStep} from './preference-steps.js'
import {choosesByAddress} from '../chooses-by-address.js'

export interface AppleMailSurvey extends ClientSurvey {
  keychain: string
  mailVersion: string | null
  macosVersion: string | null
}

class AppleMail implements MailClient {
  readonly id = APPLE_MAIL
  readonly name = 'Apple Mail'
  readonly setsSendDefaults = false
  readonly support = SUPPORT_TABLE.filter((row) => row.client === APPLE_MAIL)

  async survey(context: ClientContext): Promise<AppleMailSurvey> {
    const machine = context.machine
    const base = {client: this, searchedFor: "Apple Mail's accounts", searched: [accountsDatabase(machine)], keychain: '', mailVersion: null, macosVersion: null}
    if (machine.os !== 'macos') return {...base, searched: [], program: null, installed: false, places: []}
    const app = await findAppBundle(machine, MAIL_APP)
    if (!app) return {...base, program: null, installed: false, places: []}
    const [ref, os, read] = await Promise.all([keychainRef(machine, context.flags), macosVersion(machine), readMailAccounts(machine)])
    const facts = [app.version ? `Mail ${app.version}` : null, os ? `macOS ${os}` : null].filter((fact) => fact !== null)
    const place: ClientPlace = {
      client: this.id,
      clientName: this.name,
      name: 'Apple Mail',
      noun: 'accounts',
      // Mail's S/MIME choice lives in the keychain (the identity preferences): that is the place mailcert changes.
      location: ref.location,
      label: 'Apple Mail',
      title: `Apple Mail${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`,
      accounts: 'accounts' in read ? read.accounts : null,
      unusable: null,
      unreadable: 'problem' in read ? {problem: read.problem, hints: read.hints} : null,
      // The identity preference is read by Mail when it composes: it can change while Mail runs.
      busy: false,
    }
    return {...base, program: app.path, installed: true, places: [place], keychain: ref.location, mailVersion: app.version, macosVersion: os}
  }

  /** Mail looks up a recipient's certificate by address in the keychain search list, whose first keychain is the login keychain. */
  async correspondentStores(survey: ClientSurvey, context: ClientContext): Promise<CorrespondentStore[]> {
    const mail = survey as AppleMailSurvey
    if (!mail.installed) return []
    return [keychainCorrespondentStore({machine: context.machine, ref: keychainRefAt(mail.keychain), readers: [this.name]})]
  }

  busyError(): UserError {
    return new UserError('Apple Mail never has to be closed for mailcert.', {code: 'client-busy', exitCode: ExitCode.busy})
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const mail = survey as AppleMailSurvey
    const place = mail.places[0]!
    const certificate = choices.identity.certificate
    const accounts = matchingAccounts(place, certificate.emails, choices.accounts, choices.include)
    const nothing = {parts: [], storeAccess: null, dispose: async () => {}}
    if (certificate.keyUsage === null) {
      // Mail does not offer S/MIME with such a certificate (macOS 10.12 and later): importing it would change nothing there.
      const refused: PlanTarget = {
        clients: [this.id],
        label: place.label,
        location: place.location,
        accounts: accounts.map((a) => a.email!),
        steps: [],
        warnings: [],
        failure: {
          code: 'no-key-usage',
          reason: 'Apple Mail ignores certificates without a key usage extension, and this one has none',
          hints: ['Ask your certificate authority for an S/MIME certificate with key usage (digitalSignature, and keyEncipherment for encryption).'],
          exitCode: ExitCode.notForSmime,
        },
      }
      return {...nothing, others: [refused]}
    }
    const store = await keychainStoreFor(context.machine, keychainRefAt(mail.keychain), choices, this.name)
    const warnings: string[] = []
    if (choices.signByDefault !== undefined || choices.encryptByDefault !== undefined) {
      warnings.push('Apple Mail has no setting to sign or encrypt by default: it remembers the last choice made with the buttons beside the subject line. --sign-by-default and --encrypt-by-default apply to the other mail clients only.')
    }
    if (choices.encryptionIdentity) warnings.push(choosesByAddress(this.name))
    else if (!canEncrypt(certificate)) warnings.push('The certificate cannot be used for encryption: Apple Mail will only sign with it.')
    return {
      parts: [
        {
          client: this.id,
          place,
          accounts: accounts.map((a) => a.email!),
          store,
          warnings,
          configure: () => [new SetIdentityPreferencesStep(context.machine, mail.keychain, accounts.map((a) => ({key: a.key, email: a.email!})), certificate.fingerprints.sha1.toUpperCase())],
        },
      ],
      others: [],
      storeAccess: null,
      dispose: async () => {},
    }
  }

  async check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null> {
    if (!survey.installed) return null
    return checkAppleMail(survey as AppleMailSurvey, context, supportRow(APPLE_MAIL, 'macos')!)
  }

  async planRemoval(place: string, records: IdentityRecord[], context: ClientContext): Promise<ClientRemoval> {
    return {
      steps: [new RestoreIdentityPreferencesStep(context.machine, place, records)],
      usesCertificate: async (entry: JournalEntry) => {
        const sha1 = entry.certificate.references[KEYCHAIN_SHA1]
        if (!sha1) return false
        for (const record of entry.identities.filter((i) => i.client === this.id)) {
          if ((await preferredSha1(context.machine, record.email)) === sha1) return true
        }
        return false
      },
    }
  }

  async reopenStore(entry: JournalEntry, _choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    return {store: await keychainStoreFor(context.machine, keychainRefAt(entry.store.location), null, this.name), storeAccess: null, dispose: async () => {}}
  }

  async systemStore(context: ClientContext, choices: Omit<InstallChoices, 'identity'>): Promise<ReopenedStore> {
    return {store: await keychainStoreFor(context.machine, await keychainRef(context.machine, context.flags), choices, this.name), storeAccess: null, dispose: async () => {}}
  }

  nextSteps(accounts: string[]): string[] {
    return [
      `Quit and reopen Apple Mail, then write a message from ${accounts[0] ?? 'your account'}: the sign (seal) and encrypt (lock) buttons appear beside the subject line. Mail remembers the last choice for the next message.`,
      'If macOS asks for your keychain password the first time Mail signs or decrypts, enter it and choose Always Allow.',
    ]
  }
}

export const appleMail: MailClient = new AppleMail()
