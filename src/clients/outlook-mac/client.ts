/**
 * Outlook for Mac as a mail client of mailcert: it takes its S/MIME identities from the login
 * keychain, and chooses the certificate per account in its own settings, which no documented file or
 * preference holds. So mailcert imports the identity for it and tells the person where to choose it;
 * its accounts cannot be listed, so the certificate's own addresses stand for them.
 */
import path from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import type {JournalEntry} from '../../install/journal.js'
import {matchingAccounts} from '../../install/install-service.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
import {keychainCorrespondentStore} from '../../stores/keychain/contact-store.js'
import {findIdentities} from '../../stores/keychain/security-tool.js'
import {findAppBundle} from '../../system/app-bundle.js'
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
import {keychainRef, keychainRefAt, keychainStoreFor, OUTLOOK_APP} from '../keychain/keychain-for.js'
import {checkChosenInClient} from '../chosen-in-client-check.js'
import {SUPPORT_TABLE, supportRow} from '../support-table.js'
import {choosesByAddress} from '../chooses-by-address.js'

const OUTLOOK_MAC = 'outlook-mac'

interface OutlookSurvey extends ClientSurvey {
  keychain: string
  version: string | null
}

/** Where Outlook keeps its profiles (Microsoft's team container); mailcert writes nothing there. */
function outlookContainer(home: string): string {
  return path.join(home, 'Library', 'Group Containers', 'UBF8T346G9.Office')
}

class OutlookForMac implements MailClient {
  readonly id = OUTLOOK_MAC
  readonly name = 'Outlook for Mac'
  readonly setsSendDefaults = false
  readonly support = SUPPORT_TABLE.filter((row) => row.client === OUTLOOK_MAC)

  async survey(context: ClientContext): Promise<OutlookSurvey> {
    const machine = context.machine
    const base = {client: this, searchedFor: 'Microsoft Outlook', searched: OUTLOOK_APP, keychain: '', version: null}
    if (machine.os !== 'macos') return {...base, searched: [], program: null, installed: false, places: []}
    const app = await findAppBundle(machine, OUTLOOK_APP)
    if (!app) return {...base, program: null, installed: false, places: []}
    const ref = await keychainRef(machine, context.flags)
    const place: ClientPlace = {
      client: this.id,
      clientName: this.name,
      name: 'Outlook for Mac',
      noun: 'accounts',
      location: outlookContainer(machine.home),
      label: 'Outlook for Mac',
      title: `Outlook for Mac${app.version ? ` ${app.version}` : ''} (you choose the certificate in Outlook afterwards)`,
      accounts: [],
      unusable: null,
      unreadable: null,
      busy: false,
      takesCertificateAddresses: true,
    }
    return {...base, program: app.path, installed: true, places: [place], keychain: ref.location, version: app.version}
  }

  /** Outlook for Mac takes S/MIME certificates from the keychain (research §5; unconfirmed by Microsoft for 16.x): the same store as Apple Mail's. */
  async correspondentStores(survey: ClientSurvey, context: ClientContext): Promise<CorrespondentStore[]> {
    const outlook = survey as OutlookSurvey
    if (!outlook.installed) return []
    return [keychainCorrespondentStore({machine: context.machine, ref: keychainRefAt(outlook.keychain), readers: [this.name]})]
  }

  busyError(): UserError {
    return new UserError('Outlook for Mac never has to be closed for mailcert.', {code: 'client-busy', exitCode: ExitCode.busy})
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const outlook = survey as OutlookSurvey
    const place = outlook.places[0]!
    const accounts = matchingAccounts(place, choices.identity.certificate.emails, choices.accounts, choices.include).map((a) => a.email!)
    const store = await keychainStoreFor(context.machine, keychainRefAt(outlook.keychain), choices, 'Microsoft Outlook')
    const warnings = choices.signByDefault !== undefined || choices.encryptByDefault !== undefined ? ['Outlook for Mac has no setting mailcert can write for signing or encrypting by default: turn it on in Outlook\'s account settings (Security).'] : []
    if (choices.encryptionIdentity) warnings.push(choosesByAddress(this.name))
    // Nothing of Outlook's own is written: the keychain import is all it needs from mailcert.
    return {parts: [{client: this.id, place, accounts, store, warnings, configure: () => []}], others: [], storeAccess: null, dispose: async () => {}}
  }

  async check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null> {
    if (!survey.installed) return null
    const outlook = survey as OutlookSurvey
    return checkChosenInClient(
      {
        client: this.id,
        name: this.name,
        program: outlook.program,
        support: supportRow(OUTLOOK_MAC, 'macos')!,
        storeAccess: 'security',
        place: outlook.places[0]!,
        expectedAt: outlook.keychain,
        facts: [outlook.version ? `Outlook ${outlook.version}` : null, `keys in ${outlook.keychain}`].filter((fact): fact is string => fact !== null),
        storeName: 'The keychain',
        steps: OUTLOOK_STEPS,
        hasValidIdentity: async (email) => (await findIdentities(context.machine, outlook.keychain, {email, validOnly: true})).length > 0,
      },
      context,
    )
  }

  async planRemoval(): Promise<ClientRemoval> {
    // mailcert set nothing in Outlook; the certificate's use there is Outlook's own setting.
    return {steps: [], usesCertificate: async () => false}
  }

  async reopenStore(entry: JournalEntry, _choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    return {store: await keychainStoreFor(context.machine, keychainRefAt(entry.store.location), null, 'Microsoft Outlook'), storeAccess: null, dispose: async () => {}}
  }

  async systemStore(context: ClientContext, choices: Omit<InstallChoices, 'identity'>): Promise<ReopenedStore> {
    return {store: await keychainStoreFor(context.machine, await keychainRef(context.machine, context.flags), choices, 'Microsoft Outlook'), storeAccess: null, dispose: async () => {}}
  }

  nextSteps(accounts: string[]): string[] {
    return [`In Outlook for Mac: ${OUTLOOK_STEPS} Do it for ${accounts.join(', ') || 'each account'}. Outlook asks once for your keychain password when it first uses the key, unless mailcert was allowed to grant it: choose Always Allow.`]
  }
}

/** Where Outlook's certificate choice is (Microsoft's documentation; the menu names vary by version). */
const OUTLOOK_STEPS = 'Outlook > Settings > Accounts, select the account, then Advanced… > Security (in new Outlook: the account > Security); choose the certificate for signing and for encryption, and tick signing by default if you want it.'

export const outlookForMac: MailClient = new OutlookForMac()
