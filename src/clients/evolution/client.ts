/**
 * GNOME Evolution as a mail client of mailcert: one place (the user's identity sources in
 * ~/.config/evolution/sources), whose Mail Identities read their keys from the shared NSS database
 * that Evolution's Camel opens (~/.pki/nssdb or where camel_init puts it), reached with NSS's tools.
 * Identities name the certificate by its NSS nickname.
 */
import path from 'node:path'

import type {UserError} from '../../errors.js'
import {canEncrypt} from '../../identity/key-usage.js'
import type {IdentityRecord, JournalEntry} from '../../install/journal.js'
import {matchingAccounts} from '../../install/install-service.js'
import {nssToolsMissing} from '../../stores/nss/nss-tools.js'
import {NSS_STORE_KIND, NssStore} from '../../stores/nss/nss-store.js'
import {SharedNssStore} from '../../stores/nss/shared-nss-store.js'
import {ToolsDriver} from '../../stores/nss/tools-driver.js'
import type {StoreRef} from '../../stores/store.js'
import {configHome, type Machine} from '../../system/platform.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
import {contactToolsDriver, nssCorrespondentStore} from '../../contacts/nss-contact-store.js'
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
  NssDatabasePlace,
  RemoveChoices,
  ReopenedStore,
} from '../client.js'
import {SUPPORT_TABLE, supportRow} from '../support-table.js'
import {checkEvolution} from './check.js'
import {findEvolution} from './program.js'
import {evolutionProcesses, evolutionRunning} from './running.js'
import {evolutionNssDatabase} from './shared-nss-database.js'
import {readEvolutionIdentities, type EvolutionIdentity} from './sources.js'
import {ConfigureEvolutionIdentitiesStep, RestoreEvolutionIdentitiesStep} from './steps.js'

export interface EvolutionSurvey extends ClientSurvey {
  sourcesDir: string
  identities: EvolutionIdentity[]
  problems: string[]
}

export function sourcesDirOf(machine: Machine): string {
  return path.join(configHome(machine), 'evolution', 'sources')
}

const PASSWORD_HINT = "It is the password of Evolution's certificate database (Preferences > Certificates asks for it)."

async function sharedStore(machine: Machine): Promise<{ref: StoreRef; dir: string; exists: boolean}> {
  const database = await evolutionNssDatabase({home: machine.home, env: machine.env, systemRoot: machine.systemRoot})
  return {ref: {kind: NSS_STORE_KIND, location: database.dir, label: `the shared NSS database (${database.dir})`}, dir: database.dir, exists: database.exists}
}

async function toolsDriver(machine: Machine): Promise<ToolsDriver> {
  const driver = await ToolsDriver.locate(machine)
  if (!driver) throw await nssToolsMissing(machine.platform)
  return driver
}

class Evolution implements MailClient {
  readonly id = 'evolution'
  readonly name = 'Evolution'
  readonly setsSendDefaults = true
  readonly support = SUPPORT_TABLE.filter((row) => row.client === 'evolution')

  async survey(context: ClientContext): Promise<EvolutionSurvey> {
    const machine = context.machine
    const sourcesDir = sourcesDirOf(machine)
    const base = {client: this, searchedFor: "Evolution's account sources", searched: [sourcesDir], sourcesDir, identities: [], problems: []}
    if (machine.os !== 'linux') return {...base, searched: [], program: null, installed: false, places: []}
    const program = await findEvolution(machine)
    const {identities, problems} = await readEvolutionIdentities(sourcesDir)
    if (identities.length === 0 && problems.length === 0) return {...base, program: program?.command ?? null, installed: program !== null, places: []}
    const running = await evolutionProcesses(configHome(machine))
    const place: ClientPlace = {
      client: this.id,
      clientName: this.name,
      name: 'Evolution',
      noun: 'account settings',
      location: sourcesDir,
      label: 'Evolution',
      title: `Evolution (${sourcesDir}${program?.version ? `, Evolution ${program.version}` : ''}${running.length > 0 ? ', running now' : ''})`,
      accounts: identities.filter((identity) => identity.enabled).map((identity) => ({key: identity.uid, email: identity.address, name: identity.name})),
      unusable: null,
      unreadable: null,
      busy: running.length > 0,
    }
    return {...base, program: program?.command ?? null, installed: true, places: [place], identities, problems}
  }

  busyError(): UserError {
    return evolutionRunning()
  }

  /**
   * The shared database, when it exists (other desktop programs read it too, so it is not made for a
   * contact). A running Evolution does not matter: it reads recipients' certificates from it as it goes.
   */
  async correspondentStores(_survey: ClientSurvey, context: ClientContext): Promise<CorrespondentStore[]> {
    const machine = context.machine
    if (machine.os !== 'linux') return []
    const database = await evolutionNssDatabase({home: machine.home, env: machine.env, systemRoot: machine.systemRoot})
    // The system-wide database is root's to change.
    if (!database.exists || database.systemWide) return []
    const shared = await sharedStore(machine)
    return [await nssCorrespondentStore({ref: shared.ref, dir: shared.dir, readers: [this.name], busy: null, driver: contactToolsDriver(machine), passwordHint: PASSWORD_HINT})]
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const evolution = survey as EvolutionSurvey
    const place = evolution.places[0]!
    // The place's accounts are the enabled identities, keyed by their source uid.
    const accounts = matchingAccounts(place, choices.identity.certificate.emails, choices.accounts, choices.include)
    const driver = await toolsDriver(context.machine)
    const shared = await sharedStore(context.machine)
    const store = new SharedNssStore({ref: shared.ref, dir: shared.dir, databaseFile: path.join(shared.dir, 'cert9.db'), driver, storePassword: choices.storePassword, passwordHint: PASSWORD_HINT, create: !shared.exists})
    const encrypt = canEncrypt(choices.encryptionIdentity?.certificate ?? choices.identity.certificate)
    return {
      parts: [
        {
          client: this.id,
          place,
          accounts: accounts.map((account) => account.email!),
          store,
          warnings: encrypt ? [] : ['The certificate cannot be used for encryption: only signing is set up.'],
          configure: (imported, encryption) => [
            new ConfigureEvolutionIdentitiesStep(
              evolution.sourcesDir,
              accounts.map((account) => ({uid: account.key, email: account.email!})),
              {canEncrypt: encrypt, signByDefault: choices.signByDefault, encryptByDefault: choices.encryptByDefault},
              imported,
              encryption,
            ),
          ],
        },
      ],
      others: [],
      storeAccess: driver.name,
      dispose: () => driver.dispose(),
    }
  }

  async check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null> {
    if (!survey.installed) return null
    return checkEvolution(survey as EvolutionSurvey, context, supportRow('evolution', context.machine.os)!, await sharedStore(context.machine))
  }

  async planRemoval(place: string, records: IdentityRecord[]): Promise<ClientRemoval> {
    return {
      steps: [new RestoreEvolutionIdentitiesStep(place, records)],
      usesCertificate: async (entry: JournalEntry) => {
        const nicknames = new Set(entry.identities.filter((i) => i.client === this.id).flatMap((i) => [i.applied.SigningCertificate, i.applied.EncryptionCertificate]).filter((n) => typeof n === 'string' && n !== ''))
        const {identities} = await readEvolutionIdentities(place)
        return identities.some((identity) => nicknames.has(identity.smime.signingCertificate ?? '') || nicknames.has(identity.smime.encryptionCertificate ?? ''))
      },
    }
  }

  async reopenStore(entry: JournalEntry, choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    const driver = await toolsDriver(context.machine)
    const ref: StoreRef = {kind: NSS_STORE_KIND, location: entry.store.location, label: `the shared NSS database (${entry.store.location})`}
    const store = new NssStore({ref, dir: entry.store.location, databaseFile: path.join(entry.store.location, 'cert9.db'), driver, storePassword: choices.storePassword, passwordHint: PASSWORD_HINT})
    return {store, storeAccess: driver.name, dispose: () => driver.dispose()}
  }

  async systemStore(context: ClientContext, choices: Omit<InstallChoices, 'identity'>): Promise<ReopenedStore> {
    const driver = await toolsDriver(context.machine)
    const shared = await sharedStore(context.machine)
    const store = new SharedNssStore({ref: shared.ref, dir: shared.dir, databaseFile: path.join(shared.dir, 'cert9.db'), driver, storePassword: choices.storePassword, passwordHint: PASSWORD_HINT, create: !shared.exists})
    return {store, storeAccess: driver.name, dispose: () => driver.dispose()}
  }

  async nssDatabases(_survey: ClientSurvey, context: ClientContext): Promise<NssDatabasePlace[]> {
    // The database exists whether or not Evolution does: other programs of the desktop (and fleet tools) share it.
    const shared = await sharedStore(context.machine)
    return shared.exists ? [{ref: shared.ref, dir: shared.dir, names: [shared.dir], passwordHint: PASSWORD_HINT}] : []
  }

  nextSteps(accounts: string[]): string[] {
    return [`Start Evolution and write a message from ${accounts[0] ?? 'your account'}: Options > S/MIME Sign is there; with sign by default it is already on.`]
  }
}

export const evolution: MailClient = new Evolution()
