/**
 * Two ways to work on an NSS database: NSS's own command-line tools, or the user's Thunderbird driven
 * over Marionette (for machines without the tools). Both do the same few things through a session,
 * so that a driver that is slow to start (Thunderbird) starts once per profile.
 */
import type {EmailUsage, Verdict} from '../store.js'


export type NssDriverName = 'tools' | 'thunderbird'

export interface NssCertificate {
  nickname: string
  /** `SSL,S/MIME,JAR/XPI` trust flags as certutil shows them. */
  trust: string
  der: Buffer
  /** Lower-case hex. */
  sha256: string
  /** NSS holds this certificate's private key. */
  hasKey: boolean
  /** A CA certificate (basicConstraints cA). */
  isCa: boolean
  /** The dbKey NSS itself reports, when the driver can ask (Thunderbird can; the tools cannot). */
  dbKey?: string
}

export type {EmailUsage, Verdict} from '../store.js'

export interface NssSession {
  readonly driver: NssDriverName
  /** The program that does the work, for messages: `pk12util`, `Thunderbird`. */
  readonly tool: string
  listCertificates(): Promise<NssCertificate[]>
  /** Import a PKCS#12 file (already re-encoded for NSS) protected by `password`. */
  importPkcs12(pkcs12: Buffer, password: string): Promise<void>
  /** Trust a CA certificate to issue e-mail certificates (`,C,`), keeping its other trust. */
  trustForEmail(certificate: NssCertificate): Promise<void>
  /** Put back trust flags as they were (undo). */
  setTrust(certificate: NssCertificate, trust: string): Promise<void>
  deleteCertificate(certificate: NssCertificate, options: {withKey: boolean}): Promise<void>
  /**
   * Whether deleteCertificate finds the very certificate it is given. certutil finds one by
   * nickname, and NSS gives every certificate of a subject (a renewal) the same nickname.
   */
  readonly deletesExactly: boolean
  /** Delete only the private key of a certificate, found by NSS's key id: exact even when renewals share a nickname (drivers that delete exactly need not have it). */
  deleteKey?(certificate: NssCertificate): Promise<void>
  /** Delete every certificate with this nickname, keys included: exact when all of them are to go (both halves of a pair). */
  deleteAllNamed?(nickname: string): Promise<void>
  /**
   * Add a certificate without a key (someone else's, to encrypt to; an issuer of it) under
   * `nickname`, with `trust` (`,,`: trusted for nothing). Only NSS's tools can (certutil -A).
   */
  addCertificate?(der: Buffer, nickname: string, trust: string): Promise<void>
  /**
   * Would the mail client accept this certificate for e-mail signing or encryption now? Judged with
   * the database's certificates and trust plus Mozilla's built-in roots (which Thunderbird has
   * compiled in), and `extra` certificates (a chain from a file) as untrusted intermediates.
   */
  verify(certificate: Buffer, usage: EmailUsage, extra?: Buffer[]): Promise<Verdict>
  /**
   * `content` signed by NSS itself with the key of the certificate called `nickname` (`mailcert share
   * --from-store`): a detached CMS SignedData with signing time and S/MIME capabilities, SHA-256.
   * NSS picks the best valid certificate of that nickname, so the caller checks whose signature it is.
   * Only NSS's tools can (cmsutil); Thunderbird driven over Marionette has no such call.
   */
  signDetached?(nickname: string, content: Buffer): Promise<DetachedSignature>
  close(): Promise<void>
}

export interface DetachedSignature {
  /** The CMS SignedData, as NSS wrote it (DER). */
  der: Buffer
  /**
   * Whether it names the signer's certificate as the one to encrypt to (SMIMEEncryptionKeyPreference
   * and Microsoft's attribute): NSS adds them only for a certificate it trusts for encryption in
   * this database, and without them mail clients take the signer's certificate all the same.
   */
  encryptionKeyPreference: boolean
}

export interface OpenOptions {
  /** The database's primary password, when it has one. */
  dbPassword?: string
}

export interface NssDriver {
  readonly name: NssDriverName
  /** Whether the database is protected by a primary password (asked before opening a session). */
  hasPrimaryPassword(profileDir: string): Promise<boolean>
  checkPrimaryPassword(profileDir: string, password: string): Promise<boolean>
  open(profileDir: string, options: OpenOptions): Promise<NssSession>
  /** Release anything kept for later sessions (a Thunderbird started to answer a question). */
  dispose(): Promise<void>
}
