/**
 * A store as `mailcert contact` uses it: what certificates it holds, adding one without a key (a
 * correspondent's, or an issuer of it, trusted for nothing), and taking one out again. An NSS
 * database here; each kind of store is a small class beside this interface.
 */
import {createHash} from 'node:crypto'

import {ExitCode, UserError} from '../errors.js'
import {parseCertificate} from '../identity/certificate.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {NssCertificate, NssDriver, NssSession} from '../stores/nss/nss-driver.js'
import type {StoreRef} from '../stores/store.js'

export interface HeldCertificate {
  sha256: string
  /** The store's name for it: an NSS nickname (several certificates can share one). */
  nickname: string
  /** Its subject name's DER, when it can be read: NSS gives one subject one nickname. */
  subjectDer: Buffer | null
}

export interface ContactStoreSession {
  list(): Promise<HeldCertificate[]>
  /** Adds the certificate; gives back the name the store holds it under (NSS keeps a subject's existing nickname). */
  add(certificate: Certificate, nickname: string): Promise<string>
  /** Takes out the certificate with this SHA-256 (held under `nickname`); one that is not there is already out. */
  remove(held: HeldCertificate): Promise<void>
  close(): Promise<void>
}

function subjectOf(der: Buffer): Buffer | null {
  try {
    return parseCertificate(der).subject.der
  } catch {
    return null
  }
}

/** Trusted for nothing: a correspondent's certificate and its issuers are looked up, never trusted (a root stays untrusted unless the user trusts it). */
export const NO_TRUST = ',,'

class NssContactSession implements ContactStoreSession {
  private held: NssCertificate[] | null = null

  constructor(private readonly session: NssSession) {}

  private async certificates(): Promise<NssCertificate[]> {
    this.held ??= await this.session.listCertificates()
    return this.held
  }

  async list(): Promise<HeldCertificate[]> {
    return (await this.certificates()).map((c) => ({sha256: c.sha256, nickname: c.nickname, subjectDer: subjectOf(c.der)}))
  }

  async add(certificate: Certificate, nickname: string): Promise<string> {
    if (!this.session.addCertificate) throw new Error(`the ${this.session.driver} NSS driver cannot add certificates`)
    this.held = null
    await this.session.addCertificate(certificate.der, nickname, NO_TRUST)
    const sha256 = createHash('sha256').update(certificate.der).digest('hex')
    return (await this.certificates()).find((c) => c.sha256 === sha256)?.nickname ?? nickname
  }

  async remove(held: HeldCertificate): Promise<void> {
    const found = (await this.certificates()).find((c) => c.sha256 === held.sha256)
    if (!found) return
    this.held = null
    await this.session.deleteCertificate(found, {withKey: false})
  }

  async close(): Promise<void> {
    await this.session.close()
  }
}

export interface NssContactStoreOptions {
  ref: StoreRef
  driver: NssDriver
  /** The database's primary password, asked only when it has one. */
  storePassword(ref: StoreRef): Promise<string>
  passwordHint: string
}

/** A session on the NSS database at `ref.location`, its primary password checked first when it has one. */
export async function openNssContactStore(options: NssContactStoreOptions): Promise<ContactStoreSession> {
  const {driver, ref} = options
  let dbPassword: string | undefined
  if (await driver.hasPrimaryPassword(ref.location)) {
    dbPassword = await options.storePassword(ref)
    if (!(await driver.checkPrimaryPassword(ref.location, dbPassword))) {
      throw new UserError(`The primary password of ${ref.label} is wrong.`, {code: 'wrong-db-password', exitCode: ExitCode.wrongPassword, hints: [options.passwordHint]})
    }
  }
  return new NssContactSession(await driver.open(ref.location, {dbPassword}))
}

/** Whether the certificate is in the NSS database now, for `contact list` (no password needed to list). */
export async function nssHolds(driver: NssDriver, dir: string, sha256: string): Promise<boolean> {
  const session = await driver.open(dir, {})
  try {
    return (await session.listCertificates()).some((c) => c.sha256 === sha256)
  } finally {
    await session.close()
  }
}
