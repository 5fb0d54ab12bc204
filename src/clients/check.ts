/**
 * `mailcert check`: every mail client found on the machine, how well it supports S/MIME (from the
 * support table), and, for Thunderbird, every profile and identity with the state of its
 * certificate. Problems are collected in one list, each with the command that fixes it.
 */
import {UsageError} from '../errors.js'
import type {NssDriver} from '../stores/nss/nss-driver.js'
import {findEvolution} from './evolution/detect.js'
import {type DiscoveryOptions, discoverProfiles, type ThunderbirdProfile} from './thunderbird/discovery.js'
import {checkIdentities, type ProfileCheck, type Problem} from './thunderbird/check-profile.js'
import {chooseNssDriver, thunderbirdFor} from '../install/nss-driver-choice.js'
import {platformOf, type Platform, SUPPORT_TABLE, type SupportRow, supportRow} from './support-table.js'

export interface ClientCheck {
  client: string
  name: string
  /** Where the program is, when found. */
  program: string | null
  support: SupportRow
  profiles: ProfileCheck[]
}

export interface CheckResult {
  platform: Platform
  clients: ClientCheck[]
  /** With --all: the support facts of every client not found here (other platforms included); otherwise empty. */
  notInstalled: SupportRow[]
  /** Errors and warnings, then infos. */
  problems: Problem[]
  /** How Thunderbird's certificate databases were read. */
  nssDriver: string | null
}

export interface CheckOptions {
  machine: DiscoveryOptions
  /** Ask Thunderbird itself for its verdict on each certificate. */
  deep: boolean
  all: boolean
  now?: Date
  /** A profile's primary password, when it has one and one was given; undefined otherwise. */
  dbPassword(profile: ThunderbirdProfile): Promise<string | undefined>
  /** Set by checkMachine: Thunderbird itself, to confirm a negative verdict of NSS's tools. */
  secondOpinion?: NssDriver
}

function profileSummary(profile: ThunderbirdProfile): Omit<ProfileCheck, 'identities' | 'problems' | 'checkedWith'> {
  return {
    name: profile.name,
    dir: profile.dir,
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

async function checkProfile(profile: ThunderbirdProfile, driver: NssDriver | null, options: CheckOptions, now: Date): Promise<ProfileCheck> {
  const summary = profileSummary(profile)
  const configured = profile.accounts?.identities.some((i) => i.smime.signingCertDbKey || i.smime.encryptionCertDbKey) ?? false
  if (profile.prefsState === 'missing') {
    // Thunderbird's first start leaves a spare, never-used profile behind: nothing to fix there.
    return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'info', 'profile-unused', profile.prefsProblem ?? 'never used', 'Nothing to do.')]}
  }
  if (profile.accounts === null) {
    return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'warning', 'profile-unreadable', profile.prefsProblem ?? 'prefs.js cannot be read', 'Open the profile in Thunderbird once: it moves an unreadable prefs.js aside and writes a new one.')]}
  }
  if (profile.database === 'none' || driver === null) {
    const problems = configured
      ? [
          profile.database === 'none'
            ? profileProblem(profile, 'error', 'no-nss-database', 'Identities point at certificates, but the profile has no certificate database.', 'Start Thunderbird once, then run mailcert install again.')
            : profileProblem(profile, 'warning', 'store-not-checked', "The certificate database could not be read: NSS's tools are not installed and Thunderbird was not found.", 'Install NSS\'s tools, or run mailcert check --deep where Thunderbird is installed.'),
        ]
      : []
    return {...summary, checkedWith: null, identities: [], problems}
  }
  if (driver.name === 'thunderbird' && profile.lock.busy) {
    return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'warning', 'client-running', 'Thunderbird is running on this profile, so it cannot be asked for its verdict.', 'Close Thunderbird and run mailcert check --deep again.')]}
  }

  let dbPassword: string | undefined
  if (await driver.hasPrimaryPassword(profile.dir)) {
    dbPassword = await options.dbPassword(profile)
    if (dbPassword === undefined) {
      return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'warning', 'primary-password', 'The certificate database is protected by a primary password, so it was not checked.', 'mailcert check --db-password-file FILE (or MAILCERT_DB_PASSWORD)')]}
    }
  }
  const result = await checkWith(profile, driver, dbPassword, now)
  // NSS's tools can be older than Thunderbird's own NSS, which stores trust in a form they cannot
  // read (PKCS#11 3.2 trust objects): ask Thunderbird itself before calling a certificate untrusted.
  const doubtful = result.problems.some((p) => p.code === 'not-trusted' || p.code === 'chain-not-checked')
  if (driver.name === 'tools' && options.secondOpinion && !profile.lock.busy && doubtful) {
    return checkWith(profile, options.secondOpinion, dbPassword, now)
  }
  return result
}

async function checkWith(profile: ThunderbirdProfile, driver: NssDriver, dbPassword: string | undefined, now: Date): Promise<ProfileCheck> {
  const session = await driver.open(profile.dir, {dbPassword})
  try {
    const identities = await checkIdentities(profile, session, now)
    return {...profileSummary(profile), checkedWith: driver.name, identities, problems: identities.flatMap((i) => i.problems)}
  } finally {
    await session.close()
  }
}

const SEVERITY_ORDER = {error: 0, warning: 1, info: 2}


export async function checkMachine(options: CheckOptions): Promise<CheckResult> {
  const now = options.now ?? new Date()
  const platform = platformOf(options.machine.platform)
  const profiles = await discoverProfiles(options.machine)
  const program = await thunderbirdFor(profiles[0], options.machine)
  if (options.deep && !program) {
    throw new UsageError('--deep asks Thunderbird itself, and the Thunderbird program was not found.', ['Leave out --deep to check with NSS\'s tools.'])
  }

  const clients: ClientCheck[] = []
  let driver: NssDriver | null = null
  if (program || profiles.length > 0) {
    try {
      driver = await chooseNssDriver(options.deep ? 'thunderbird' : 'auto', profiles, options.machine)
    } catch (error) {
      if (options.deep) throw error
    }
    const checked: ProfileCheck[] = []
    const secondOpinion = driver?.name === 'tools' && program ? await chooseNssDriver('thunderbird', profiles, options.machine) : undefined
    try {
      for (const profile of profiles) checked.push(await checkProfile(profile, driver, {...options, secondOpinion}, now))
    } finally {
      await driver?.dispose()
      await secondOpinion?.dispose()
    }
    clients.push({client: 'thunderbird', name: 'Thunderbird', program: program?.command ?? null, support: supportRow('thunderbird', platform)!, profiles: checked})
  }

  const evolution = platform === 'linux' ? await findEvolution(options.machine.home, options.machine.env) : null
  if (evolution) clients.push({client: 'evolution', name: 'Evolution', program: evolution, support: supportRow('evolution', 'linux')!, profiles: []})

  const found = new Set(clients.map((c) => c.client))
  const notInstalled = options.all ? SUPPORT_TABLE.filter((row) => !found.has(row.client) || row.platform !== platform) : []
  const problems = clients.flatMap((c) => c.profiles.flatMap((p) => p.problems)).sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
  return {platform, clients, notInstalled, problems, nssDriver: driver?.name ?? null}
}

export function hasProblems(result: CheckResult): boolean {
  return result.problems.some((p) => p.severity !== 'info')
}
