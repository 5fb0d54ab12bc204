/**
 * The state of one Thunderbird profile for `mailcert check`: every identity, the certificate its
 * settings point at (found by dbKey, as Thunderbird finds it), and whether that certificate is in
 * the database with its key, valid, trusted, for the identity's address, and not about to expire.
 * One problem per line, each with the command that fixes it.
 */
import {parseCertificate} from '../../identity/certificate.js'
import type {Certificate} from '../../identity/certificate-types.js'
import {daysLeft} from '../../identity/findings.js'
import {expiryProblem} from '../expiry-problem.js'
import {canSign} from '../../identity/key-usage.js'
import {EXTENDED_KEY_USAGE} from '../../identity/oids.js'
import {sameDbKey, nssDbKey} from '../../stores/nss/dbkey.js'
import {NSS_DBKEY} from '../../stores/nss/nss-store.js'
import type {CertificateState, ExpectedCertificate, IdentityCheck, PlaceCheck, Problem} from '../client.js'
import type {EmailUsage, NssCertificate, NssSession} from '../../stores/nss/nss-driver.js'
import type {MailIdentity} from './accounts.js'
import type {ThunderbirdProfile} from './discovery.js'
import {sameAddress} from '../../identity/same-address.js'

export interface ProfileCheck extends PlaceCheck {
  packaging: string
  isDefault: boolean
  version: string | null
  database: ThunderbirdProfile['database']
}

function installFix(email: string | null, file = 'YOUR-CERTIFICATE.p12'): string {
  return `mailcert install ${/\s/.test(file) ? JSON.stringify(file) : file} --client thunderbird${email ? ` --account ${email}` : ''}`
}

interface StoredEntry {
  entry: NssCertificate
  certificate: Certificate
  dbKey: string
}

/** The serial's content octets and the issuer's DER that a dbKey names; null when it is not one. */
function dbKeyParts(dbKey: string): {serial: Buffer; issuer: Buffer} | null {
  const bytes = Buffer.from(dbKey.replace(/\s+/g, ''), 'base64')
  if (bytes.length < 16) return null
  const serialLength = bytes.readUInt32BE(8)
  const issuerLength = bytes.readUInt32BE(12)
  if (16 + serialLength + issuerLength !== bytes.length || serialLength === 0 || issuerLength === 0) return null
  return {serial: bytes.subarray(16, 16 + serialLength), issuer: bytes.subarray(16 + serialLength)}
}

/** Whether a certificate's bytes can hold this address (as an IA5String, in any case); addresses beyond ASCII are not ruled out. */
function mayMention(der: Buffer, email: string): boolean {
  return !/^[\x20-\x7e]+$/.test(email) || der.toString('latin1').toLowerCase().includes(email.toLowerCase())
}

/**
 * The database's certificates, each parsed only when its bytes can be the one asked for (the dbKey's
 * issuer and serial in them, or the address): a database with 500 identities costs a parse per
 * certificate an identity names, not 500.
 */
class StoredCertificates {
  private readonly parsed = new Map<NssCertificate, StoredEntry | null>()

  constructor(private readonly entries: readonly NssCertificate[]) {}

  private parse(entry: NssCertificate): StoredEntry | null {
    if (!this.parsed.has(entry)) {
      try {
        const certificate = parseCertificate(entry.der)
        this.parsed.set(entry, {entry, certificate, dbKey: nssDbKey(certificate)})
      } catch {
        // A certificate NSS holds but mailcert cannot parse is not one an identity can point at.
        this.parsed.set(entry, null)
      }
    }
    return this.parsed.get(entry)!
  }

  byDbKey(dbKey: string): StoredEntry | undefined {
    const parts = dbKeyParts(dbKey)
    for (const entry of this.entries) {
      if (parts && !(entry.der.includes(parts.issuer) && entry.der.includes(parts.serial))) continue
      const stored = this.parse(entry)
      if (stored && sameDbKey(stored.dbKey, dbKey)) return stored
    }
    return undefined
  }

  /** The first certificate with its key, not a CA's, that can be for `email` and passes `test`. */
  findWithKey(email: string, test: (stored: StoredEntry) => boolean): StoredEntry | undefined {
    for (const entry of this.entries) {
      if (!entry.hasKey || entry.isCa || !mayMention(entry.der, email)) continue
      const stored = this.parse(entry)
      if (stored && test(stored)) return stored
    }
    return undefined
  }
}

async function certificateState(
  dbKey: string,
  name: string,
  usage: EmailUsage,
  stored: StoredCertificates,
  session: NssSession,
  now: Date,
  verify: boolean,
): Promise<CertificateState> {
  const found = stored.byDbKey(dbKey)
  if (!found) return {reference: dbKey, name, certificate: null, hasKey: false, verdict: null}
  return {
    reference: dbKey,
    name,
    certificate: {
      subject: found.certificate.subject.text,
      emails: found.certificate.emails,
      notBefore: found.certificate.notBefore.toISOString(),
      notAfter: found.certificate.notAfter.toISOString(),
      daysLeft: daysLeft(found.certificate, now),
      fingerprintSha256: found.certificate.fingerprints.sha256,
      nickname: found.entry.nickname,
    },
    hasKey: found.entry.hasKey,
    verdict: verify ? await session.verify(found.entry.der, usage) : null,
  }
}

function stateProblems(state: CertificateState, usage: EmailUsage, identity: MailIdentity, where: string, now: Date): Problem[] {
  const at = {profile: where, account: identity.email ?? undefined}
  const fix = installFix(identity.email)
  const what = usage === 'signing' ? 'signing' : 'encryption'
  if (!state.certificate) {
    return [{severity: 'error', code: `${what}-certificate-missing`, message: `The ${what} certificate this identity points at is not in the profile's database.`, fix, ...at}]
  }
  const problems: Problem[] = []
  if (!state.hasKey) problems.push({severity: 'error', code: 'private-key-missing', message: `The ${what} certificate's private key is not in the profile's database.`, fix, ...at})
  if (state.name === '') {
    problems.push({severity: 'warning', code: `${what}-name-empty`, message: `The ${what} certificate has no name in the settings, so the compose window keeps S/MIME switched off.`, fix, ...at})
  }
  if (identity.email && !state.certificate.emails.some((e) => e.toLowerCase() === identity.email!.toLowerCase())) {
    problems.push({
      severity: 'error',
      code: 'address-mismatch',
      message: `The ${what} certificate is for ${state.certificate.emails.join(', ') || 'no address'}, not ${identity.email}.`,
      fix,
      ...at,
    })
  }
  const notYetValid = now < new Date(state.certificate.notBefore)
  if (notYetValid) {
    problems.push({
      severity: 'error',
      code: 'not-yet-valid',
      message: `The ${what} certificate is not valid until ${state.certificate.notBefore.slice(0, 10)}.`,
      fix: "Check the computer's date and time; if they are right, wait until then.",
      ...at,
    })
  } else {
    const expiry = expiryProblem(state.certificate, `The ${what} certificate`, fix, at)
    if (expiry) problems.push(expiry)
  }
  if (state.verdict?.code === 'cannot-check') {
    problems.push({severity: 'warning', code: 'chain-not-checked', message: `The ${what} certificate's chain was not checked: ${state.verdict.reason}.`, fix: 'mailcert check --deep (asks Thunderbird itself), or install NSS\'s vfychain', ...at})
  } else if (state.verdict && !state.verdict.valid && state.certificate.daysLeft >= 0 && !notYetValid) {
    const untrusted = state.verdict.code === 'untrusted-issuer' || state.verdict.code === 'unknown-issuer'
    problems.push({
      severity: 'error',
      code: untrusted ? 'not-trusted' : 'not-valid',
      message: `The ${what} certificate is not accepted: ${state.verdict.reason ?? 'no reason given'}.`,
      fix: untrusted ? `${fix} --trust-root (if its root is your organisation's), or install the missing intermediate certificate` : fix,
      ...at,
    })
  }
  return problems
}

function isFor(certificate: {emails: readonly string[]}, email: string): boolean {
  return certificate.emails.some((e) => sameAddress(e, email))
}

/** A certificate in the database that this identity could sign with today: its key is there, it is for the address, in date, for e-mail. */
function usableStored(stored: StoredCertificates, email: string, now: Date): StoredEntry | undefined {
  return stored.findWithKey(email, ({certificate}) => {
    const eku = certificate.extendedKeyUsage
    return (
      isFor(certificate, email) &&
      certificate.notBefore <= now &&
      now <= certificate.notAfter &&
      canSign(certificate) &&
      (eku === null || eku.includes(EXTENDED_KEY_USAGE.emailProtection) || eku.includes(EXTENDED_KEY_USAGE.anyExtendedKeyUsage))
    )
  })
}

function describeShort(certificate: {subject: string; notAfter?: Date}): string {
  return `${certificate.subject}${certificate.notAfter ? `, until ${certificate.notAfter.toISOString().slice(0, 10)}` : ''}`
}

/**
 * An identity with no certificate set although one for its address is known. Without any such
 * certificate the person simply has none yet: that is information, not a problem.
 */
function notSetProblem(identity: MailIdentity, where: string, expected: readonly ExpectedCertificate[], stored: StoredCertificates, now: Date): Problem {
  const email = identity.email
  // An identity that only decrypts cannot sign either: the same finding, in the words that fit.
  const what = identity.smime.encryptionCertDbKey ? 'signing' : 'S/MIME'
  const at = {profile: where, account: email ?? undefined}
  const given = email ? expected.find((e) => e.source === 'given' && isFor(e, email)) : undefined
  if (email && given) {
    return {
      severity: 'error',
      code: 'certificate-not-set',
      message: `${email} has no ${what} certificate set, though ${given.label ?? 'the certificate given'} (${describeShort(given)}) is for this address.`,
      fix: installFix(email, given.file),
      ...at,
    }
  }
  const installed = email ? expected.find((e) => e.source === 'journal' && isFor(e, email)) : undefined
  if (email && installed) {
    return {
      severity: 'error',
      code: 'certificate-not-set',
      message: `${email} has no ${what} certificate set, though mailcert set it up with ${describeShort(installed)}${installed.installedAt ? ` on ${installed.installedAt.slice(0, 10)}` : ''}.`,
      fix: installFix(email),
      ...at,
    }
  }
  const held = email ? usableStored(stored, email, now) : undefined
  if (email && held) {
    return {
      severity: 'error',
      code: 'certificate-not-set',
      message: `${email} has no ${what} certificate set, though the profile's database holds one for this address with its private key (${describeShort({subject: held.certificate.subject.text, notAfter: held.certificate.notAfter})}).`,
      fix: `${installFix(email)}\nor in Thunderbird: Account Settings > End-To-End Encryption > S/MIME > Select, and choose "${held.entry.nickname}"`,
      ...at,
    }
  }
  return {severity: 'info', code: 'smime-not-configured', message: `${email ?? identity.key} has no S/MIME certificate.`, fix: installFix(email), ...at}
}

/** With a certificate named by the user: an identity for its address that signs with another one. */
function otherCertificateProblem(identity: MailIdentity, signing: CertificateState | null, where: string, expected: readonly ExpectedCertificate[]): Problem | null {
  const email = identity.email
  const given = email ? expected.find((e) => e.source === 'given' && isFor(e, email)) : undefined
  if (!email || !given || !signing || sameDbKey(signing.reference, given.references[NSS_DBKEY] ?? (given.certificate ? nssDbKey(given.certificate) : ''))) return null
  const current = signing.certificate ? ` (${signing.certificate.subject}, until ${signing.certificate.notAfter.slice(0, 10)})` : ''
  return {
    severity: 'warning',
    code: 'other-certificate',
    message: `${email} signs with another certificate${current} than ${given.label ?? 'the certificate given'}.`,
    fix: installFix(email, given.file),
    profile: where,
    account: email,
  }
}

/** The state of a setting whose database could not be read: what the settings say, nothing more. */
function unchecked(dbKey: string, name: string): CertificateState {
  return {reference: dbKey, name, certificate: null, hasKey: false, verdict: null}
}

/**
 * Every identity of the profile. With `session` null the database could not be read: the
 * identities and their settings are still listed, and only what needs the database is left out.
 */
export async function checkIdentities(
  profile: ThunderbirdProfile,
  session: NssSession | null,
  now: Date,
  expected: readonly ExpectedCertificate[] = [],
  verify = true,
): Promise<IdentityCheck[]> {
  const stored = new StoredCertificates(session ? await session.listCertificates() : [])
  const state = async (dbKey: string, name: string, usage: EmailUsage): Promise<CertificateState> =>
    session ? certificateState(dbKey, name, usage, stored, session, now, verify) : unchecked(dbKey, name)
  const checks: IdentityCheck[] = []
  for (const identity of profile.accounts?.identities ?? []) {
    const smime = identity.smime
    const configured = smime.signingCertDbKey !== '' || smime.encryptionCertDbKey !== ''
    const signing = smime.signingCertDbKey ? await state(smime.signingCertDbKey, smime.signingCertName, 'signing') : null
    const encryption = smime.encryptionCertDbKey ? await state(smime.encryptionCertDbKey, smime.encryptionCertName, 'encryption') : null
    const problems: Problem[] = []
    if (session) {
      problems.push(
        ...(signing ? stateProblems(signing, 'signing', identity, profile.dir, now) : []),
        ...(encryption && !(signing && sameDbKey(signing.reference, encryption.reference)) ? stateProblems(encryption, 'encryption', identity, profile.dir, now) : []),
      )
      if (encryption && signing && sameDbKey(signing.reference, encryption.reference) && encryption.name === '') {
        problems.push({severity: 'warning', code: 'encryption-name-empty', message: 'The encryption certificate has no name in the settings, so the compose window keeps S/MIME switched off.', fix: installFix(identity.email), profile: profile.dir, account: identity.email ?? undefined})
      }
    }
    if (!smime.signingCertDbKey) {
      const notSet = notSetProblem(identity, profile.dir, expected, stored, now)
      if (!configured || notSet.severity !== 'info') problems.push(notSet)
    }
    const other = otherCertificateProblem(identity, signing, profile.dir, expected)
    if (other) problems.push(other)
    checks.push({
      key: identity.key,
      email: identity.email,
      name: identity.fullName,
      accounts: identity.accountKeys,
      configured,
      signing,
      encryption,
      signByDefault: smime.signMail,
      encryptByDefault: smime.encryptionPolicy === 2,
      problems,
    })
  }
  return checks
}
