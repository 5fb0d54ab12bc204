/**
 * The macOS keychain (the login keychain, or one the user names) as a store, reached through
 * `/usr/bin/security` (research/macos-mail.md). Apple Mail and Outlook for Mac both read it: the
 * identity goes in once. The plan: the import (idempotent), the key's partition list only with the
 * keychain password and the user's consent, a private root's trust only with consent, then macOS's
 * own verdict for S/MIME.
 */
import {ExternalError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import type {JournalEntry} from '../../install/journal.js'
import type {PlanStep} from '../../install/plan.js'
import {type Machine, systemPath} from '../../system/platform.js'
import {parseCertificate} from '../../identity/certificate.js'
import {storedAsIdentity} from '../../install/stored-choice.js'
import type {CertificateStore, ImportedIdentity, ImportOptions, StoredCertificate, StoreImport, StoreRef} from '../store.js'
import {ImportIdentityStep, type KeychainTarget, KeyAccessStep, TrustRootStep, VerifyIdentityStep} from './import-steps.js'
import {DeleteIdentityStep} from './remove-steps.js'
import {noSuchKeychain, wrongKeychainPassword} from './security-errors.js'
import {failed, findCertificates, findIdentities, type FoundIdentity, runSecurityWithSecrets} from './security-tool.js'

export const KEYCHAIN_STORE_KIND = 'keychain'
/** The journal's name for a certificate in a keychain: its upper-case SHA-1, as find-identity prints it. */
export const KEYCHAIN_SHA1 = 'keychain-sha1'

/** The partition of a key that `security import` creates (research §1.4): the tool itself. */
export const SECURITY_TOOL_PARTITION = 'apple-tool:'

export interface KeychainReader {
  /** `Apple Mail`, `Outlook`. */
  name: string
  /** Its partition ID: `apple:` for Apple's programs, `teamid:UBF8T346G9` for Microsoft's. */
  partition: string
  /** The application to put on the key's access list (`-T`), when it is installed: `/System/Applications/Mail.app`. */
  application?: string
}

export interface KeychainStoreOptions {
  machine: Machine
  keychain: string
  ref: StoreRef
  readers: KeychainReader[]
  /**
   * Whether the user agreed to let the readers use the key without a prompt, with the keychain
   * password (a masked prompt, a file, the environment); null: no, they will each ask once.
   */
  keyAccess(): Promise<{keychainPassword: string} | null>
}

const SYSTEM_ROOTS = '/System/Library/Keychains/SystemRootCertificates.keychain'

/** The self-signed root at the top of the identity's chain, if the file carries it. */
function rootOf(identity: Identity): Certificate | null {
  const top = identity.chain.at(-1) ?? identity.certificate
  return top.selfSigned && top !== identity.certificate ? top : null
}

/** The friendlyName the key and certificate get: unique per certificate, so that `-l` finds this key only. */
export function keyLabel(identity: Identity): string {
  const certificate = identity.certificate
  const name = certificate.emails[0] ?? certificate.subject.attributes.find((a) => a.type === 'CN')?.value ?? 'identity'
  return `mailcert ${name} ${certificate.fingerprints.sha1.slice(0, 8).toUpperCase()}`
}

const list = (names: string[]) => (names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`)

export class KeychainStore implements CertificateStore {
  readonly ref: StoreRef
  private readonly target: KeychainTarget

  constructor(private readonly options: KeychainStoreOptions) {
    this.ref = options.ref
    this.target = {machine: options.machine, keychain: options.keychain, label: options.ref.label}
  }

  references(certificate: Certificate): Record<string, string> {
    return {[KEYCHAIN_SHA1]: certificate.fingerprints.sha1.toUpperCase()}
  }

  async planImport(identity: Identity, options: ImportOptions): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {}}
    const email = identity.certificate.emails[0]
    const label = keyLabel(identity)
    const readers = this.options.readers
    const applications = readers.flatMap((reader) => (reader.application ? [reader.application] : []))
    const importStep = new ImportIdentityStep(this.target, identity, imported, label, applications)
    const steps: PlanStep[] = [importStep]
    const warnings: string[] = []

    // Already there with its key: nothing to ask about the key's access, and its trust is known.
    const present = (await this.identitiesFor(email)).find((found) => found.sha1 === identity.certificate.fingerprints.sha1.toUpperCase())

    const partitions = [...new Set([SECURITY_TOOL_PARTITION, ...readers.map((reader) => reader.partition)])]
    const prompting = readers.filter((reader) => reader.partition !== SECURITY_TOOL_PARTITION).map((reader) => reader.name)
    if (!present && prompting.length > 0) {
      const access = await this.options.keyAccess()
      if (access) {
        await this.checkKeychainPassword(access.keychainPassword)
        steps.push(new KeyAccessStep(this.target, importStep, partitions, list(prompting), access.keychainPassword))
      } else {
        warnings.push(`${list(prompting)} will ${prompting.length > 1 ? 'each ' : ''}ask once for your keychain password the first time ${prompting.length > 1 ? 'they use' : 'it uses'} the new key: type it and choose Always Allow.`)
      }
    }

    const root = rootOf(identity)
    if (root && !present?.valid && !(await this.isSystemRoot(root)) && (await options.trustRoot(root))) {
      steps.push(new TrustRootStep(this.target, identity, root, email))
      warnings.push(`macOS asks for your password to allow the change to your certificate trust settings for "${root.subject.text}"; where it cannot ask (no desktop session), that step fails and the import is undone.`)
    }
    steps.push(new VerifyIdentityStep(this.target, identity, imported, email, {keepRefused: options.keepRefused, readers: options.readers}))
    return {steps, warnings, imported}
  }

  /** The keychain's certificates for the addresses (every one for none), with whether it holds the key (find-identity lists it). */
  async storedIdentities(emails: readonly string[]): Promise<StoredCertificate[]> {
    const found: StoredCertificate[] = []
    for (const email of emails.length === 0 ? [undefined] : emails) {
      const identities = new Map((await this.identitiesFor(email)).map((identity) => [identity.sha1, identity]))
      for (const stored of await findCertificates(this.options.machine, this.options.keychain, {email})) {
        let certificate
        try {
          certificate = parseCertificate(stored.der)
        } catch {
          // A certificate mailcert cannot read is not one it can choose.
          continue
        }
        if (certificate.basicConstraints?.ca === true) continue
        found.push({certificate, name: identities.get(stored.sha1)?.label ?? stored.sha1, hasKey: identities.has(stored.sha1)})
      }
    }
    return found
  }

  /** Nothing is imported: macOS's verdict for S/MIME, then the readers' settings (the identity preference). */
  async planUseStored(stored: StoredCertificate, options: ImportOptions): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {}, storedName: stored.name}
    const email = stored.certificate.emails[0]
    return {steps: [new VerifyIdentityStep(this.target, storedAsIdentity(stored), imported, email, {keepRefused: false, readers: options.readers})], warnings: [], imported}
  }

  async planRemoval(entry: JournalEntry, stillUsed: () => Promise<boolean>): Promise<PlanStep[]> {
    return [new DeleteIdentityStep(this.target, entry, stillUsed)]
  }

  private async identitiesFor(email: string | undefined): Promise<FoundIdentity[]> {
    try {
      return await findIdentities(this.options.machine, this.options.keychain, {email, validOnly: false})
    } catch (error) {
      if (error instanceof ExternalError && error.code === 'no-such-keychain') throw noSuchKeychain(this.target)
      throw error
    }
  }

  /** Nothing stays open between `security` calls. */
  async release(): Promise<void> {}

  /**
   * Checked before anything is planned, so that a wrong password changes nothing (exit 3). The
   * check unlocks the keychain, as the partition-list step would.
   */
  private async checkKeychainPassword(password: string): Promise<void> {
    const result = await runSecurityWithSecrets(this.options.machine, ['unlock-keychain', '-p', password, this.options.keychain])
    if (result.ok) return
    if (result.error === 'wrong-keychain-password') throw wrongKeychainPassword(this.target)
    if (result.error === 'no-such-keychain') throw noSuchKeychain(this.target)
    throw failed('Checking the keychain password', result)
  }

  /** A root macOS ships is trusted already: no question about it. */
  private async isSystemRoot(root: Certificate): Promise<boolean> {
    const roots = await findCertificates(this.options.machine, systemPath(this.options.machine, SYSTEM_ROOTS)).catch(() => [])
    return roots.some((certificate) => certificate.sha256.toLowerCase() === root.fingerprints.sha256)
  }
}
