/**
 * The state of one Thunderbird profile for `mailcert check`: every identity, the certificate its
 * settings point at (found by dbKey, as Thunderbird finds it), and whether that certificate is in
 * the database with its key, valid, trusted, for the identity's address, and not about to expire.
 * One problem per line, each with the command that fixes it.
 */
import {parseCertificate} from '../../identity/certificate.js'
import type {Certificate} from '../../identity/certificate-types.js'
import {daysLeft} from '../../identity/findings.js'
import {sameDbKey, nssDbKey} from '../../stores/nss/dbkey.js'
import type {EmailUsage, NssCertificate, NssSession, Verdict} from '../../stores/nss/nss-driver.js'
import type {MailIdentity} from './accounts.js'
import type {ThunderbirdProfile} from './discovery.js'

export interface Problem {
  severity: 'error' | 'warning' | 'info'
  code: string
  message: string
  fix: string
  /** Where: the profile folder, and the address when it is about one identity. */
  profile?: string
  account?: string
}

export interface CertificateState {
  dbKey: string
  name: string
  /** Null when no certificate in the database has that dbKey. */
  certificate: {subject: string; emails: string[]; notBefore: string; notAfter: string; daysLeft: number; fingerprintSha256: string; nickname: string} | null
  hasKey: boolean
  verdict: Verdict | null
}

export interface IdentityCheck {
  key: string
  email: string | null
  name: string | null
  accounts: string[]
  configured: boolean
  signing: CertificateState | null
  encryption: CertificateState | null
  signByDefault: boolean
  encryptByDefault: boolean
  problems: Problem[]
}

export interface ProfileCheck {
  name: string
  dir: string
  packaging: string
  isDefault: boolean
  version: string | null
  busy: boolean
  database: ThunderbirdProfile['database']
  /** How the database was read: `tools`, `thunderbird`, or null when it could not be. */
  checkedWith: string | null
  identities: IdentityCheck[]
  problems: Problem[]
}

export const EXPIRY_WARNING_DAYS = 30

function installFix(email: string | null): string {
  return `mailcert install YOUR-CERTIFICATE.p12 --client thunderbird${email ? ` --account ${email}` : ''}`
}

interface StoredEntry {
  entry: NssCertificate
  certificate: Certificate
  dbKey: string
}

function indexStore(entries: NssCertificate[]): StoredEntry[] {
  const indexed: StoredEntry[] = []
  for (const entry of entries) {
    try {
      const certificate = parseCertificate(entry.der)
      indexed.push({entry, certificate, dbKey: nssDbKey(certificate)})
    } catch {
      // A certificate NSS holds but mailcert cannot parse is not one an identity can point at.
    }
  }
  return indexed
}

async function certificateState(
  dbKey: string,
  name: string,
  usage: EmailUsage,
  stored: StoredEntry[],
  session: NssSession,
  now: Date,
): Promise<CertificateState> {
  const found = stored.find((s) => sameDbKey(s.dbKey, dbKey))
  if (!found) return {dbKey, name, certificate: null, hasKey: false, verdict: null}
  return {
    dbKey,
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
    verdict: await session.verify(found.entry.der, usage),
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
  } else if (state.certificate.daysLeft < 0) {
    problems.push({severity: 'error', code: 'expired', message: `The ${what} certificate expired on ${state.certificate.notAfter.slice(0, 10)}.`, fix: `Renew it with your certificate authority, then: ${fix}`, ...at})
  } else if (state.certificate.daysLeft < EXPIRY_WARNING_DAYS) {
    problems.push({
      severity: 'warning',
      code: 'expires-soon',
      message: `The ${what} certificate expires in ${state.certificate.daysLeft} days (${state.certificate.notAfter.slice(0, 10)}).`,
      fix: `Renew it with your certificate authority, then: ${fix}`,
      ...at,
    })
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

export async function checkIdentities(profile: ThunderbirdProfile, session: NssSession, now: Date): Promise<IdentityCheck[]> {
  const stored = indexStore(await session.listCertificates())
  const checks: IdentityCheck[] = []
  for (const identity of profile.accounts?.identities ?? []) {
    const smime = identity.smime
    const configured = smime.signingCertDbKey !== '' || smime.encryptionCertDbKey !== ''
    const signing = smime.signingCertDbKey ? await certificateState(smime.signingCertDbKey, smime.signingCertName, 'signing', stored, session, now) : null
    const encryption = smime.encryptionCertDbKey
      ? await certificateState(smime.encryptionCertDbKey, smime.encryptionCertName, 'encryption', stored, session, now)
      : null
    const problems = [
      ...(signing ? stateProblems(signing, 'signing', identity, profile.dir, now) : []),
      ...(encryption && !(signing && sameDbKey(signing.dbKey, encryption.dbKey)) ? stateProblems(encryption, 'encryption', identity, profile.dir, now) : []),
    ]
    if (encryption && signing && sameDbKey(signing.dbKey, encryption.dbKey) && encryption.name === '') {
      problems.push({severity: 'warning', code: 'encryption-name-empty', message: 'The encryption certificate has no name in the settings, so the compose window keeps S/MIME switched off.', fix: installFix(identity.email), profile: profile.dir, account: identity.email ?? undefined})
    }
    if (!configured) {
      problems.push({
        severity: 'info',
        code: 'smime-not-configured',
        message: `${identity.email ?? identity.key} has no S/MIME certificate.`,
        fix: installFix(identity.email),
        profile: profile.dir,
        account: identity.email ?? undefined,
      })
    }
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
