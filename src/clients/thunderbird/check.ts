/**
 * Thunderbird's part of `mailcert check`: every profile and identity with the state of its
 * certificate, read from the profile's NSS database by NSS's tools or by Thunderbird itself, with
 * Thunderbird asked for a second opinion where the tools doubt. Whatever could not be looked at (a
 * profile whose settings or database cannot be read, a Thunderbird that runs on it, Thunderbird
 * without any profile) is itself a problem.
 */
import {ExternalError, UsageError, UserError} from '../../errors.js'
import type {NssDriver, NssDriverName} from '../../stores/nss/nss-driver.js'
import type {CheckContext, ClientCheckResult, ExpectedCertificate, Problem} from '../client.js'
import {supportRow} from '../support-table.js'
import {checkIdentities, type ProfileCheck} from './check-profile.js'
import type {DiscoveryOptions, ThunderbirdProfile} from './discovery.js'
import {chooseNssDriver} from './nss-driver-choice.js'
import type {ThunderbirdSurvey} from './survey.js'

interface CheckOptions {
  storePassword(profile: ThunderbirdProfile): Promise<string | undefined>
  verify: boolean
}

/** The ways to read databases: the chosen driver, NSS's tools for profiles Thunderbird runs on (--deep), and Thunderbird to confirm a doubt of the tools. */
interface Drivers {
  main: NssDriver | null
  whileRunning: NssDriver | null
  secondOpinion: NssDriver | null
}

function profileSummary(profile: ThunderbirdProfile, checkedWith: string | null = null): Omit<ProfileCheck, 'identities' | 'problems' | 'checkedWith'> {
  const facts = [
    profile.version ? `Thunderbird ${profile.version}` : null,
    profile.isDefault ? 'default' : null,
    profile.lock.busy ? 'Thunderbird is running' : null,
    checkedWith ? `checked with ${checkedWith === 'tools' ? "NSS's tools" : 'Thunderbird itself'}` : null,
  ].filter((fact): fact is string => fact !== null)
  return {
    name: profile.name,
    dir: profile.dir,
    title: `Profile "${profile.name}"`,
    facts,
    packaging: profile.root.packaging,
    isDefault: profile.isDefault,
    version: profile.version,
    busy: profile.lock.busy,
    database: profile.database,
  }
}

function profileProblem(profile: ThunderbirdProfile, severity: Problem['severity'], code: string, message: string, fix: string): Problem {
  return {severity, code, message, fix, profile: profile.dir}
}

function storeUnreadable(profile: ThunderbirdProfile, error: ExternalError): Problem {
  return profileProblem(
    profile,
    'warning',
    'store-unreadable',
    `The certificate database could not be read, so no certificate was checked: ${error.tool}: ${error.message}`,
    profile.lock.busy ? 'Close Thunderbird, then run mailcert check again.' : (error.hints[0] ?? "Check that the profile's cert9.db and key4.db can be read, then run mailcert check again."),
  )
}

async function checkProfile(profile: ThunderbirdProfile, drivers: Drivers, expected: ExpectedCertificate[], options: CheckOptions, now: Date): Promise<ProfileCheck> {
  const summary = profileSummary(profile)
  /** The identities as the settings describe them, the database unread. */
  const listed = async (problems: Problem[]): Promise<ProfileCheck> => {
    const identities = await checkIdentities(profile, null, now, expected, options.verify)
    return {...summary, checkedWith: null, identities, problems: [...problems, ...identities.flatMap((i) => i.problems)]}
  }
  if (profile.prefsState === 'missing') {
    // Thunderbird's first start leaves a spare, never-used profile behind: nothing to fix there.
    return {...summary, checkedWith: null, note: {text: 'never used', severity: 'info'}, identities: [], problems: [profileProblem(profile, 'info', 'profile-unused', profile.prefsProblem ?? 'never used', 'Nothing to do.')]}
  }
  if (profile.accounts === null) {
    const fix = profile.prefsHints.length > 0 ? profile.prefsHints.join('\n') : 'Start Thunderbird once with this profile, then run mailcert check again.'
    return {...summary, checkedWith: null, note: {text: 'its settings (prefs.js) cannot be read: see below', severity: 'error'}, identities: [], problems: [profileProblem(profile, 'error', 'profile-unreadable', profile.prefsProblem ?? `prefs.js in ${profile.dir} cannot be read`, fix)]}
  }
  const configured = profile.accounts.identities.some((i) => i.smime.signingCertDbKey || i.smime.encryptionCertDbKey)
  if (profile.database === 'none') {
    return listed(configured ? [profileProblem(profile, 'error', 'no-nss-database', 'Identities point at certificates, but the profile has no certificate database.', 'Start Thunderbird once, then run mailcert install again.')] : [])
  }

  let driver = drivers.main
  const notes: Problem[] = []
  if (driver?.name === 'thunderbird' && profile.lock.busy) {
    // Thunderbird cannot be started a second time on the profile; NSS's tools can still read it.
    driver = drivers.whileRunning
    notes.push(
      profileProblem(
        profile,
        'warning',
        'client-running',
        driver
          ? "Thunderbird is running on this profile, so it was not asked for its own verdict: NSS's tools read the database instead."
          : 'Thunderbird is running on this profile, so it cannot be asked for its verdict, and the certificates were not checked.',
        'Close Thunderbird and run mailcert check --deep again.',
      ),
    )
  }
  if (driver === null) {
    if (notes.length > 0) return listed(notes)
    return listed(configured ? [profileProblem(profile, 'warning', 'store-not-checked', "The certificate database could not be read: NSS's tools are not installed and Thunderbird was not found.", "Install NSS's tools, or run mailcert check --deep where Thunderbird is installed.")] : [])
  }

  let dbPassword: string | undefined
  let result: ProfileCheck
  try {
    if (await driver.hasPrimaryPassword(profile.dir)) {
      dbPassword = await options.storePassword(profile)
      if (dbPassword === undefined) {
        return listed([...notes, profileProblem(profile, 'warning', 'primary-password', 'The certificate database is protected by a primary password, so it was not checked.', 'mailcert check --db-password-file FILE (or MAILCERT_DB_PASSWORD)')])
      }
    }
    result = await checkWith(profile, driver, dbPassword, now, expected, notes, options.verify)
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error
    return listed([...notes, storeUnreadable(profile, error)])
  }
  // NSS's tools can be older than Thunderbird's own NSS, which stores trust in a form they cannot
  // read (PKCS#11 3.2 trust objects): ask Thunderbird itself before calling a certificate untrusted.
  const doubtful = result.problems.some((p) => p.code === 'not-trusted' || p.code === 'chain-not-checked')
  if (driver.name === 'tools' && drivers.secondOpinion && !profile.lock.busy && doubtful) {
    try {
      return await checkWith(profile, drivers.secondOpinion, dbPassword, now, expected, notes, options.verify)
    } catch (error) {
      if (!(error instanceof ExternalError)) throw error
      const unconfirmed = profileProblem(profile, 'warning', 'second-opinion-failed', `Thunderbird itself could not be asked to confirm the verdict of NSS's tools: ${error.tool}: ${error.message}`, 'Close Thunderbird if it runs, then run mailcert check --deep.')
      return {...result, problems: [...result.problems, unconfirmed]}
    }
  }
  return result
}

async function checkWith(profile: ThunderbirdProfile, driver: NssDriver, dbPassword: string | undefined, now: Date, expected: ExpectedCertificate[], notes: Problem[], verify: boolean): Promise<ProfileCheck> {
  const session = await driver.open(profile.dir, {dbPassword})
  try {
    const identities = await checkIdentities(profile, session, now, expected, verify)
    return {...profileSummary(profile, driver.name), checkedWith: driver.name, identities, problems: [...notes, ...identities.flatMap((i) => i.problems)]}
  } finally {
    await session.close()
  }
}

/** What is wrong with Thunderbird as a whole: installed but never used, no mail account anywhere. */
function thunderbirdProblems(program: string | null, profiles: ThunderbirdProfile[]): Problem[] {
  if (profiles.length === 0) {
    if (!program) return []
    return [
      {
        severity: 'warning',
        code: 'no-profile',
        message: `Thunderbird is installed (${program}), but has no profile for this user: it was never started.`,
        fix: 'Start Thunderbird once and add your mail account, then: mailcert install YOUR-CERTIFICATE.p12',
      },
    ]
  }
  if (profiles.some((p) => p.prefsState === 'unreadable')) return []
  if (profiles.some((p) => p.accounts?.identities.some((i) => i.email !== null))) return []
  const used = profiles.filter((p) => p.prefsState === 'ok')
  return [
    {
      severity: 'warning',
      code: 'no-mail-account',
      message: used.length === 0 ? 'Thunderbird has profiles, but has never run with any of them, so it has no mail account.' : 'Thunderbird has no mail account, so no account can sign or encrypt.',
      fix: 'Start Thunderbird and add your mail account, then: mailcert install YOUR-CERTIFICATE.p12',
      ...(used.length === 1 ? {profile: used[0]!.dir} : {}),
    },
  ]
}

async function optionalDriver(choice: NssDriverName | 'auto', profiles: ThunderbirdProfile[], machine: DiscoveryOptions): Promise<NssDriver | null> {
  try {
    return await chooseNssDriver(choice, profiles, machine)
  } catch (error) {
    if (error instanceof UserError) return null
    throw error
  }
}


export async function checkThunderbird(survey: ThunderbirdSurvey | null, context: CheckContext): Promise<ClientCheckResult | null> {
  const profiles = survey?.profiles ?? []
  // The survey found the program already (for the same profiles).
  const program = survey?.program ?? null
  if (context.deep && !program) {
    throw new UsageError('--deep asks Thunderbird itself, and the Thunderbird program was not found.', ['Leave out --deep to check with NSS\'s tools.'])
  }
  if (!program && profiles.length === 0) return null

  const main = context.deep ? await chooseNssDriver('thunderbird', profiles, context.machine) : await optionalDriver('auto', profiles, context.machine)
  const drivers: Drivers = {
    main,
    whileRunning: context.deep && profiles.some((p) => p.lock.busy) ? await optionalDriver('tools', profiles, context.machine) : null,
    secondOpinion: main?.name === 'tools' && program && context.verify !== false ? await optionalDriver('thunderbird', profiles, context.machine) : null,
  }
  const options: CheckOptions = {verify: context.verify !== false, storePassword: (profile) => context.storePassword({kind: 'nss', location: profile.dir, label: `Thunderbird profile "${profile.name}"`})}
  const checked: ProfileCheck[] = []
  try {
    for (const profile of profiles) checked.push(await checkProfile(profile, drivers, context.expected(profile.dir), options, context.now))
  } finally {
    await drivers.main?.dispose()
    await drivers.whileRunning?.dispose()
    await drivers.secondOpinion?.dispose()
  }
  return {
    check: {
      client: 'thunderbird',
      name: 'Thunderbird',
      program,
      support: supportRow('thunderbird', context.machine.os)!,
      storeAccess: main?.name ?? null,
      ...(profiles.length === 0 ? {empty: 'no profile for this user'} : {}),
      profiles: checked,
    },
    problems: thunderbirdProblems(program, profiles),
  }
}
