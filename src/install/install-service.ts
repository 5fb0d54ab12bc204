/**
 * `mailcert install` without the terminal: refuse a certificate that cannot work, find the targets
 * (today: every Thunderbird profile with a matching identity), make sure none is busy, choose how to
 * reach the NSS databases, and plan each target. Applying the plan is apply.ts's job.
 */
import {ExitCode, ExternalError, UserError, UsageError} from '../errors.js'
import type {Certificate} from '../identity/certificate-types.js'
import {hasErrors, lintIdentity} from '../identity/findings.js'
import type {Identity} from '../identity/identity.js'
import {type DiscoveryOptions, describeProfile, discoverProfiles, type ThunderbirdProfile} from '../clients/thunderbird/discovery.js'
import {identitiesFor} from '../clients/thunderbird/identity-settings.js'
import {planThunderbirdProfile, profileLabel} from '../clients/thunderbird/install-target.js'
import {busyError} from '../clients/thunderbird/profile-lock.js'
import type {NssDriver, NssDriverName} from '../stores/nss/nss-driver.js'
import type {Plan, PlanTarget} from './plan.js'
import {chooseNssDriver} from './nss-driver-choice.js'

export interface InstallRequest {
  identity: Identity
  /** False for a bare certificate (refused: it has no private key), which changes how that is explained. */
  fromPkcs12: boolean
  accounts: string[]
  profiles: string[]
  /** The guided installer's choice of identities; undefined for every matching one. */
  include?(profile: ThunderbirdProfile, identityKey: string): boolean
  /** Profiles already discovered (the guided installer shows them before planning). */
  discovered?: ThunderbirdProfile[]
  signByDefault?: boolean
  encryptByDefault?: boolean
  keepRefused?: boolean
  nssDriver: NssDriverName | 'auto'
  machine: DiscoveryOptions
  trustRoot(root: Certificate, profile: ThunderbirdProfile): Promise<boolean>
  dbPassword(profile: ThunderbirdProfile): Promise<string>
  /** Interactive only: ask the user to close the busy client; resolves true to look again. */
  waitForClose?(busy: ThunderbirdProfile[]): Promise<boolean>
  now?: Date
}

export interface PlannedInstall {
  plan: Plan
  driver: NssDriver
  profiles: ThunderbirdProfile[]
}

export function refuseUnusable(identity: Identity, fromPkcs12: boolean, now: Date): void {
  const findings = lintIdentity(identity, {now, fromPkcs12})
  if (!hasErrors(findings)) return
  const errors = findings.filter((f) => f.severity === 'error')
  throw new UserError(`This certificate cannot be used for S/MIME, so nothing was installed: ${errors.map((e) => e.message).join(' ')}`, {
    code: 'not-for-smime',
    exitCode: ExitCode.notForSmime,
    hints: errors.map((e) => e.fix),
  })
}

export async function findProfiles(request: Pick<InstallRequest, 'profiles' | 'machine'>): Promise<ThunderbirdProfile[]> {
  if (request.profiles.length === 0) return discoverProfiles(request.machine)
  const profiles: ThunderbirdProfile[] = []
  for (const dir of request.profiles) {
    const profile = await describeProfile(dir, {name: dir, root: {dir, packaging: 'standard', sandboxed: false}, isDefault: false}, request.machine)
    if (profile.accounts === null && profile.database === 'none') {
      throw new UsageError(`${dir} is not a Thunderbird profile (no prefs.js and no certificate database).`, ['Point --profile at the folder that holds prefs.js and cert9.db.'])
    }
    profiles.push(profile)
  }
  return profiles
}

function checkAccountsFilter(request: Pick<InstallRequest, 'identity' | 'accounts'>): void {
  const emails = request.identity.certificate.emails.map((e) => e.toLowerCase())
  const foreign = request.accounts.filter((account) => !emails.includes(account.toLowerCase()))
  if (foreign.length > 0) {
    throw new UsageError(`The certificate is not for ${foreign.join(', ')}: it is for ${request.identity.certificate.emails.join(', ')}.`, [
      'Leave out --account to configure every account whose address the certificate names.',
    ])
  }
}

function noMatch(identity: Identity, profiles: ThunderbirdProfile[]): UserError {
  const found = [...new Set(profiles.flatMap((p) => p.accounts?.identities.map((i) => i.email) ?? []).filter((e): e is string => e !== null))]
  const where = profiles.length === 0 ? 'No Thunderbird profile was found on this machine.' : `Addresses found in Thunderbird: ${found.length > 0 ? found.join(', ') : 'none'}.`
  return new UserError(`No mail account uses ${identity.certificate.emails.join(' or ')}, so nothing was installed. ${where}`, {
    // The same code as the guided installer's "nothing to set up", so that scripts see one answer.
    code: profiles.length === 0 ? 'no-mail-client' : 'no-matching-account',
    exitCode: ExitCode.notForSmime,
    hints: ['Add the account to Thunderbird first (and start Thunderbird once), then run mailcert again.', 'Run `mailcert check` to see every account mailcert finds.'],
  })
}

/**
 * The guided installer's check, right after the certificate is read and before any question: some
 * profile has an identity with the certificate's address (one of `accounts`, when given).
 */
export function requireMatchingAccount(identity: Identity, profiles: ThunderbirdProfile[], accounts: string[]): void {
  checkAccountsFilter({identity, accounts})
  const emails = identity.certificate.emails
  if (!profiles.some((p) => p.accounts !== null && identitiesFor(p.accounts.identities, emails, accounts).length > 0)) throw nothingMatches(identity, profiles)
}

/** No profile has an account for the certificate: because some cannot be read, or because none has one. */
function nothingMatches(identity: Identity, profiles: ThunderbirdProfile[]): UserError {
  const unreadable = profiles.filter((p) => p.prefsState === 'unreadable')
  return unreadable.length > 0 ? unreadableSettings(unreadable) : noMatch(identity, profiles)
}

/** Profiles whose prefs.js cannot be read may hold a matching account: say so, not "no account uses it". */
function unreadableSettings(profiles: ThunderbirdProfile[]): UserError {
  const problems = profiles.map((p) => p.prefsProblem ?? `prefs.js in ${p.dir} cannot be read`)
  const message = problems.length === 1 ? `${problems[0]}. Nothing was installed.` : `Nothing was installed: ${problems.join('; ')}.`
  return new UserError(message, {code: 'profile-unreadable', exitCode: ExitCode.notForSmime, hints: [...new Set(profiles.flatMap((p) => p.prefsHints))]})
}

export async function planInstall(request: InstallRequest): Promise<PlannedInstall> {
  refuseUnusable(request.identity, request.fromPkcs12, request.now ?? new Date())
  checkAccountsFilter(request)

  let profiles = request.discovered ?? (await findProfiles(request))
  const emails = request.identity.certificate.emails
  const wanted = (list: ThunderbirdProfile[]) =>
    list.filter((p) => p.accounts !== null && identitiesFor(p.accounts.identities, emails, request.accounts).some((i) => request.include?.(p, i.key) ?? true))
  if (wanted(profiles).length === 0) throw nothingMatches(request.identity, profiles)

  for (;;) {
    const busy = wanted(profiles).filter((p) => p.lock.busy)
    if (busy.length === 0) break
    if (!request.waitForClose || !(await request.waitForClose(busy))) throw busyError(busy)
    profiles = await findProfiles(request)
  }

  const driver = await chooseNssDriver(request.nssDriver, wanted(profiles), request.machine)
  const plan: Plan = {targets: []}
  const failures: ExternalError[] = []
  try {
    const options = {
      accounts: request.accounts,
      include: request.include,
      signByDefault: request.signByDefault,
      encryptByDefault: request.encryptByDefault,
      keepRefused: request.keepRefused,
      trustRoot: request.trustRoot,
      dbPassword: request.dbPassword,
      driver,
    }
    for (const profile of profiles) {
      plan.targets.push(await planOrFail(profile, () => planThunderbirdProfile(profile, request.identity, options), failures))
    }
    // With nothing else to do, a failure is simply the answer: report it as the error it is.
    if (failures.length > 0 && !plan.targets.some((t) => t.steps.length > 0)) throw failures[0]
    const unreadable = profiles.filter((p) => p.prefsState === 'unreadable')
    if (unreadable.length > 0 && !plan.targets.some((t) => t.steps.length > 0)) throw unreadableSettings(unreadable)
  } catch (error) {
    await releasePlan(plan)
    await driver.dispose()
    throw error
  }
  return {plan, driver, profiles}
}

/**
 * A profile whose database a program cannot read fails on its own; the other profiles go on
 * (exit 7). The user's own mistakes (a wrong password, a missing answer) still stop everything.
 */
async function planOrFail(profile: ThunderbirdProfile, plan: () => Promise<PlanTarget>, failures: ExternalError[]): Promise<PlanTarget> {
  try {
    return await plan()
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error
    failures.push(error)
    return {
      client: 'thunderbird',
      label: profileLabel(profile),
      location: profile.dir,
      accounts: [],
      steps: [],
      warnings: [],
      failure: {code: error.code, reason: `${error.tool}: ${error.message}`, hints: error.hints, exitCode: error.exitCode},
    }
  }
}

/** Close whatever the planned targets hold open (a dry run ends here; apply closes each as it finishes). */
export async function releasePlan(plan: Plan): Promise<void> {
  for (const target of plan.targets) await target.close?.()
}
