/**
 * Planning the work for one Thunderbird profile: which identities match, whether the database needs
 * its primary password, whether the chain's root must be trusted (and whether the user agreed), and
 * the steps in the order that keeps Thunderbird's view consistent: key first, then trust, a check,
 * and last the identity settings that point at the certificate.
 */
import {ExitCode, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {canEncrypt} from '../../identity/key-usage.js'
import type {PlanStep, PlanTarget, RecordedTarget} from '../../install/plan.js'
import {nssDbKey} from '../../stores/nss/dbkey.js'
import type {NssDriver, Verdict} from '../../stores/nss/nss-driver.js'
import type {ThunderbirdProfile} from './discovery.js'
import type {MailIdentity} from './accounts.js'
import {identitiesFor} from './identity-settings.js'
import {
  type AcceptedUsages,
  ConfigureIdentitiesStep,
  ImportIdentityStep,
  refusalHint,
  type SessionHolder,
  sessionHolder,
  TrustRootStep,
  VerifyInstalledStep,
} from './install-steps.js'

export interface ThunderbirdInstallOptions {
  /** Only these addresses (`--account`); empty for every address of the certificate. */
  accounts: string[]
  /** The guided installer's choice of identities; undefined for all that match. */
  include?(profile: ThunderbirdProfile, identityKey: string): boolean
  signByDefault?: boolean
  encryptByDefault?: boolean
  /** Whether to trust a private root for e-mail: asks the user, or answers from `--trust-root`. */
  trustRoot(root: Certificate, profile: ThunderbirdProfile): Promise<boolean>
  driver: NssDriver
  /** The database's primary password, when it has one (a prompt, a file, or the environment). */
  dbPassword(profile: ThunderbirdProfile): Promise<string>
  /** `--keep-refused`: import even a certificate Thunderbird refuses, without setting any identity to use it. */
  keepRefused?: boolean
}

export function profileLabel(profile: ThunderbirdProfile): string {
  return `Thunderbird profile "${profile.name}"${profile.root.packaging === 'standard' ? '' : ` (${profile.root.packaging})`}`
}

function skipped(profile: ThunderbirdProfile, code: string, reason: string, accounts: string[] = []): PlanTarget {
  return {client: 'thunderbird', label: profileLabel(profile), location: profile.dir, accounts, steps: [], warnings: [], skip: {code, reason}}
}

function failed(profile: ThunderbirdProfile, accounts: string[], failure: NonNullable<PlanTarget['failure']>): PlanTarget {
  return {client: 'thunderbird', label: profileLabel(profile), location: profile.dir, accounts, steps: [], warnings: [], failure}
}

/** The self-signed root at the top of the identity's chain, if the file carries it. */
function rootOf(identity: Identity): Certificate | null {
  const top = identity.chain.at(-1) ?? identity.certificate
  return top.selfSigned && top !== identity.certificate ? top : null
}

export async function planThunderbirdProfile(profile: ThunderbirdProfile, identity: Identity, options: ThunderbirdInstallOptions): Promise<PlanTarget> {
  if (profile.prefsState === 'missing') return skipped(profile, 'profile-unused', 'Thunderbird has never run with it')
  if (profile.accounts === null) {
    // Whether one of its accounts uses the certificate cannot be known: a failure, not "no matching account".
    const reason = `${profile.prefsProblem ?? `prefs.js in ${profile.dir} cannot be read`}; nothing was changed`
    return failed(profile, [], {code: 'profile-unreadable', reason, hints: profile.prefsHints, exitCode: ExitCode.notForSmime})
  }
  const emails = identity.certificate.emails
  const identities = identitiesFor(profile.accounts.identities, emails, options.accounts).filter((i) => options.include?.(profile, i.key) ?? true)
  if (identities.length === 0) {
    const found = profile.accounts.identities.map((i) => i.email).filter((e): e is string => e !== null)
    const reason = found.length === 0 ? 'it has no mail accounts yet' : `no identity uses ${emails.join(' or ')} (its addresses: ${[...new Set(found)].join(', ')})`
    return skipped(profile, 'no-matching-identity', reason)
  }
  const accounts = identities.map((i) => i.email!)
  if (profile.database === 'none') {
    // Asked for (its accounts match) and not done: a failure of this target, not a skip.
    return failed(profile, accounts, {
      code: 'no-nss-database',
      reason: 'it has no certificate database yet, so nothing was installed there',
      hints: ['Start Thunderbird once with this profile (it creates its certificate database), close it, and run mailcert again.'],
      exitCode: ExitCode.notForSmime,
    })
  }

  let dbPassword: string | undefined
  if (await options.driver.hasPrimaryPassword(profile.dir)) {
    dbPassword = await options.dbPassword(profile)
    if (!(await options.driver.checkPrimaryPassword(profile.dir, dbPassword))) {
      throw new UserError(`The primary password of ${profileLabel(profile)} is wrong.`, {
        code: 'wrong-db-password',
        exitCode: ExitCode.wrongPassword,
        hints: ['It is the password Thunderbird asks for before it shows saved passwords or certificates (Settings > Privacy & Security > Use a Primary Password).'],
      })
    }
  }

  const session = sessionHolder(() => options.driver.open(profile.dir, {dbPassword}))
  try {
    return await planSteps(profile, identity, identities, accounts, session, options)
  } catch (error) {
    // A question cancelled or a database that cannot be read: nothing may stay open.
    await session.release()
    throw error
  }
}

/** Would Thunderbird accept the certificate for either use, judged before anything is imported. */
async function verdictBeforeImport(session: SessionHolder, identity: Identity, encrypt: boolean): Promise<Verdict> {
  const chain = identity.chain.map((c) => c.der)
  const signing = await (await session.get()).verify(identity.certificate.der, 'signing', chain)
  // An encryption-only certificate is refused for signing by its key usage, and may still be usable.
  if (signing.valid || signing.code !== 'inadequate-usage' || !encrypt) return signing
  const encryption = await (await session.get()).verify(identity.certificate.der, 'encryption', chain)
  return encryption.valid ? encryption : signing
}

async function planSteps(
  profile: ThunderbirdProfile,
  identity: Identity,
  identities: MailIdentity[],
  accounts: string[],
  session: SessionHolder,
  options: ThunderbirdInstallOptions,
): Promise<PlanTarget> {
  const warnings: string[] = []
  const steps: PlanStep[] = [new ImportIdentityStep(session, identity, profile)]
  const encrypt = canEncrypt(identity.certificate)
  const keepRefused = options.keepRefused ?? false

  const verdict = await verdictBeforeImport(session, identity, encrypt)
  const root = rootOf(identity)
  // Without vfychain the chain cannot be checked: a root in the file may then need trust, so ask too.
  if (!verdict.valid && root && (verdict.code === 'untrusted-issuer' || verdict.code === 'unknown-issuer' || verdict.code === 'cannot-check')) {
    if (await options.trustRoot(root, profile)) steps.push(new TrustRootStep(session, root))
    else if (verdict.code !== 'cannot-check') return refusedTarget(profile, identity, accounts, verdict, session, keepRefused, `The root "${root.subject.text}" is not trusted`)
  } else if (!verdict.valid && verdict.code !== 'cannot-check') {
    return refusedTarget(profile, identity, accounts, verdict, session, keepRefused, 'Thunderbird refuses the certificate')
  }

  const accepted: AcceptedUsages = {}
  steps.push(new VerifyInstalledStep(session, identity, encrypt, accepted, {keepRefused}))
  steps.push(
    new ConfigureIdentitiesStep(
      profile,
      identities.map((i) => ({key: i.key, email: i.email!})),
      {certificate: identity.certificate, canEncrypt: encrypt, signByDefault: options.signByDefault, encryptByDefault: options.encryptByDefault},
      // A Thunderbird driving the database must have quit before prefs.js changes.
      () => session.release(),
      accepted,
    ),
  )
  if (!encrypt) warnings.push('The certificate cannot be used for encryption: only signing is set up.')
  return {client: 'thunderbird', label: profileLabel(profile), location: profile.dir, accounts, steps, warnings, close: () => session.release(), recordAs: recordedTarget(profile, identity)}
}

/**
 * Thunderbird would refuse the certificate: nothing is installed in this profile (exit 5), or,
 * with --keep-refused, the import is made and checked (the check then fails the target) and no
 * identity is set to use it.
 */
async function refusedTarget(profile: ThunderbirdProfile, identity: Identity, accounts: string[], verdict: Verdict, session: SessionHolder, keepRefused: boolean, why: string): Promise<PlanTarget> {
  const reason = `${why}: ${verdict.reason ?? 'no reason given'}`
  if (!keepRefused) {
    await session.release()
    return failed(profile, accounts, {code: 'refused-by-client', reason: `${reason}, so nothing was installed there`, hints: [refusalHint(verdict.code)], exitCode: ExitCode.notForSmime})
  }
  return {
    client: 'thunderbird',
    label: profileLabel(profile),
    location: profile.dir,
    accounts,
    close: () => session.release(),
    steps: [new ImportIdentityStep(session, identity, profile), new VerifyInstalledStep(session, identity, canEncrypt(identity.certificate), {}, {keepRefused})],
    warnings: [`${reason}. The certificate is imported (--keep-refused), but no identity is set to use it.`],
    recordAs: recordedTarget(profile, identity),
  }
}

function recordedTarget(profile: ThunderbirdProfile, identity: Identity): RecordedTarget {
  return {
    client: 'thunderbird',
    label: profileLabel(profile),
    profileName: profile.name,
    location: profile.dir,
    certificate: {
      sha256: identity.certificate.fingerprints.sha256,
      emails: identity.certificate.emails,
      subject: identity.certificate.subject.text,
      dbKey: nssDbKey(identity.certificate),
    },
  }
}
