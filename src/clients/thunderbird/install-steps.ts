/**
 * The changes mailcert makes to one Thunderbird profile, each able to describe, apply and undo
 * itself: put the identity into the profile's NSS database, trust a private root for e-mail (only
 * with consent), and point the matching identities at the certificate in prefs.js.
 */
import path from 'node:path'

import {ExternalError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {reencodeIdentity, temporaryPassword} from '../../identity/reencode.js'
import type {IdentityRecord} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import {nssDbKey, sameDbKey} from '../../stores/nss/dbkey.js'
import type {NssCertificate, NssSession} from '../../stores/nss/nss-driver.js'
import type {ThunderbirdProfile} from './discovery.js'
import {smimePrefChanges, type SmimeChoice} from './identity-settings.js'
import {PrefsEdit} from './prefs-edit.js'
import {getUserPref, type PrefValue} from './prefs-js.js'

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
  private added: NssCertificate[] = []

  /** SHA-256 of the certificates this step added (for the journal that `remove` reads). */
  get addedCertificates(): string[] {
    return this.added.map((c) => c.sha256)
  }

  constructor(
    private readonly session: SessionHolder,
    private readonly identity: Identity,
    private readonly profile: ThunderbirdProfile,
  ) {}

  describe(): string {
    const issuers = this.identity.chain.length
    return `Import the certificate and private key${issuers > 0 ? ` with ${issuers} issuer certificate${issuers > 1 ? 's' : ''}` : ''} into the profile's certificate database (${path.join(this.profile.dir, this.profile.database === 'dbm' ? 'cert8.db' : 'cert9.db')})`
  }

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const before = await session.listCertificates()
    const leaf = bySha(before, this.identity.certificate)
    const chainPresent = this.identity.chain.every((c) => bySha(before, c))
    if (leaf?.hasKey && chainPresent) return {changed: false, detail: `already there as "${leaf.nickname}"`}

    const password = temporaryPassword()
    await session.importPkcs12(reencodeIdentity(this.identity, password, 'modern'), password)

    const after = await session.listCertificates()
    const stored = bySha(after, this.identity.certificate)
    if (!stored) throw new ExternalError(session.driver === 'tools' ? 'pk12util' : 'Thunderbird', 'The import reported success, but the certificate is not in the database.')
    if (!stored.hasKey) throw new ExternalError(session.driver === 'tools' ? 'pk12util' : 'Thunderbird', 'The certificate was stored without its private key.')
    // The identity settings will name the certificate by the dbKey mailcert computes: NSS must agree.
    if (stored.dbKey !== undefined && !sameDbKey(stored.dbKey, nssDbKey(this.identity.certificate))) {
      throw new ExternalError('Thunderbird', 'Thunderbird reports a different database key for the certificate than mailcert computed; nothing was configured.', {code: 'dbkey-mismatch'})
    }
    this.added = after.filter((c) => !before.some((old) => old.sha256 === c.sha256))
    // NSS chooses (and sometimes changes) the nickname: report the one it stored.
    return {changed: true, detail: `stored as "${stored.nickname}"${stored.dbKey ? ', dbKey confirmed by Thunderbird' : ''}`}
  }

  async undo(): Promise<void> {
    const session = await this.session.get()
    const current = await session.listCertificates()
    for (const certificate of this.added) {
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

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const stored = bySha(await session.listCertificates(), this.root)
    if (!stored) throw new ExternalError('NSS', 'The root certificate is not in the database after the import.')
    if (/C/.test(stored.trust.split(',')[1] ?? '')) return {changed: false, detail: 'already trusted for e-mail'}
    await session.trustForEmail(stored)
    this.previous = {certificate: stored, trust: stored.trust}
    return {changed: true, detail: `"${stored.nickname}" trusted for e-mail`}
  }

  async undo(): Promise<void> {
    if (!this.previous) return
    const session = await this.session.get()
    await session.setTrust(this.previous.certificate, this.previous.trust)
  }
}

export class ConfigureIdentitiesStep implements PlanStep {
  readonly id = 'configure-identities'
  private readonly prefs: PrefsEdit
  /** Each setting this step changed: its value before (null: unset) and after. */
  readonly changes = new Map<string, {previous: PrefValue | null; applied: PrefValue}>()

  constructor(
    profile: ThunderbirdProfile,
    private readonly identities: Array<{key: string; email: string}>,
    private readonly choice: SmimeChoice,
    private readonly beforeWrite: () => Promise<void>,
  ) {
    this.prefs = new PrefsEdit(profile)
  }

  describe(): string {
    const what = [
      'sign',
      this.choice.canEncrypt ? 'decrypt' : null,
    ].filter(Boolean).join(' and ')
    const defaults = [
      this.choice.signByDefault === undefined ? null : `sign by default: ${this.choice.signByDefault ? 'yes' : 'no'}`,
      this.choice.encryptByDefault === undefined ? null : `encrypt by default: ${this.choice.encryptByDefault ? 'yes' : 'no'}`,
    ].filter(Boolean)
    const list = this.identities.map((i) => i.email).join(', ')
    return `Set ${list} to ${what} with this certificate${defaults.length ? ` (${defaults.join(', ')})` : ''} in ${this.prefs.path}`
  }

  async apply(): Promise<StepOutcome> {
    await this.beforeWrite()
    const parsed = await this.prefs.read()
    const changes = smimePrefChanges(
      this.identities.map((i) => i.key),
      this.choice,
    )
    const pending: Record<string, PrefValue> = Object.fromEntries(Object.entries(changes).filter(([name, value]) => getUserPref(parsed, name) !== value))
    if (Object.keys(pending).length === 0) return {changed: false, detail: 'already set'}

    const backup = await this.prefs.write(parsed, pending)
    for (const [name, value] of Object.entries(pending)) this.changes.set(name, {previous: getUserPref(parsed, name) ?? null, applied: value})
    return {changed: true, detail: `${Object.keys(pending).length} settings changed`, backup}
  }

  async undo(): Promise<void> {
    if (await this.prefs.undo()) this.changes.clear()
  }

  /** The identities' part of the journal entry. */
  identityRecords(): IdentityRecord[] {
    return this.identities
      .map((identity) => {
        const prefix = `mail.identity.${identity.key}.`
        const mine = [...this.changes].filter(([name]) => name.startsWith(prefix))
        return {
          key: identity.key,
          email: identity.email,
          previous: Object.fromEntries(mine.map(([name, change]) => [name, change.previous])),
          applied: Object.fromEntries(mine.map(([name, change]) => [name, change.applied])),
        }
      })
      .filter((record) => Object.keys(record.applied).length > 0)
  }
}

/** Not a change: asks the database (and so the mail client's NSS) whether the installed certificate is good for e-mail. */
export class VerifyInstalledStep implements PlanStep {
  readonly id = 'verify'

  constructor(
    private readonly session: SessionHolder,
    private readonly identity: Identity,
    private readonly canEncrypt: boolean,
  ) {}

  describe(): string {
    return `Check that the certificate is accepted for signing${this.canEncrypt ? ' and encryption' : ''}`
  }

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const usages = this.canEncrypt ? (['signing', 'encryption'] as const) : (['signing'] as const)
    const verification: Record<string, {valid: boolean; reason?: string}> = {}
    const warnings: string[] = []
    for (const usage of usages) {
      const verdict = await session.verify(this.identity.certificate.der, usage)
      verification[usage] = {valid: verdict.valid, ...(verdict.reason ? {reason: verdict.reason} : {})}
      if (verdict.code === 'cannot-check') warnings.push(`Not checked for ${usage}: ${verdict.reason}.`)
      else if (!verdict.valid) warnings.push(`Not accepted for ${usage}: ${verdict.reason ?? 'no reason given'}.`)
    }
    const verdicts = Object.entries(verification).map(([usage, v]) => `${usage}: ${v.valid ? 'valid' : 'not valid'}`)
    return {changed: false, detail: verdicts.join(', '), warnings, verification}
  }

  async undo(): Promise<void> {}
}
