/**
 * A correspondent's certificate, and its intermediate issuers, in a keychain (the login keychain):
 * where Apple Mail and Outlook for Mac look up a recipient's certificate to encrypt to.
 * `security add-certificates` puts a certificate in without a key and without trust settings, so
 * it is trusted for nothing; the keychain's name for it is its SHA-1, which `delete-certificate -Z`
 * takes. The role is only recorded: both roles go into the same keychain.
 */
import {ExternalError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {AddedCertificate, ContactRole, ContactStoreSession, CorrespondentStore} from '../../contacts/contact-store.js'
import type {Machine} from '../../system/platform.js'
import {withSecretFiles} from '../../system/secret-files.js'
import type {StoreRef} from '../store.js'
import {keychainLocked, type KeychainPlace, noSuchKeychain} from './security-errors.js'
import {parseCertificateKeyHashes, parsePrivateKeyHashes} from './security-output.js'
import {failed, findCertificates, type KeychainCertificate, runSecurity, type SecurityResult} from './security-tool.js'

export interface KeychainContactTarget extends KeychainPlace {
  machine: Machine
}

/** What a failed command means to the person: a locked or missing keychain is theirs to fix. */
function refusal(target: KeychainContactTarget, what: string, result: SecurityResult): Error {
  if (result.error === 'keychain-locked') return keychainLocked(target, {grantKeyAccess: false})
  if (result.error === 'no-such-keychain') return noSuchKeychain(target)
  return failed(what, result)
}

export class KeychainContactSession implements ContactStoreSession {
  private held: KeychainCertificate[] | null = null

  constructor(private readonly target: KeychainContactTarget) {}

  private async certificates(): Promise<KeychainCertificate[]> {
    try {
      this.held ??= await findCertificates(this.target.machine, this.target.keychain)
    } catch (error) {
      // find-certificate names the keychain only after `security:`; the sentence should name it for the person.
      if (error instanceof ExternalError && error.code === 'no-such-keychain') throw noSuchKeychain(this.target)
      throw error
    }
    return this.held
  }

  async holds(certificate: Certificate): Promise<boolean> {
    return (await this.certificates()).some((held) => held.sha256.toLowerCase() === certificate.fingerprints.sha256)
  }

  async add(certificate: Certificate, role: ContactRole): Promise<AddedCertificate> {
    const {machine, keychain} = this.target
    this.held = null
    const result = await withSecretFiles(async (files) => runSecurity(machine, ['add-certificates', '-k', keychain, await files.write(certificate.der, 'certificate.cer')]))
    if (!result.ok && result.error !== 'duplicate') throw refusal(this.target, 'Adding the certificate to the keychain', result)
    // The keychain calls a certificate a duplicate by its issuer and serial number: another one with
    // the same pair (a reissue with a reused serial) keeps this one out, which must not pass as added.
    if (!result.ok && !(await this.holds(certificate))) {
      throw new ExternalError('security', `The keychain holds another certificate with the same issuer and serial number as "${certificate.subject.text}", so macOS will not add this one: ${result.stderr.trim()}`, {
        output: result.stderr,
        code: 'duplicate',
        hints: ['Find the other certificate in Keychain Access (same issuer, same serial number); if it is an old copy of this one, delete it and run mailcert again.'],
      })
    }
    return {sha256: certificate.fingerprints.sha256, role, name: certificate.fingerprints.sha1.toUpperCase()}
  }

  async remove(added: AddedCertificate): Promise<void> {
    const present = (await this.certificates()).find((held) => held.sha256.toLowerCase() === added.sha256)
    if (!present) return
    // A certificate with its private key in the keychain is someone's identity now (they installed it as their own).
    if (await this.mayHaveKey(present.sha1)) return
    this.held = null
    const result = await runSecurity(this.target.machine, ['delete-certificate', '-Z', present.sha1, this.target.keychain])
    if (!result.ok && result.error !== 'not-found') throw refusal(this.target, `Removing the certificate ${present.sha1} from the keychain`, result)
  }

  /**
   * Whether a private key in the keychain pairs with the certificate: the key's label (its public
   * key hash) is the certificate's `hpky`, both as the tool prints them, so that no hash of
   * macOS's own making has to be computed here. find-identity is not asked: it lists only keys
   * that can sign, and a key that only decrypts (the encryption half of a pair) is an identity
   * too. Whatever cannot be read counts as a key: keeping a certificate is the safe mistake.
   */
  private async mayHaveKey(sha1: string): Promise<boolean> {
    const {machine, keychain} = this.target
    const certificates = await runSecurity(machine, ['find-certificate', '-a', '-Z', keychain])
    if (!certificates.ok) throw refusal(this.target, 'Listing the certificates in the keychain', certificates)
    const hash = parseCertificateKeyHashes(certificates.stdout).find((certificate) => certificate.sha1 === sha1)?.publicKeyHash ?? null
    if (hash === null) return true
    const dump = await runSecurity(machine, ['dump-keychain', keychain])
    if (!dump.ok) throw refusal(this.target, 'Listing the keys in the keychain', dump)
    const keys = parsePrivateKeyHashes(dump.stdout)
    return keys.unreadable || keys.hashes.has(hash)
  }

  /** Nothing stays open between `security` calls. */
  async close(): Promise<void> {}
}

export interface KeychainCorrespondentStoreOptions {
  machine: Machine
  /** The keychain's StoreRef as the keychain store makes it (kind and location), so that the readers of one keychain share one store. */
  ref: StoreRef
  readers: string[]
}

/** The keychain as a correspondent store: it has no password of its own to ask for (a locked one is refused), and no reader locks it. */
export function keychainCorrespondentStore(options: KeychainCorrespondentStoreOptions): CorrespondentStore {
  const target: KeychainContactTarget = {machine: options.machine, keychain: options.ref.location, label: options.ref.label}
  return {
    ref: options.ref,
    readers: options.readers,
    busy: null,
    open: async () => new KeychainContactSession(target),
  }
}
