/**
 * The user's Windows certificate store (`CurrentUser\My`, issuers in `CurrentUser\CA`), reached
 * in process through crypt32 (research/windows-outlook.md §1-§3). Classic and new Outlook both
 * read it: the identity goes in once. The plan: the import (idempotent), a private root's trust
 * only with consent, then a test signature and Windows' own verdict for e-mail.
 */
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import type {JournalEntry} from '../../install/journal.js'
import type {PlanStep} from '../../install/plan.js'
import type {Machine} from '../../system/platform.js'
import {windowsBuild} from '../../system/windows-version.js'
import {parseCertificate} from '../../identity/certificate.js'
import {storedAsIdentity} from '../../install/stored-choice.js'
import type {CertificateStore, ImportedIdentity, ImportOptions, StoredCertificate, StoreImport, StoreRef} from '../store.js'
import {ImportIdentityStep, TrustRootStep, VerifyIdentityStep} from './import-steps.js'
import {placeCertificates} from './placement.js'
import {DeleteIdentityStep} from './remove-steps.js'
import {storedIdentities} from './store-query.js'
import {storeHolds} from './user-stores.js'

export const WINDOWS_STORE_KIND = 'windows'
/** The journal's name for a certificate in the Windows store: its upper-case SHA-1 (the thumbprint Outlook uses too). */
export const WINDOWS_THUMBPRINT = 'windows-sha1'

export function windowsStoreRef(): StoreRef {
  return {kind: WINDOWS_STORE_KIND, location: 'CurrentUser\\My', label: 'your Windows certificate store'}
}

export interface WindowsStoreOptions {
  machine: Machine
  /** Mark the imported private key exportable (--exportable). */
  exportable: boolean
}

export class WindowsStore implements CertificateStore {
  readonly ref: StoreRef = windowsStoreRef()

  constructor(private readonly options: WindowsStoreOptions) {}

  references(certificate: Certificate): Record<string, string> {
    return {[WINDOWS_THUMBPRINT]: certificate.fingerprints.sha1.toUpperCase()}
  }

  async planImport(identity: Identity, options: ImportOptions): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {}}
    const placement = placeCertificates(identity.certificate, identity.chain)
    const steps: PlanStep[] = [new ImportIdentityStep(identity, placement, imported, {exportable: this.options.exportable, build: windowsBuild()})]
    const warnings: string[] = []
    const root = placement.root
    if (root && !storeHolds('Root', root.fingerprints.sha1.toUpperCase()) && (await options.trustRoot(root))) {
      steps.push(new TrustRootStep(root))
      warnings.push(`Windows shows its own dialog to confirm adding the root "${root.subject.text}" to your trusted roots; answer Yes. A run with no one at the desktop cannot answer it: that step then fails and the import is undone.`)
    }
    steps.push(new VerifyIdentityStep(identity, imported, {keepRefused: options.keepRefused, readers: options.readers}))
    return {steps, warnings, imported}
  }

  /** The certificates in `My` whose private key Windows opens, for the addresses (every one for none). */
  async storedIdentities(emails: readonly string[]): Promise<StoredCertificate[]> {
    const found = emails.length === 0 ? storedIdentities() : emails.flatMap((email) => storedIdentities(email))
    return found.flatMap((stored) => {
      try {
        return [{certificate: parseCertificate(stored.der), name: stored.thumbprint, hasKey: stored.hasKey}]
      } catch {
        // A certificate mailcert cannot read is not one it can choose.
        return []
      }
    })
  }

  /** Nothing is imported: Windows' own check of the key and the chain, then the readers' settings by thumbprint. */
  async planUseStored(stored: StoredCertificate, options: ImportOptions): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {}, storedName: stored.certificate.fingerprints.sha1.toUpperCase()}
    return {steps: [new VerifyIdentityStep(storedAsIdentity(stored), imported, {keepRefused: false, readers: options.readers})], warnings: [], imported}
  }

  async planRemoval(entry: JournalEntry, stillUsed: () => Promise<boolean>): Promise<PlanStep[]> {
    return [new DeleteIdentityStep(entry, stillUsed)]
  }

  /** Nothing stays open between the steps' calls. */
  async release(): Promise<void> {}
}
