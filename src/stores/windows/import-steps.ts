/**
 * The changes mailcert makes to the user's certificate stores, each able to describe, apply and
 * undo itself: put the identity into `My` (the certificate with its private key) and its issuers
 * into `CA`, trust a private root (only with consent; Windows asks the user itself), and check that
 * the key signs and that Windows accepts the chain for e-mail.
 */
import {ExitCode, ExternalError, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {canEncrypt} from '../../identity/key-usage.js'
import {reencodeIdentity, temporaryPassword} from '../../identity/reencode.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import {
  addCertificateContext,
  AddDisposition,
  certificateDer,
  commitStore,
  ERROR_INVALID_PASSWORD,
  forEachCertificate,
  type Handle,
  keyLocation,
  type KeyLocation,
  PfxFlags,
  withPfxImport,
  withSystemStore,
} from '../../system/windows/crypt32.js'
import {Win32Error} from '../../system/windows/win32-error.js'
import type {ImportedIdentity, ImportOptions} from '../store.js'
import {verdictOfChain, windowsRefusalHint} from './chain-verdict.js'
import {windowsPfxProfile} from './pfx-profile.js'
import {type Placement} from './placement.js'
import {verifyInMy} from './store-query.js'
import {addToStore, deleteKey, keyShared, leafInMy, removeFromStore, storeHolds, thumbprintOf} from './user-stores.js'

export interface WindowsImportSettings {
  exportable: boolean
  /** The Windows build (`os.release()`), for the encryption of the file handed to Windows. */
  build: number | null
}

const thumbprint = (certificate: Certificate) => certificate.fingerprints.sha1.toUpperCase()
const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`

/** What the import tried, for the message when Windows refuses the file. */
function importRefused(identity: Identity, error: Win32Error, profile: string): Error {
  const key = identity.key
  if (key && key.algorithm !== 'RSA') {
    return new UserError(
      `Windows' certificate store refused the ${key.name} private key (${error.message.replace(/\.$/, '')}). Windows 10 and 11 import elliptic-curve keys; this system does not (Wine's certificate store imports RSA keys only). Nothing was changed.`,
      {
        code: 'key-type-not-supported',
        exitCode: ExitCode.notForSmime,
        hints: ['Run mailcert on Windows 10 or 11, or ask your certificate authority for a certificate with an RSA key.'],
      },
    )
  }
  // The password is mailcert's own and the file mailcert's own: Windows not reading it is not the user's doing.
  const why =
    error.win32Code === ERROR_INVALID_PASSWORD
      ? `Windows says the password is wrong for the file mailcert wrote for it (${profile} encryption), which means this Windows cannot read that encryption`
      : `Windows could not import the file mailcert wrote for it (${profile} encryption)`
  return new ExternalError('PFXImportCertStore', `${why}: ${error.message}`, {
    code: 'store-import-failed',
    hints: ['Nothing was changed. Please report this with the output of `mailcert inspect FILE` and your Windows version (winver).'],
  })
}

/** The certificate's context in the import's temporary store, for `work`. */
function findImported<T>(store: Handle, sha1: string, work: (context: Handle) => T): T {
  let result: {value: T} | null = null
  forEachCertificate(store, (context) => {
    if (result) return
    const der = certificateDer(context)
    if (thumbprintOf(der) === sha1) result = {value: work(context)}
  })
  if (!result) throw new ExternalError('PFXImportCertStore', 'Windows imported the file, but its certificate is not among what it imported.')
  return (result as {value: T}).value
}

export class ImportIdentityStep implements PlanStep {
  readonly id = 'import-identity'
  /** Lower-case SHA-256 of the certificates this run added to `My` and `CA`: what undo takes out. */
  readonly added: string[] = []
  /** The key this run imported (the leaf's), which undo deletes. */
  private importedKey: KeyLocation | null = null
  /** Why Windows refused the import with PKCS12_PREFER_CNG_KSP (Wine does), when it did. */
  cngRefused: string | null = null

  constructor(
    private readonly identity: Identity,
    private readonly placement: Placement,
    private readonly imported: ImportedIdentity,
    private readonly settings: WindowsImportSettings,
  ) {}

  describe(): string {
    const issuers = this.placement.intermediates.length
    const exportable = this.settings.exportable ? ', its key marked exportable' : ''
    return `Import the certificate and private key into your Windows certificate store (CurrentUser\\My${exportable})${issuers > 0 ? `, and ${plural(issuers, 'issuer certificate')} into CurrentUser\\CA` : ''}`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const leaf = this.identity.certificate
    const sha1 = thumbprint(leaf)
    const present = leafInMy(sha1)
    const usable = present?.key.acquired !== null && present !== null
    const missing = this.placement.intermediates.filter((issuer) => !storeHolds('CA', thumbprint(issuer)))
    if (usable && missing.length === 0) {
      this.imported.storedName = sha1
      return {changed: false, detail: `already in CurrentUser\\My with its private key (thumbprint ${sha1})`}
    }

    // Noted before the change, so that a run killed during it leaves a record to undo from.
    const candidates = [...(usable ? [] : [leaf]), ...missing].map((c) => c.fingerprints.sha256)
    await recorder.note({addedCertificates: candidates})

    let provider = ''
    if (!usable) provider = this.importLeaf(sha1)
    for (const issuer of missing) if (addToStore('CA', issuer.der)) this.added.push(issuer.fingerprints.sha256)
    await recorder.note({addedCertificates: [...this.added]})
    this.imported.storedName = sha1
    const parts = [usable ? 'the certificate was there with its key' : `imported (thumbprint ${sha1}, key in ${provider}${this.cngRefused ? '; the CNG key storage provider was refused' : ''})`]
    if (missing.length > 0) parts.push(`${plural(missing.length, 'issuer certificate')} added to CurrentUser\\CA`)
    return {changed: true, detail: parts.join(', ')}
  }

  /** Imports the file (its key into the user's key store), puts the leaf into `My`; the key's provider. */
  private importLeaf(sha1: string): string {
    const profile = windowsPfxProfile(this.settings.build)
    const password = temporaryPassword()
    const pfx = reencodeIdentity(this.identity, password, profile)
    const base = PfxFlags.userKeyset | (this.settings.exportable ? PfxFlags.exportable : 0)
    const work = (store: Handle) =>
      findImported(store, sha1, (context) => {
        // From here the key exists: if `My` does not take the certificate, the key goes again.
        const location = keyLocation(context)
        this.importedKey = location
        withSystemStore('My', (my) => {
          addCertificateContext(my, context, AddDisposition.replaceExisting, 'CurrentUser\\My')
          commitStore(my, 'CurrentUser\\My')
        })
        this.added.unshift(this.identity.certificate.fingerprints.sha256)
        return location?.provider ?? 'an unnamed provider'
      })
    try {
      // The CNG key storage provider where Windows takes the flag (Wine does not), else a CSP.
      try {
        return withPfxImport(pfx, password, base | PfxFlags.preferCngKsp, work)
      } catch (error) {
        if (!(error instanceof Win32Error) || error.call !== 'PFXImportCertStore') throw error
        this.cngRefused = error.message
        return withPfxImport(pfx, password, base, work)
      }
    } catch (error) {
      if (error instanceof Win32Error && error.call === 'PFXImportCertStore') throw importRefused(this.identity, error, profile === 'legacy' ? '3DES/SHA-1' : 'AES-256/SHA-256')
      throw error
    }
  }

  /** Safe after a failed or interrupted import too: it takes out whichever of the new certificates and key are there. */
  async undo(): Promise<void> {
    const leaf = this.identity.certificate
    if (this.added.includes(leaf.fingerprints.sha256)) removeFromStore('My', thumbprint(leaf))
    if (this.importedKey && !keyShared(this.importedKey, thumbprint(leaf))) deleteKey(this.importedKey)
    for (const issuer of this.placement.intermediates) if (this.added.includes(issuer.fingerprints.sha256)) removeFromStore('CA', thumbprint(issuer))
  }
}

/**
 * Puts a private root into `CurrentUser\Root`, only with the user's consent. Windows itself shows
 * a confirmation dialog for that; where no one can answer it (a silent run), the add fails.
 */
export class TrustRootStep implements PlanStep {
  readonly id = 'trust-root'
  private trusted = false

  constructor(private readonly root: Certificate) {}

  describe(): string {
    return `Trust the private root certificate "${this.root.subject.text}" (add it to CurrentUser\\Root; Windows asks you to confirm)`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    if (storeHolds('Root', thumbprint(this.root))) return {changed: false, detail: 'already in CurrentUser\\Root'}
    await recorder.note({trustedRoot: {sha256: this.root.fingerprints.sha256, previousTrust: 'none'}})
    try {
      this.trusted = addToStore('Root', this.root.der)
    } catch (error) {
      // ERROR_CANCELLED: the user said No in Windows' dialog, or there was no one to say Yes.
      if (error instanceof Win32Error && (error.win32Code === 1223 || error.win32Code === 0x800704c7)) {
        throw new UserError(`Windows did not add the root "${this.root.subject.text}" to your trusted roots: its confirmation was declined or could not be shown. The import was undone.`, {
          code: 'trust-denied',
          exitCode: ExitCode.notForSmime,
          hints: ['Run mailcert again at the desktop and answer Yes when Windows asks, or have your administrator deploy the root and run mailcert without --trust-root.'],
        })
      }
      throw error
    }
    return {changed: this.trusted, detail: `"${this.root.subject.text}" added to CurrentUser\\Root`}
  }

  async undo(): Promise<void> {
    if (this.trusted) removeFromStore('Root', thumbprint(this.root))
  }
}

/** What the verify step needs of the import's options: who reads the store, and --keep-refused. */
export type VerifyOptions = Pick<ImportOptions, 'keepRefused' | 'readers'>

/**
 * Reopens `My` as a mail client would: finds the certificate, opens its key and signs once, and
 * builds its chain for e-mail protection. A refused identity fails the target (exit 5) and is
 * undone, or, with --keep-refused, is kept without any account set to use it.
 */
export class VerifyIdentityStep implements PlanStep {
  readonly id = 'verify'

  constructor(
    private readonly identity: Identity,
    private readonly imported: ImportedIdentity,
    private readonly options: VerifyOptions,
  ) {}

  describe(): string {
    return 'Check that Windows opens the private key, signs with it, and accepts the certificate for e-mail'
  }

  async apply(): Promise<StepOutcome> {
    const result = verifyInMy(thumbprint(this.identity.certificate), {sign: true})
    if (!result) throw new ExternalError('crypt32', 'The certificate is not in CurrentUser\\My after its import.')
    if (result.keyError) {
      throw new ExternalError('crypt32', `Windows does not open the private key of the imported certificate: ${result.keyError.message}`, {
        code: 'key-not-usable',
        hints: ['Nothing is left half done: the import was undone. Please report this with your Windows version (winver).'],
      })
    }
    const verdict = verdictOfChain(result.chain)
    const encrypt = canEncrypt(this.identity.certificate)
    this.imported.accepted.signing = verdict.valid
    if (encrypt) this.imported.accepted.encryption = verdict.valid
    this.imported.storedName = thumbprint(this.identity.certificate)
    const entry = {valid: verdict.valid, ...(verdict.reason ? {reason: verdict.reason} : {})}
    const verification: Record<string, {valid: boolean; reason?: string}> = encrypt ? {signing: entry, encryption: entry} : {signing: entry}
    const signed = result.unsignedUnderWine ? `no test signature (Wine ${result.unsignedUnderWine.wine} cannot sign with a key it imported)` : `signed with ${result.signedWith}`
    const keyWords = `key opened (${result.keyKind === 'cng' ? 'CNG' : 'CSP'}${result.provider ? `: ${result.provider}` : ''}) and ${signed}`
    const detail = [keyWords, ...Object.keys(verification).map((usage) => `${usage}: ${verdict.valid ? 'accepted' : 'refused'}`)].join(', ')
    const warnings = result.unsignedUnderWine
      ? [`This runs under Wine ${result.unsignedUnderWine.wine}, whose PFX import gives the key a key spec its own provider cannot sign with (${result.unsignedUnderWine.error.message}): the key was opened, but no test signature was made. Windows itself makes one.`]
      : result.signedWith === 'SHA-1'
        ? [`The key's provider (${result.provider ?? 'a legacy CSP'}) signs with SHA-1 only, not SHA-256; if ${this.options.readers} reports "Invalid algorithm specified" when signing, set its signing hash to SHA-1 or import the file again with certutil -user -csp KSP -importPFX.`]
        : []
    if (verdict.valid) return {changed: false, detail, verification, warnings}

    const message = `Windows does not accept this certificate for e-mail, so ${this.options.readers} cannot use it: ${verdict.reason}.`
    const hints = [windowsRefusalHint(verdict.code)]
    if (!this.options.keepRefused) throw new UserError(`${message} Its import was undone, and no account was changed.`, {code: 'refused-by-client', exitCode: ExitCode.notForSmime, hints})
    return {
      changed: false,
      detail,
      verification,
      warnings,
      failTarget: {message: `${message} The certificate stays in your certificate store (--keep-refused), but no account was set to use it.`, code: 'refused-by-client', exitCode: ExitCode.notForSmime, hints},
    }
  }

  async undo(): Promise<void> {}
}
