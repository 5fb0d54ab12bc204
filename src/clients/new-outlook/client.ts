/**
 * New Outlook for Windows as a mail client of mailcert: reported to take its S/MIME certificates
 * from the user's Windows certificate store, with the choice made in its own settings and, as
 * reported, for the primary account only (research windows-outlook.md §5.2: not in Microsoft's own
 * documentation yet). There is no local setting mailcert could write, so the store import serves it
 * and the steps are printed; its accounts cannot be read, so the certificate's addresses stand for them.
 */
import {ExitCode, UserError} from '../../errors.js'
import type {JournalEntry} from '../../install/journal.js'
import {matchingAccounts} from '../../install/install-service.js'
import {storedIdentities} from '../../stores/windows/store-query.js'
import {hostPlatform} from '../../system/platform.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
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
import {checkChosenInClient} from '../chosen-in-client-check.js'
import {SUPPORT_TABLE, supportRow} from '../support-table.js'
import {windowsCorrespondentStore} from '../windows-store/correspondent-store.js'
import {windowsStoreFor} from '../windows-store/windows-store-for.js'
import {findNewOutlook, NEW_OUTLOOK_PACKAGE, type NewOutlookInstallation} from './installation.js'
import {choosesByAddress} from '../chooses-by-address.js'

export const NEW_OUTLOOK = 'new-outlook'

interface NewOutlookSurvey extends ClientSurvey {
  installation: NewOutlookInstallation | null
}

/** Where the certificate is chosen (a third-party report of the shipped feature; the names may differ by build). */
export const NEW_OUTLOOK_STEPS =
  'In new Outlook: Settings (the gear) > Mail > S/MIME; turn S/MIME on and choose the certificate for signing and for encryption. As reported (not in Microsoft\'s documentation yet), this works for the primary account only, and for Microsoft 365 (Exchange Online) mailboxes.'

class NewOutlook implements MailClient {
  readonly id = NEW_OUTLOOK
  readonly name = 'New Outlook'
  readonly setsSendDefaults = false
  readonly support = SUPPORT_TABLE.filter((row) => row.client === NEW_OUTLOOK)

  async survey(context: ClientContext): Promise<NewOutlookSurvey> {
    const base = {client: this, searchedFor: 'new Outlook for Windows', searched: [`the app package ${NEW_OUTLOOK_PACKAGE}`], installation: null}
    // Only Windows itself can be asked (a Linux test that pretends to be Windows has no registry).
    if (context.machine.os !== 'windows' || hostPlatform() !== 'win32') return {...base, searched: [], program: null, installed: false, places: []}
    const installation = findNewOutlook()
    if (!installation) return {...base, program: null, installed: false, places: []}
    const version = installation.version ? ` ${installation.version}` : ''
    const place: ClientPlace = {
      client: this.id,
      clientName: this.name,
      name: 'New Outlook',
      noun: 'accounts',
      location: installation.packageName,
      label: 'new Outlook',
      title: `New Outlook${version} (you choose the certificate in Outlook afterwards)`,
      accounts: [],
      unusable: null,
      unreadable: null,
      busy: false,
      takesCertificateAddresses: true,
    }
    return {...base, program: installation.packageName, installed: true, places: [place], installation}
  }

  /** The Windows store serves new Outlook's S/MIME as it does classic Outlook's (as reported, like its own certificates): the same "Other People" store, one add for both. */
  async correspondentStores(survey: ClientSurvey): Promise<CorrespondentStore[]> {
    return survey.installed ? [windowsCorrespondentStore([this.name])] : []
  }

  busyError(): UserError {
    return new UserError('New Outlook never has to be closed for mailcert.', {code: 'client-busy', exitCode: ExitCode.busy})
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const place = survey.places[0]!
    const accounts = matchingAccounts(place, choices.identity.certificate.emails, choices.accounts, choices.include).map((a) => a.email!)
    const warnings = choices.signByDefault !== undefined || choices.encryptByDefault !== undefined ? ['New Outlook has no setting mailcert can write for signing or encrypting by default: choose it in its S/MIME settings.'] : []
    if (choices.encryptionIdentity) warnings.push(choosesByAddress(this.name))
    // Nothing of new Outlook's own is written: the store import is all it needs from mailcert.
    return {parts: [{client: this.id, place, accounts, store: windowsStoreFor(context.machine, context.flags), warnings, configure: () => []}], others: [], storeAccess: null, dispose: async () => {}}
  }

  async check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null> {
    if (!survey.installed) return null
    const {installation} = survey as NewOutlookSurvey
    const place = survey.places[0]!
    const facts = [installation?.version ? `version ${installation.version}` : null, installation?.toggleOn ? 'chosen in classic Outlook\'s "New Outlook" toggle' : null, 'keys in CurrentUser\\My']
    return checkChosenInClient(
      {
        client: this.id,
        name: this.name,
        program: survey.program,
        support: supportRow(NEW_OUTLOOK, 'windows')!,
        storeAccess: 'crypt32',
        place,
        expectedAt: place.location,
        facts: facts.filter((fact): fact is string => fact !== null),
        storeName: 'Your Windows certificate store',
        steps: NEW_OUTLOOK_STEPS,
        hasValidIdentity: async (email) => storedIdentities(email).some((stored) => stored.hasKey && stored.verdict.valid),
      },
      context,
    )
  }

  async planRemoval(): Promise<ClientRemoval> {
    // mailcert set nothing in new Outlook.
    return {steps: [], usesCertificate: async () => false}
  }

  async reopenStore(_entry: JournalEntry, _choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    return {store: windowsStoreFor(context.machine, context.flags), storeAccess: null, dispose: async () => {}}
  }

  async systemStore(context: ClientContext): Promise<ReopenedStore> {
    return {store: windowsStoreFor(context.machine, context.flags), storeAccess: null, dispose: async () => {}}
  }

  nextSteps(accounts: string[]): string[] {
    return [`${NEW_OUTLOOK_STEPS} Do it for ${accounts.join(', ') || 'your account'}.`]
  }
}

export const newOutlook: MailClient = new NewOutlook()
