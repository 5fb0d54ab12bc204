/**
 * The NSS driver that needs no NSS tools: the user's own Thunderbird, started headless on the
 * profile and driven over Marionette (research/prototype.md §3.4–3.5). Its own NSS imports the
 * re-encoded PKCS#12 file (nsIX509CertDB.importPKCS12File), sets trust, deletes, and verifies with
 * exactly the judgement Thunderbird uses when it sends mail (asyncVerifyCertAtTime). Passwords
 * reach Thunderbird only inside the Marionette session on loopback.
 */
import {createHash} from 'node:crypto'

import {ExitCode, ExternalError, UserError} from '../../errors.js'
import {DEFAULT_TIMEOUT_MS, type HeadlessThunderbird, startHeadlessThunderbird} from './headless.js'
import type {ThunderbirdProgram} from './program.js'
import {SecretFiles} from '../../system/secret-files.js'
import {withEmailTrust} from '../../stores/nss/certutil-output.js'
import type {EmailUsage, NssCertificate, NssDriver, NssSession, OpenOptions, Verdict} from '../../stores/nss/nss-driver.js'

const CERT_DB = 'const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);'
const TOKEN = 'const token = Cc["@mozilla.org/security/internalkeytoken;1"].getService(Ci.nsIPKCS11Token);'
const TO_BASE64 = 'const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));'
const FIND_BY_SHA = `const findBySha = (sha) => certdb.getCerts().find((c) => c.sha256Fingerprint.replaceAll(":", "").toLowerCase() === sha);`
/**
 * nsIX509CertDB.deleteCertificate deletes a personal certificate's private key with it, and no
 * interface keeps the key: NSS's own SEC_DeletePermCertificate (what `certutil -D` calls) does,
 * reached through js-ctypes in the NSS library Thunderbird has loaded (its own copy in its program
 * folder, or the system's where it uses that, as Debian's does).
 */
const DELETE_CERTIFICATE_ONLY = `const deleteCertificateOnly = (cert) => {
  const {ctypes} = ChromeUtils.importESModule("resource://gre/modules/ctypes.sys.mjs");
  const bundled = Services.dirsvc.get("GreBinD", Ci.nsIFile);
  bundled.append(ctypes.libraryName("nss3"));
  let nss;
  try { nss = ctypes.open(bundled.path); } catch (e) { nss = ctypes.open(ctypes.libraryName("nss3")); }
  try {
    const SECItem = new ctypes.StructType("SECItem", [{type: ctypes.int}, {data: ctypes.uint8_t.ptr}, {len: ctypes.unsigned_int}]);
    const defaultDb = nss.declare("CERT_GetDefaultCertDB", ctypes.default_abi, ctypes.voidptr_t);
    const findByDer = nss.declare("CERT_FindCertByDERCert", ctypes.default_abi, ctypes.voidptr_t, ctypes.voidptr_t, SECItem.ptr);
    const deletePerm = nss.declare("SEC_DeletePermCertificate", ctypes.default_abi, ctypes.int, ctypes.voidptr_t);
    const destroy = nss.declare("CERT_DestroyCertificate", ctypes.default_abi, ctypes.void_t, ctypes.voidptr_t);
    const der = cert.getRawDER();
    const bytes = ctypes.uint8_t.array(der.length)(der);
    const found = findByDer(defaultDb(), new SECItem(0, bytes, der.length).address());
    if (found.isNull()) return;
    try { deletePerm(found); } finally { destroy(found); }
  } finally {
    nss.close();
  }
};`

/** What each script asks Thunderbird to do, for the error when it does not. */
const TASKS = {
  list: 'list the certificates in the profile',
  login: 'check the primary password of the profile',
  hasPassword: 'say whether the profile has a primary password',
  importPkcs12: 'import the certificate',
  setTrust: 'set the trust of a certificate',
  delete: 'delete a certificate',
  verify: 'verify a certificate',
}

const SCRIPTS: Record<keyof typeof TASKS, string> = {
  list: `${CERT_DB}${TO_BASE64}
    const trusted = (c, kind) => certdb.isCertTrusted(c, Ci.nsIX509Cert.CA_CERT, kind);
    return certdb.getCerts()
      .filter((c) => c.tokenName !== "Builtin Object Token")
      .map((c) => {
        const user = c.certType === Ci.nsIX509Cert.USER_CERT;
        const trust = user ? "u,u,u" : [trusted(c, Ci.nsIX509CertDB.TRUSTED_SSL) ? "C" : "", trusted(c, Ci.nsIX509CertDB.TRUSTED_EMAIL) ? "C" : "", ""].join(",");
        return {nickname: c.displayName, trust, der: toBase64(c.getRawDER()), hasKey: user, isCa: c.certType === Ci.nsIX509Cert.CA_CERT, dbKey: c.dbKey};
      });`,
  login: `${TOKEN}
    if (!token.hasPassword) return "no-password";
    return token.checkPassword(arguments[0]) ? "ok" : "wrong";`,
  hasPassword: `${TOKEN} return token.hasPassword;`,
  importPkcs12: `${CERT_DB}
    const file = Cc["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
    file.initWithPath(arguments[0]);
    return certdb.importPKCS12File(file, arguments[1]);`,
  setTrust: `${CERT_DB}${FIND_BY_SHA}
    const cert = findBySha(arguments[0]);
    if (!cert) return false;
    certdb.setCertTrustFromString(cert, arguments[1]);
    return true;`,
  delete: `${CERT_DB}${FIND_BY_SHA}${DELETE_CERTIFICATE_ONLY}
    const [sha, withKey] = arguments;
    const cert = findBySha(sha);
    if (cert) {
      if (withKey || cert.certType !== Ci.nsIX509Cert.USER_CERT) certdb.deleteCertificate(cert);
      else deleteCertificateOnly(cert);
    }
    // Asked again: a certificate that deleteCertificate only distrusts (a built-in root) is still there.
    return !findBySha(sha);`,
  verify: `${CERT_DB}
    const toBytes = (b64) => Array.from(atob(b64), (ch) => ch.charCodeAt(0));
    const cert = certdb.constructX509(toBytes(arguments[0]));
    const usage = arguments[1] === "signing" ? Ci.nsIX509CertDB.verifyUsageEmailSigner : Ci.nsIX509CertDB.verifyUsageEmailRecipient;
    const extra = arguments[2].map(toBytes);
    const now = Math.floor(Date.now() / 1000);
    const code = await new Promise((resolve) =>
      certdb.asyncVerifyCertAtTime(cert, usage, 0, "", now, extra, {verifyCertFinished: (result) => resolve(result)}));
    if (code === 0) return {code};
    let message = "";
    try {
      const errors = Cc["@mozilla.org/nss_errors_service;1"].getService(Ci.nsINSSErrorsService);
      message = errors.getErrorMessage(errors.getXPCOMFromNSSError(code));
    } catch (e) {}
    return {code, message};`,
}

/** NSS and mozilla::pkix error numbers (PRErrorCode) that mean something a person can act on. */
const VERIFY_ERRORS: Record<number, {code: string; reason: string}> = {
  [-8172]: {code: 'untrusted-issuer', reason: "the certificate's issuer is not trusted for e-mail"},
  [-8179]: {code: 'unknown-issuer', reason: "the certificate's issuer is unknown (an intermediate or root certificate is missing)"},
  [-8181]: {code: 'expired', reason: 'a certificate in the chain has expired'},
  [-8162]: {code: 'expired', reason: "the issuer's certificate has expired"},
  [-8102]: {code: 'inadequate-usage', reason: 'the certificate is not allowed for this use (key usage)'},
  [-8101]: {code: 'inadequate-usage', reason: 'the certificate is not allowed for this use (extended key usage)'},
  [-8180]: {code: 'revoked', reason: 'the certificate has been revoked'},
}

/** importPKCS12File's results (nsIX509CertDB constants). */
const IMPORT_RESULTS: Record<number, string> = {
  1: 'unknown error',
  5: 'a certificate with this name already exists',
  6: 'the password was not accepted',
  7: 'the file could not be decoded',
  8: 'duplicate data',
}

interface ListedCertificate {
  nickname: string
  trust: string
  der: string
  hasKey: boolean
  isCa: boolean
  dbKey: string
}

class ThunderbirdSession implements NssSession {
  readonly driver = 'thunderbird' as const
  readonly tool = 'Thunderbird'
  // Its delete script finds the certificate by its SHA-256, whatever its nickname.
  readonly deletesExactly = true

  constructor(
    private readonly thunderbird: HeadlessThunderbird,
    private readonly files: SecretFiles,
  ) {}

  private run<T>(script: keyof typeof SCRIPTS, args: unknown[] = []): Promise<T> {
    return this.thunderbird.execute<T>(TASKS[script], SCRIPTS[script], args)
  }

  async listCertificates(): Promise<NssCertificate[]> {
    const listed = await this.run<ListedCertificate[]>('list')
    return listed.map((c) => {
      const der = Buffer.from(c.der, 'base64')
      return {nickname: c.nickname, trust: c.trust, der, sha256: createHash('sha256').update(der).digest('hex'), hasKey: c.hasKey, isCa: c.isCa, dbKey: c.dbKey}
    })
  }

  async importPkcs12(pkcs12: Buffer, password: string): Promise<void> {
    const file = await this.files.write(pkcs12, 'identity.p12')
    const result = await this.run<number>('importPkcs12', [file, password])
    // A duplicate is the same identity imported before: what a re-run should find.
    if (result === 0 || result === 8) return
    throw new ExternalError('Thunderbird', `Thunderbird could not import the certificate: ${IMPORT_RESULTS[result] ?? `error ${result}`}.`, {code: 'thunderbird-import-failed'})
  }

  async trustForEmail(certificate: NssCertificate): Promise<void> {
    await this.setTrust(certificate, withEmailTrust(certificate.trust))
  }

  async setTrust(certificate: NssCertificate, trust: string): Promise<void> {
    if (!(await this.run<boolean>('setTrust', [certificate.sha256, trust]))) {
      throw new ExternalError('Thunderbird', `"${certificate.nickname}" is not in the database any more.`)
    }
  }

  /**
   * withKey: the certificate and its private key, as Thunderbird's certificate manager deletes a
   * personal certificate; otherwise the certificate only, its key kept (as NSS's tools do, see
   * tools-driver.ts). A certificate that is not there is already deleted; one that is still there
   * afterwards is Thunderbird's failure.
   */
  async deleteCertificate(certificate: NssCertificate, options: {withKey: boolean}): Promise<void> {
    const gone = await this.run<boolean>('delete', [certificate.sha256, options.withKey])
    if (gone) return
    throw new ExternalError('Thunderbird', `Thunderbird did not delete "${certificate.nickname}": it is still in the profile's certificate database.`, {code: 'thunderbird-not-deleted'})
  }

  async verify(certificate: Buffer, usage: EmailUsage, extra: Buffer[] = []): Promise<Verdict> {
    const result = await this.run<{code: number; message?: string}>('verify', [certificate.toString('base64'), usage, extra.map((der) => der.toString('base64'))])
    if (result.code === 0) return {valid: true}
    const known = VERIFY_ERRORS[result.code]
    return {valid: false, code: known?.code ?? `nss-error-${result.code}`, reason: known?.reason ?? (result.message || `NSS error ${result.code}`)}
  }

  async close(): Promise<void> {
    try {
      await this.thunderbird.stop()
    } finally {
      await this.files.dispose()
    }
  }
}

export class ThunderbirdDriver implements NssDriver {
  readonly name = 'thunderbird' as const

  /** `programFor` names the Thunderbird that belongs to a profile (Snap, Flatpak and packages differ). */
  constructor(
    private readonly programFor: (profileDir: string) => Promise<ThunderbirdProgram>,
    private readonly env: NodeJS.ProcessEnv = process.env,
    /** How long Thunderbird may take to start, and then to answer each request. */
    private readonly timeoutMs = DEFAULT_TIMEOUT_MS,
    /** How to do the work without Thunderbird, for the hints of a failure. */
    private readonly insteadHint: string | null = null,
  ) {}

  /** Thunderbird started to answer a question before planning, kept running for the session that follows. */
  private readonly warm = new Map<string, HeadlessThunderbird>()

  private async thunderbirdFor(profileDir: string): Promise<HeadlessThunderbird> {
    const running = this.warm.get(profileDir)
    if (running) return running
    const thunderbird = await startHeadlessThunderbird(await this.programFor(profileDir), profileDir, {env: this.env, timeoutMs: this.timeoutMs, insteadHint: this.insteadHint})
    this.warm.set(profileDir, thunderbird)
    return thunderbird
  }

  async hasPrimaryPassword(profileDir: string): Promise<boolean> {
    return (await this.thunderbirdFor(profileDir)).execute<boolean>(TASKS.hasPassword, SCRIPTS.hasPassword)
  }

  async checkPrimaryPassword(profileDir: string, password: string): Promise<boolean> {
    return (await (await this.thunderbirdFor(profileDir)).execute<string>(TASKS.login, SCRIPTS.login, [password])) !== 'wrong'
  }

  async dispose(): Promise<void> {
    for (const [dir, thunderbird] of this.warm) {
      this.warm.delete(dir)
      await thunderbird.stop()
    }
  }

  async open(profileDir: string, options: OpenOptions): Promise<NssSession> {
    const thunderbird = await this.thunderbirdFor(profileDir)
    // The session owns it from here: its close() quits Thunderbird.
    this.warm.delete(profileDir)
    const session = new ThunderbirdSession(thunderbird, await SecretFiles.create())
    try {
      // Log in first: an import into a locked database would make Thunderbird wait for a dialog.
      const login = await thunderbird.execute<string>(TASKS.login, SCRIPTS.login, [options.dbPassword ?? ''])
      if (login === 'wrong') {
        throw new UserError('The primary password of the Thunderbird profile was not accepted.', {code: 'wrong-db-password', exitCode: ExitCode.wrongPassword})
      }
      return session
    } catch (error) {
      await session.close()
      throw error
    }
  }
}
