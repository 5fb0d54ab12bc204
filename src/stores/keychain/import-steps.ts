/**
 * The changes mailcert makes to a keychain, each able to describe, apply and undo itself: put the
 * identity in (re-encoded so that every macOS reads it), let the mail clients use its key without
 * a prompt (only with the keychain password and consent), trust a private root for S/MIME (only
 * with consent, and macOS asks the user), and check that macOS accepts the identity for S/MIME.
 */
import {ExitCode, ExternalError, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {canEncrypt, canSign} from '../../identity/key-usage.js'
import {reencodeIdentity, temporaryPassword} from '../../identity/reencode.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import type {Machine} from '../../system/platform.js'
import {withSecretFiles} from '../../system/secret-files.js'
import type {ImportedIdentity, ImportOptions} from '../store.js'
import {importFailed, keychainLocked, type KeychainPlace, wrongKeychainPassword} from './security-errors.js'
import {failed, findCertificates, findIdentities, identitiesIn, type KeychainCertificate, runSecurity, runSecurityWithSecrets} from './security-tool.js'
import {keychainRefusalHint, verdictOfTrustError, verdictOfUnlisted} from './trust-verdict.js'

export interface KeychainTarget extends KeychainPlace {
  machine: Machine
}

const sha1Of = (certificate: Certificate) => certificate.fingerprints.sha1.toUpperCase()
const holds = (list: KeychainCertificate[], certificate: Certificate) => list.some((c) => c.sha256.toLowerCase() === certificate.fingerprints.sha256)

async function deleteOne(target: KeychainTarget, command: 'delete-identity' | 'delete-certificate', sha1: string): Promise<boolean> {
  const result = await runSecurity(target.machine, [command, '-Z', sha1, target.keychain])
  if (result.ok) return true
  if (result.error === 'keychain-locked') throw keychainLocked(target)
  if (result.error !== 'not-found') throw failed(`Removing the certificate ${sha1} from the keychain`, result)
  return false
}

/** Takes out of the keychain the certificates (lower-case SHA-256) that are there now: the leaf with its key first. */
/** `leaves`: the certificates with a private key (one, or both halves of a pair); they go first, with their keys. */
export async function deleteCertificates(target: KeychainTarget, sha256s: string[], leaves: string[]): Promise<number> {
  const present = await findCertificates(target.machine, target.keychain)
  const order = [...sha256s.filter((sha) => leaves.includes(sha)), ...sha256s.filter((sha) => !leaves.includes(sha))]
  let removed = 0
  for (const sha256 of order) {
    const certificate = present.find((c) => c.sha256.toLowerCase() === sha256)
    if (!certificate) continue
    // The leaf goes with its private key; without one (an interrupted import) as a certificate.
    const gone = (leaves.includes(sha256) && (await deleteOne(target, 'delete-identity', certificate.sha1))) || (await deleteOne(target, 'delete-certificate', certificate.sha1))
    if (gone) removed++
  }
  return removed
}

export class ImportIdentityStep implements PlanStep {
  readonly id = 'import-identity'
  /** The file's certificates (lower-case SHA-256) that were not in the keychain before: what undo takes out. */
  private candidates: string[] = []
  /** This run put the private key in (so it may set the key's partition list). */
  importedKey = false

  constructor(
    private readonly target: KeychainTarget,
    private readonly identity: Identity,
    private readonly imported: ImportedIdentity,
    /** The friendlyName the re-encoded file gives key and certificate: how the key is found again. */
    readonly keyLabel: string,
    /** Applications to put on the key's access list (`-T`). */
    private readonly applications: string[],
  ) {}

  describe(): string {
    const issuers = this.identity.chain.length
    return `Import the certificate and private key${issuers > 0 ? ` with ${issuers} issuer certificate${issuers > 1 ? 's' : ''}` : ''} into ${this.target.label} (${this.target.keychain})`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const {machine, keychain} = this.target
    const leaf = this.identity.certificate
    const before = await findCertificates(machine, keychain)
    const listed = holds(before, leaf) ? (await identitiesIn(machine, keychain)).find((identity) => identity.sha1 === sha1Of(leaf)) : undefined
    if (listed && this.identity.chain.every((c) => holds(before, c))) {
      this.imported.storedName = listed.label
      return {changed: false, detail: `already in the keychain with its private key, as "${listed.label}"`}
    }

    // Noted before the import, so that a run killed during it still leaves a record to undo from.
    this.candidates = [leaf, ...this.identity.chain].filter((c) => !holds(before, c)).map((c) => c.fingerprints.sha256)
    await recorder.note({addedCertificates: this.candidates})
    const password = temporaryPassword()
    // 3DES and a SHA-1 MAC: what the decoder of every macOS reads (research §2.2); -f pkcs12 always.
    const file = reencodeIdentity(this.identity, password, 'legacy', {friendlyName: this.keyLabel})
    const result = await withSecretFiles(async (files) => {
      const path = await files.write(file, 'identity.p12')
      return runSecurityWithSecrets(machine, ['import', path, '-k', keychain, '-f', 'pkcs12', '-P', password, ...this.applications.flatMap((app) => ['-T', app])])
    })
    // Success is the exit status and then the keychain itself: macOS 15 prints no counts. (Whether
    // the key came with the certificate is the verify step's question: find-identity.)
    if (!result.ok && result.error !== 'duplicate') throw importFailed(this.target, result)

    const after = await findCertificates(machine, keychain)
    const added = after.filter((c) => !before.some((old) => old.sha256 === c.sha256)).map((c) => c.sha256.toLowerCase())
    this.candidates = this.candidates.filter((sha256) => added.includes(sha256))
    await recorder.note({addedCertificates: this.candidates})
    if (!holds(after, leaf)) throw new ExternalError('security', 'The import reported success, but the certificate is not in the keychain.')
    this.importedKey = result.ok
    if (!result.ok) return {changed: this.candidates.length > 0, detail: 'already in the keychain'}
    return {changed: true, detail: `imported, ${this.candidates.length} certificate${this.candidates.length === 1 ? '' : 's'} added`}
  }

  /** Safe after a failed or interrupted import too: it takes out whichever of the new certificates are there. */
  async undo(): Promise<void> {
    await deleteCertificates(this.target, this.candidates, [this.identity.certificate.fingerprints.sha256])
  }
}

/**
 * Sets the partition list of the key this run imported, so that Apple Mail (`apple:`) and Outlook
 * (`teamid:UBF8T346G9`) use it without asking for the keychain password (research §1.4).
 */
export class KeyAccessStep implements PlanStep {
  readonly id = 'key-access'

  constructor(
    private readonly target: KeychainTarget,
    private readonly importStep: ImportIdentityStep,
    private readonly partitions: string[],
    private readonly readers: string,
    private readonly keychainPassword: string,
  ) {}

  describe(): string {
    return `Let ${this.readers} use the private key without asking for the keychain password (its partition list: ${this.partitions.join(',')})`
  }

  async apply(): Promise<StepOutcome> {
    if (!this.importStep.importedKey) return {changed: false, detail: 'the key was in the keychain before this run: its access is left as it was'}
    const {machine, keychain} = this.target
    const result = await runSecurityWithSecrets(machine, ['set-key-partition-list', '-S', this.partitions.join(','), '-s', '-l', this.importStep.keyLabel, '-k', this.keychainPassword, keychain])
    if (!result.ok) {
      if (result.error === 'wrong-keychain-password') throw wrongKeychainPassword(this.target)
      throw failed('Setting the access of the private key', result)
    }
    // The tool prints the attributes of each key it changed.
    if (!result.stdout.includes('keychain: "')) {
      return {
        changed: false,
        detail: 'no key found by its label',
        warnings: [`macOS found no key labelled "${this.importStep.keyLabel}", so ${this.readers} will each ask once for the keychain password: type it and choose Always Allow.`],
      }
    }
    return {changed: true, detail: `partition list ${this.partitions.join(',')}`}
  }

  /** The key exists only because this run imported it: the import's undo takes it out with its access. */
  async undo(): Promise<void> {}
}

export class TrustRootStep implements PlanStep {
  readonly id = 'trust-root'
  private trusted = false

  constructor(
    private readonly target: KeychainTarget,
    private readonly identity: Identity,
    private readonly root: Certificate,
    private readonly email: string | undefined,
  ) {}

  describe(): string {
    return `Trust the private root certificate "${this.root.subject.text}" for e-mail (S/MIME) in your trust settings (macOS asks for your password to allow it)`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const {machine, keychain} = this.target
    const current = (await findIdentities(machine, keychain, {email: this.email, validOnly: false})).find((identity) => identity.sha1 === sha1Of(this.identity.certificate))
    if (current?.valid) return {changed: false, detail: 'already trusted'}
    await recorder.note({trustedRoot: {sha256: this.root.fingerprints.sha256, previousTrust: 'none'}})
    const result = await this.withRootFile((file) => runSecurity(machine, ['add-trusted-cert', '-r', 'trustRoot', '-p', 'smime', '-k', keychain, file]))
    if (!result.ok) throw this.refused(result)
    this.trusted = true
    return {changed: true, detail: `"${this.root.subject.text}" trusted for S/MIME`}
  }

  async undo(): Promise<void> {
    if (!this.trusted) return
    const result = await this.withRootFile((file) => runSecurity(this.target.machine, ['remove-trusted-cert', file]))
    if (!result.ok && result.error !== 'not-found') throw failed(`Taking back the trust given to "${this.root.subject.text}"`, result)
  }

  private withRootFile<T>(work: (file: string) => Promise<T>): Promise<T> {
    return withSecretFiles(async (files) => work(await files.write(this.root.der, 'root.cer')))
  }

  private refused(result: Awaited<ReturnType<typeof runSecurity>>): Error {
    const root = `"${this.root.subject.text}"`
    if (result.error === 'auth-unavailable') {
      return new UserError(`macOS could not ask for your permission to trust the root ${root}: changing trust settings needs your password in a dialog, and this session has no screen to show it on. The import was undone.`, {
        code: 'trust-needs-gui',
        exitCode: ExitCode.notForSmime,
        hints: ['Run mailcert in Terminal on the Mac itself (logged in at its screen), or have your administrator trust the root with a configuration profile and run mailcert again without --trust-root.'],
      })
    }
    if (result.error === 'auth-denied') {
      return new UserError(`The change of trust settings for the root ${root} was cancelled, so macOS does not accept the certificate. The import was undone.`, {
        code: 'trust-denied',
        exitCode: ExitCode.notForSmime,
        hints: ['Run mailcert again and allow the change when macOS asks (with your login password), or leave out --trust-root.'],
      })
    }
    if (result.error === 'keychain-locked') return keychainLocked(this.target)
    return failed(`Trusting the root ${root}`, result)
  }
}

/** What the verify step needs of the import's options: who reads the store, and --keep-refused. */
export type VerifyOptions = Pick<ImportOptions, 'keepRefused' | 'readers'>

/**
 * Asks macOS (`find-identity -p smime -s EMAIL`, without -v to see the reason) whether it accepts
 * the identity for S/MIME, as Apple Mail will. A refused one fails the target (exit 5) and is
 * undone, or, with --keep-refused, is kept without any account set to use it.
 */
export class VerifyIdentityStep implements PlanStep {
  readonly id = 'verify'

  constructor(
    private readonly target: KeychainTarget,
    private readonly identity: Identity,
    private readonly imported: ImportedIdentity,
    private readonly email: string | undefined,
    private readonly options: VerifyOptions,
  ) {}

  describe(): string {
    return `Check that macOS accepts the certificate for S/MIME${this.email ? ` for ${this.email}` : ''}`
  }

  async apply(): Promise<StepOutcome> {
    const listed = (await findIdentities(this.target.machine, this.target.keychain, {email: this.email, validOnly: false})).find((identity) => identity.sha1 === sha1Of(this.identity.certificate))
    const verdict = listed ? verdictOfTrustError(listed.trustError, this.email) : verdictOfUnlisted(this.identity.certificate, this.email)
    const encrypt = canEncrypt(this.identity.certificate)
    if (listed) this.imported.storedName = listed.label
    // macOS judges identities by the S/MIME signing policy. The encryption half of a pair fails it by its key usage alone,
    // and is still what Mail decrypts with (it finds the key by the message's recipient, not by that policy).
    if (!verdict.valid && verdict.code === 'inadequate-usage' && encrypt && !canSign(this.identity.certificate)) {
      this.imported.accepted.encryption = true
      return {changed: false, detail: 'encryption: in the keychain with its key (macOS checks identities for signing only, which this certificate is not for)', verification: {encryption: {valid: true}}}
    }
    this.imported.accepted.signing = verdict.valid
    if (encrypt) this.imported.accepted.encryption = verdict.valid
    const entry = {valid: verdict.valid, ...(verdict.reason ? {reason: verdict.reason} : {})}
    const verification: Record<string, {valid: boolean; reason?: string}> = encrypt ? {signing: entry, encryption: entry} : {signing: entry}
    const detail = Object.keys(verification)
      .map((usage) => `${usage}: ${verdict.valid ? 'accepted' : 'refused'}`)
      .join(', ')
    if (verdict.valid) return {changed: false, detail, verification}

    const message = `macOS does not accept this certificate for S/MIME, so ${this.options.readers} cannot use it: ${verdict.reason}.`
    const hints = [keychainRefusalHint(verdict.code)]
    if (!this.options.keepRefused) throw new UserError(`${message} Its import was undone, and no account was changed.`, {code: 'refused-by-client', exitCode: ExitCode.notForSmime, hints})
    return {
      changed: false,
      detail,
      verification,
      failTarget: {message: `${message} The certificate stays in the keychain (--keep-refused), but no account was set to use it.`, code: 'refused-by-client', exitCode: ExitCode.notForSmime, hints},
    }
  }

  async undo(): Promise<void> {}
}
