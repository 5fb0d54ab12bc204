/**
 * Apple Mail's part of `mailcert check`: for each account address, the identities the keychain
 * holds for it (certificate with its private key, valid or with macOS's reason), which one is
 * preferred (what Mail signs with), its expiry, and the next step for each problem.
 */
import {parseCertificate} from '../../identity/certificate.js'
import type {Certificate} from '../../identity/certificate-types.js'
import {KEYCHAIN_SHA1} from '../../stores/keychain/keychain-store.js'
import {verdictOfTrustError} from '../../stores/keychain/trust-verdict.js'
import {findCertificates, findIdentities, type FoundIdentity} from '../../stores/keychain/security-tool.js'
import type {CertificateState, CheckContext, ClientCheckResult, IdentityCheck, MailAccount, PlaceCheck, Problem} from '../client.js'
import {certificateSummary} from '../certificate-summary.js'
import type {SupportRow} from '../support-table.js'
import {accountsDatabase} from './accounts.js'
import type {AppleMailSurvey} from './client.js'
import {APPLE_MAIL, preferredSha1} from './preference-steps.js'
import {expiryProblem} from '../expiry-problem.js'

function stateOf(identity: FoundIdentity, certificate: Certificate | undefined, email: string, now: Date): CertificateState {
  return {
    reference: identity.sha1,
    name: identity.label,
    certificate: certificate ? certificateSummary(certificate, identity.label, now) : null,
    // find-identity lists only certificates whose private key is in the keychain.
    hasKey: true,
    verdict: verdictOfTrustError(identity.trustError, email),
  }
}

async function checkAccount(survey: AppleMailSurvey, account: MailAccount, context: CheckContext): Promise<IdentityCheck> {
  const machine = context.machine
  const email = account.email!
  const at = {profile: survey.keychain, account: email}
  const fix = context.installCommand(email)
  const [identities, preferred, stored] = await Promise.all([
    findIdentities(machine, survey.keychain, {email, validOnly: false}),
    preferredSha1(machine, email),
    findCertificates(machine, survey.keychain, {email}),
  ])
  const certificates = new Map<string, Certificate>()
  for (const found of stored) certificates.set(found.sha1, parseCertificate(found.der))
  const chosen = identities.find((i) => i.sha1 === preferred) ?? identities.find((i) => i.valid) ?? identities[0]
  const problems: Problem[] = []
  let state: CertificateState | null = null
  const expectedHere = context.expected(survey.keychain).some((expected) => expected.emails.some((e) => e.toLowerCase() === email.toLowerCase()))
  if (!chosen) {
    // An account nobody meant to set up is not a problem; one mailcert set up (or was asked about) is.
    if (expectedHere) problems.push({severity: 'error', code: 'no-identity', message: `The keychain holds no certificate with its private key for ${email}: Apple Mail cannot sign from this address.`, fix, ...at})
    else problems.push({severity: 'info', code: 'smime-not-configured', message: `${email} has no S/MIME certificate in the keychain.`, fix, ...at})
  } else {
    const certificate = certificates.get(chosen.sha1)
    state = stateOf(chosen, certificate, email, context.now)
    const expiry = certificate ? expiryProblem(state.certificate!, `The certificate Apple Mail uses for ${email}`, fix, at) : null
    if (expiry?.code === 'expired') problems.push(expiry)
    else if (!chosen.valid) problems.push({severity: 'error', code: 'not-valid', message: `macOS does not accept the certificate for ${email}: ${state.verdict?.reason ?? chosen.trustError}.`, fix: `If it comes from your company's own authority, trust that root: ${fix} --trust-root`, ...at})
    else if (expiry) problems.push(expiry)
    if (certificate && certificate.keyUsage === null) problems.push({severity: 'error', code: 'no-key-usage', message: `The certificate for ${email} has no key usage extension: Apple Mail ignores it.`, fix: 'Ask your certificate authority for an S/MIME certificate with key usage, then install that one.', ...at})
    if (preferred === null && identities.filter((i) => i.valid).length > 1) {
      problems.push({severity: 'warning', code: 'several-identities', message: `The keychain holds ${identities.length} certificates for ${email} and none is preferred: Apple Mail may pick any of them.`, fix, ...at})
    }
    for (const expected of context.expected(survey.keychain)) {
      const sha1 = expected.references[KEYCHAIN_SHA1] ?? expected.certificate?.fingerprints.sha1.toUpperCase()
      if (sha1 && expected.emails.some((e) => e.toLowerCase() === email.toLowerCase()) && sha1 !== chosen.sha1) {
        problems.push({severity: 'warning', code: 'other-certificate', message: `Apple Mail uses another certificate for ${email} than ${expected.label ?? 'the one mailcert installed'} (${expected.subject}).`, fix, ...at})
      }
    }
  }
  return {key: account.key, email, name: account.name, accounts: [], configured: preferred !== null, signing: state, encryption: state, signByDefault: false, encryptByDefault: false, problems}
}

export async function checkAppleMail(survey: AppleMailSurvey, context: CheckContext, support: SupportRow): Promise<ClientCheckResult> {
  const place = survey.places[0]
  if (!place) return {check: {client: APPLE_MAIL, name: 'Apple Mail', program: survey.program, support, storeAccess: null, empty: 'no mail account set up yet', profiles: []}, problems: []}
  const identities: IdentityCheck[] = []
  const problems: Problem[] = []
  if (place.unreadable) problems.push({severity: 'error', code: 'profile-unreadable', message: `${place.unreadable.problem}.`, fix: place.unreadable.hints.join(' '), profile: place.location})
  for (const account of place.accounts ?? []) {
    if (account.email === null) continue
    identities.push(await checkAccount(survey, account, context))
  }
  const check: PlaceCheck = {
    name: 'Apple Mail',
    dir: accountsDatabase(context.machine),
    title: 'Accounts',
    facts: [survey.mailVersion ? `Mail ${survey.mailVersion}` : null, survey.macosVersion ? `macOS ${survey.macosVersion}` : null, `keys in ${survey.keychain}`].filter((fact): fact is string => fact !== null),
    busy: false,
    checkedWith: 'security',
    ...(place.accounts?.length === 0 ? {note: {text: 'no mail account set up yet', severity: 'info' as const}} : {}),
    identities,
    problems: [...problems, ...identities.flatMap((identity) => identity.problems)],
  }
  return {check: {client: APPLE_MAIL, name: 'Apple Mail', program: survey.program, support, storeAccess: 'security', profiles: [check]}, problems: []}
}
