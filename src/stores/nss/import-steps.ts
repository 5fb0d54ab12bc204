/**
 * The changes mailcert makes to an NSS database, each able to describe, apply and undo itself: put
 * the identity in, trust a private root for e-mail (only with consent), and check that NSS accepts
 * the certificate for e-mail as the mail client will.
 */
import {ExitCode, ExternalError, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {reencodeIdentity, temporaryPassword} from '../../identity/reencode.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import type {AcceptedUsages, ImportedIdentity} from '../store.js'
import {nssDbKey, sameDbKey} from './dbkey.js'
import type {EmailUsage, NssCertificate, NssSession, Verdict} from './nss-driver.js'

/** One database session shared by a target's steps, opened on first use and closable in between. */
export interface SessionHolder {
  get(): Promise<NssSession>
  /** Close it if open (Thunderbird must not run while prefs.js changes); a later get() opens a new one. */
  release(): Promise<void>
}

export function sessionHolder(open: () => Promise<NssSession>): SessionHolder {
  let session: Promise<NssSession> | null = null
  return {
    get: () => (session ??= open()),
    async release() {
      const current = session
      session = null
      if (current) await (await current).close()
    },
  }
}

const bySha = (list: NssCertificate[], der: Certificate): NssCertificate | undefined => list.find((c) => c.sha256 === der.fingerprints.sha256)

export class ImportIdentityStep implements PlanStep {
  readonly id = 'import-identity'
  /** The file's certificates that were not in the database before the import: what undo takes out. */
  private candidates: string[] = []

  constructor(
    private readonly session: SessionHolder,
    private readonly identity: Identity,
    private readonly imported: ImportedIdentity,
    /** The database file, for the description: `…/cert9.db`. */
    private readonly databaseFile: string,
  ) {}

  describe(): string {
    const issuers = this.identity.chain.length
    return `Import the certificate and private key${issuers > 0 ? ` with ${issuers} issuer certificate${issuers > 1 ? 's' : ''}` : ''} into the certificate database (${this.databaseFile})`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const session = await this.session.get()
    const before = await session.listCertificates()
    const leaf = bySha(before, this.identity.certificate)
    const chainPresent = this.identity.chain.every((c) => bySha(before, c))
    if (leaf?.hasKey && chainPresent) {
      this.imported.storedName = leaf.nickname
      return {changed: false, detail: `already there as "${leaf.nickname}"`}
    }

    // Noted before the import, so that a run killed during it still leaves a record to undo from.
    this.candidates = [this.identity.certificate, ...this.identity.chain].filter((c) => !bySha(before, c)).map((c) => c.fingerprints.sha256)
    await recorder.note({addedCertificates: this.candidates})
    const password = temporaryPassword()
    await session.importPkcs12(reencodeIdentity(this.identity, password, 'modern'), password)

    const after = await session.listCertificates()
    const added = after.filter((c) => !before.some((old) => old.sha256 === c.sha256))
    this.candidates = added.map((c) => c.sha256)
    await recorder.note({addedCertificates: this.candidates})
    const stored = bySha(after, this.identity.certificate)
    const tool = session.tool
    if (!stored) throw new ExternalError(tool, 'The import reported success, but the certificate is not in the database.')
    if (!stored.hasKey) throw new ExternalError(tool, 'The certificate was stored without its private key.')
    // The identity settings will name the certificate by the dbKey mailcert computes: NSS must agree.
    if (stored.dbKey !== undefined && !sameDbKey(stored.dbKey, nssDbKey(this.identity.certificate))) {
      throw new ExternalError(tool, `${tool} reports a different database key for the certificate than mailcert computed; nothing was configured.`, {code: 'dbkey-mismatch'})
    }
    // NSS chooses (and sometimes changes) the nickname: report the one it stored, and tell the clients.
    this.imported.storedName = stored.nickname
    return {changed: true, detail: `stored as "${stored.nickname}"${stored.dbKey ? `, dbKey confirmed by ${tool}` : ''}`}
  }

  /** Safe after a failed or interrupted import too: it takes out whichever of the new certificates are there. */
  async undo(): Promise<void> {
    const session = await this.session.get()
    const current = await session.listCertificates()
    for (const sha256 of this.candidates) {
      const certificate = current.find((c) => c.sha256 === sha256)
      if (!certificate) continue
      // A nickname shared with an older certificate (a renewal) could delete the wrong one: leave it.
      if (current.filter((c) => c.nickname === certificate.nickname).length > 1) continue
      await session.deleteCertificate(certificate, {withKey: certificate.hasKey})
    }
  }
}

export class TrustRootStep implements PlanStep {
  readonly id = 'trust-root'
  private previous: {certificate: NssCertificate; trust: string} | null = null

  /** The root's trust before this step changed it; null when it changed nothing. */
  get change(): {sha256: string; previousTrust: string} | null {
    return this.previous ? {sha256: this.previous.certificate.sha256, previousTrust: this.previous.trust} : null
  }

  constructor(
    private readonly session: SessionHolder,
    private readonly root: Certificate,
  ) {}

  describe(): string {
    return `Trust the private root certificate "${this.root.subject.text}" to vouch for e-mail certificates (trust ,C,)`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const session = await this.session.get()
    const stored = bySha(await session.listCertificates(), this.root)
    if (!stored) throw new ExternalError('NSS', 'The root certificate is not in the database after the import.')
    if (/C/.test(stored.trust.split(',')[1] ?? '')) return {changed: false, detail: 'already trusted for e-mail'}
    this.previous = {certificate: stored, trust: stored.trust}
    await recorder.note({trustedRoot: this.change})
    await session.trustForEmail(stored)
    return {changed: true, detail: `"${stored.nickname}" trusted for e-mail`}
  }

  async undo(): Promise<void> {
    if (!this.previous) return
    const session = await this.session.get()
    await session.setTrust(this.previous.certificate, this.previous.trust)
  }
}

/** The fix for each reason NSS gives for refusing a certificate. */
export function refusalHint(code: string | undefined): string {
  switch (code) {
    case 'untrusted-issuer':
      return "The root certificate of your certificate authority is not trusted for e-mail. If it is your organisation's own authority and you trust it, run again with --trust-root; otherwise ask the authority for the file with its full chain."
    case 'unknown-issuer':
      return 'An intermediate or root certificate is missing: download the certificate again from your certificate authority with its full chain (often offered as "PKCS#12 with chain"), or ask your IT department for the issuing certificates.'
    case 'expired':
      return 'A certificate in the chain has expired: ask your certificate authority for a new certificate (or for the current intermediate certificate).'
    case 'inadequate-usage':
      return 'The certificate was not issued for e-mail: ask your certificate authority for an S/MIME (e-mail) certificate.'
    case 'revoked':
      return 'The certificate has been revoked: ask your certificate authority for a new one.'
    default:
      return 'Run `mailcert inspect FILE` to see what the certificate says, and `mailcert check --deep` to ask the mail client itself.'
  }
}

export interface RefusalOptions {
  /** `--keep-refused`: keep the certificate in the store when the client refuses it, but set no account to use it. */
  keepRefused: boolean
  /** Who reads the store, for the message: `Thunderbird`. */
  readers: string
}

/**
 * Asks the database (and so the mail client's NSS) whether the installed certificate is good for
 * e-mail. A certificate the client refuses for every use is not "done": the target fails (exit 5)
 * and its import is undone, or, with --keep-refused, kept without any account set to use it.
 */
export class VerifyInstalledStep implements PlanStep {
  readonly id = 'verify'

  constructor(
    private readonly session: SessionHolder,
    private readonly identity: Identity,
    private readonly canEncrypt: boolean,
    private readonly accepted: AcceptedUsages,
    private readonly options: RefusalOptions,
  ) {}

  describe(): string {
    return `Check that the certificate is accepted for signing${this.canEncrypt ? ' and encryption' : ''}`
  }

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const usages: EmailUsage[] = this.canEncrypt ? ['signing', 'encryption'] : ['signing']
    const verification: Record<string, {valid: boolean; reason?: string}> = {}
    const verdicts = new Map<EmailUsage, Verdict>()
    const warnings: string[] = []
    for (const usage of usages) {
      const verdict = await session.verify(this.identity.certificate.der, usage)
      verdicts.set(usage, verdict)
      verification[usage] = {valid: verdict.valid, ...(verdict.reason ? {reason: verdict.reason} : {})}
      // Without a way to check (no vfychain), the certificate is set up as before, with a warning.
      this.accepted[usage] = verdict.valid || verdict.code === 'cannot-check'
      if (verdict.code === 'cannot-check') warnings.push(`Not checked for ${usage}: ${verdict.reason}.`)
      else if (!verdict.valid) warnings.push(`Not accepted for ${usage}: ${verdict.reason ?? 'no reason given'}.`)
    }
    const detail = Object.entries(verification)
      .map(([usage, v]) => `${usage}: ${v.valid ? 'accepted' : 'refused'}`)
      .join(', ')
    if (usages.some((usage) => this.accepted[usage])) return {changed: false, detail, warnings, verification}

    const refusal = verdicts.get('signing')!
    const message = `${this.options.readers} refuses this certificate: ${refusal.reason ?? 'no reason given'}.`
    const hints = [refusalHint(refusal.code)]
    if (!this.options.keepRefused) {
      throw new UserError(`${message} Its import was undone, and no account was changed.`, {code: 'refused-by-client', exitCode: ExitCode.notForSmime, hints})
    }
    return {
      changed: false,
      detail,
      verification,
      failTarget: {
        message: `${message} The certificate stays in the database (--keep-refused), but no account was set to use it.`,
        code: 'refused-by-client',
        exitCode: ExitCode.notForSmime,
        hints,
      },
    }
  }

  async undo(): Promise<void> {}
}
