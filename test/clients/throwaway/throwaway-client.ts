/**
 * A mail client that exists only in the tests: two of them read one store (a folder with a file
 * per certificate) and keep their settings in a JSON file. Nothing in src/ names them; they reach
 * install and check only through the client list the library is given, as a new client folder would.
 */
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {CheckContext, ClientContext, ClientInstallPlan, ClientPlace, ClientSurvey, InstallChoices, MailClient} from '../../../src/clients/client.js'
import type {SupportRow} from '../../../src/clients/support-table.js'
import {ExitCode, UserError} from '../../../src/errors.js'
import type {Certificate} from '../../../src/identity/certificate-types.js'
import type {Identity} from '../../../src/identity/identity.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../../src/install/plan.js'
import type {CertificateStore, ImportedIdentity, StoreImport, StoreRef} from '../../../src/stores/store.js'

/** A store that is a folder: one DER file per certificate, named by its SHA-256. */
export class FolderStore implements CertificateStore {
  readonly ref: StoreRef
  constructor(readonly dir: string) {
    this.ref = {kind: 'folder', location: dir, label: `the test store ${dir}`}
  }

  references(certificate: Certificate): Record<string, string> {
    return {'folder-file': `${certificate.fingerprints.sha256}.der`}
  }

  async planImport(identity: Identity): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {signing: true, encryption: true}}
    const file = join(this.dir, `${identity.certificate.fingerprints.sha256}.der`)
    const step: PlanStep = {
      id: 'import-into-folder',
      describe: () => `Put the certificate into ${this.dir}`,
      apply: async (recorder: ChangeRecorder): Promise<StepOutcome> => {
        imported.storedName = identity.certificate.fingerprints.sha256
        if (existsSync(file)) return {changed: false, detail: 'already there'}
        await recorder.note({addedCertificates: [identity.certificate.fingerprints.sha256]})
        mkdirSync(this.dir, {recursive: true})
        writeFileSync(file, identity.certificate.der)
        return {changed: true}
      },
      undo: async () => rmSync(file, {force: true}),
    }
    return {steps: [step], warnings: [], imported}
  }

  async planRemoval(): Promise<PlanStep[]> {
    return []
  }

  async release(): Promise<void> {}
}

export interface ThrowawayOptions {
  id: string
  home: string
  store: FolderStore
  accounts: Array<{key: string; email: string}>
  /** Make its configuration step fail, as a client whose settings cannot be written. */
  failing?: boolean
}

export function throwawayClient(options: ThrowawayOptions): MailClient {
  const settings = join(options.home, `${options.id}.json`)
  const support: SupportRow = {
    client: 'thunderbird',
    name: `Throwaway ${options.id}`,
    platform: 'linux',
    smime: 'yes',
    since: 'test',
    store: 'a test folder',
    mailcert: 'configures',
    implemented: true,
    notes: 'exists only in the tests',
    source: 'test/clients/throwaway/throwaway-client.ts',
  }
  const place: ClientPlace = {
    client: options.id,
    clientName: `Throwaway ${options.id}`,
    name: 'settings',
    noun: 'settings file',
    location: settings,
    label: `Throwaway ${options.id} (${settings})`,
    title: `Throwaway ${options.id}`,
    accounts: options.accounts.map((a) => ({key: a.key, email: a.email, name: null})),
    unusable: null,
    unreadable: null,
    busy: false,
  }
  const client: MailClient = {
    id: options.id,
    name: `Throwaway ${options.id}`,
    setsSendDefaults: true,
    support: [support],
    async survey(): Promise<ClientSurvey> {
      return {client, program: null, installed: true, places: [place], searchedFor: 'its settings', searched: [settings]}
    },
    busyError: () => new UserError('busy', {code: 'client-running', exitCode: ExitCode.busy}),
    async planInstall(_survey: ClientSurvey, choices: InstallChoices, _context: ClientContext): Promise<ClientInstallPlan> {
      const accounts = options.accounts.filter((a) => choices.identity.certificate.emails.includes(a.email))
      return {
        parts: [
          {
            client: options.id,
            place,
            accounts: accounts.map((a) => a.email),
            store: options.store,
            warnings: [],
            configure: (imported) => [
              {
                id: `configure-${options.id}`,
                part: options.id,
                describe: () => `Set ${accounts.map((a) => a.email).join(', ')} to use the certificate in ${settings}`,
                apply: async () => {
                  if (options.failing) throw new UserError(`${options.id} cannot write its settings`, {code: 'settings-unwritable', exitCode: ExitCode.unexpected})
                  writeFileSync(settings, JSON.stringify({certificate: imported.storedName}))
                  return {changed: true}
                },
                undo: async () => rmSync(settings, {force: true}),
              },
            ],
          },
        ],
        others: [],
        storeAccess: null,
        dispose: async () => {},
      }
    },
    async check(_survey: ClientSurvey, _context: CheckContext) {
      const current = existsSync(settings) ? (JSON.parse(readFileSync(settings, 'utf8')) as {certificate: string}).certificate : null
      return {
        check: {
          client: options.id,
          name: `Throwaway ${options.id}`,
          program: null,
          support,
          storeAccess: null,
          profiles: [
            {
              name: 'settings',
              dir: settings,
              title: 'Settings',
              facts: [],
              busy: false,
              checkedWith: null,
              identities: options.accounts.map((a) => ({key: a.key, email: a.email, name: null, accounts: [], configured: current !== null, signing: null, encryption: null, signByDefault: false, encryptByDefault: false, problems: []})),
              problems: [],
            },
          ],
        },
        problems: [],
      }
    },
    async planRemoval() {
      return {steps: [], usesCertificate: async () => false}
    },
  }
  return client
}
