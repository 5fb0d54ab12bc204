/**
 * `mailcert check`: every mail client found on the machine, how well it supports S/MIME (from the
 * support table), and, for Thunderbird, every profile and identity with the state of its
 * certificate. Problems are collected in one list, each with the command that fixes it. Whatever
 * could not be looked at (a profile whose settings or database cannot be read, a Thunderbird that
 * runs on it, Thunderbird without any profile) is itself a problem: check never stays silent.
 */
import path from 'node:path'

import {ExternalError, UsageError, UserError} from '../errors.js'
import {lintIdentity} from '../identity/findings.js'
import type {Identity} from '../identity/identity.js'
import type {JournalEntry} from '../install/journal.js'
import {nssDbKey} from '../stores/nss/dbkey.js'
import type {NssDriver, NssDriverName} from '../stores/nss/nss-driver.js'
import {findEvolution} from './evolution/detect.js'
import {type DiscoveryOptions, discoverProfiles, type ThunderbirdProfile} from './thunderbird/discovery.js'
import {checkIdentities, type ExpectedCertificate, type ProfileCheck, type Problem} from './thunderbird/check-profile.js'
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
  /** The certificate the user named (`mailcert check FILE`): identities for its addresses should use it. */
  given?: GivenCertificate
  /** What mailcert's journal says it installed, and where. */
  installed?: readonly JournalEntry[]
}

export interface GivenCertificate {
  identity: Identity
  /** The file as the user named it. */
  path: string
  /** A PKCS#12 file (which `mailcert install` takes), not a certificate alone. */
  fromPkcs12: boolean
}

/** The named certificate as identities are expected to use it; null when it cannot be used at all. */
function givenExpectation(given: GivenCertificate | undefined, now: Date): {expected: ExpectedCertificate | null; problems: Problem[]} {
  if (!given) return {expected: null, problems: []}
  const certificate = given.identity.certificate
  const label = `the certificate in ${path.basename(given.path)}`
  // A certificate alone has no key by nature: the key may well be in the profile's database.
  const errors = lintIdentity(given.identity, {now, fromPkcs12: given.fromPkcs12}).filter((f) => f.severity === 'error' && !(f.code === 'no-private-key' && !given.fromPkcs12))
  if (errors.length > 0) {
    const problem: Problem = {severity: 'error', code: 'certificate-unusable', message: `${label[0]!.toUpperCase()}${label.slice(1)} cannot be used for S/MIME: ${errors.map((e) => e.message).join(' ')}`, fix: [...new Set(errors.map((e) => e.fix))].join('\n')}
    return {expected: null, problems: [problem]}
  }
  return {
    expected: {source: 'given', emails: certificate.emails, subject: certificate.subject.text, dbKey: nssDbKey(certificate), notAfter: certificate.notAfter, label, ...(given.fromPkcs12 ? {file: given.path} : {})},
    problems: [],
  }
}

/** The ways to read databases: the chosen driver, NSS's tools for profiles Thunderbird runs on (--deep), and Thunderbird to confirm a doubt of the tools. */
interface Drivers {
  main: NssDriver | null
  whileRunning: NssDriver | null
  secondOpinion: NssDriver | null
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

function expectedFor(profile: ThunderbirdProfile, given: ExpectedCertificate | null, options: CheckOptions): ExpectedCertificate[] {
  const expected: ExpectedCertificate[] = given ? [given] : []
  for (const entry of options.installed ?? []) {
    if (entry.client !== 'thunderbird' || entry.location !== profile.dir) continue
    expected.push({source: 'journal', emails: entry.certificate.emails, subject: entry.certificate.subject, dbKey: entry.certificate.dbKey, installedAt: entry.installedAt})
  }
  return expected
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

async function checkProfile(profile: ThunderbirdProfile, drivers: Drivers, given: ExpectedCertificate | null, options: CheckOptions, now: Date): Promise<ProfileCheck> {
  const summary = profileSummary(profile)
  const expected = expectedFor(profile, given, options)
  /** The identities as the settings describe them, the database unread. */
  const listed = async (problems: Problem[]): Promise<ProfileCheck> => {
    const identities = await checkIdentities(profile, null, now, expected)
    return {...summary, checkedWith: null, identities, problems: [...problems, ...identities.flatMap((i) => i.problems)]}
  }
  if (profile.prefsState === 'missing') {
    // Thunderbird's first start leaves a spare, never-used profile behind: nothing to fix there.
    return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'info', 'profile-unused', profile.prefsProblem ?? 'never used', 'Nothing to do.')]}
  }
  if (profile.accounts === null) {
    const fix = profile.prefsHints.length > 0 ? profile.prefsHints.join('\n') : 'Start Thunderbird once with this profile, then run mailcert check again.'
    return {...summary, checkedWith: null, identities: [], problems: [profileProblem(profile, 'error', 'profile-unreadable', profile.prefsProblem ?? `prefs.js in ${profile.dir} cannot be read`, fix)]}
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
      dbPassword = await options.dbPassword(profile)
      if (dbPassword === undefined) {
        return listed([...notes, profileProblem(profile, 'warning', 'primary-password', 'The certificate database is protected by a primary password, so it was not checked.', 'mailcert check --db-password-file FILE (or MAILCERT_DB_PASSWORD)')])
      }
    }
    result = await checkWith(profile, driver, dbPassword, now, expected, notes)
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error
    return listed([...notes, storeUnreadable(profile, error)])
  }
  // NSS's tools can be older than Thunderbird's own NSS, which stores trust in a form they cannot
  // read (PKCS#11 3.2 trust objects): ask Thunderbird itself before calling a certificate untrusted.
  const doubtful = result.problems.some((p) => p.code === 'not-trusted' || p.code === 'chain-not-checked')
  if (driver.name === 'tools' && drivers.secondOpinion && !profile.lock.busy && doubtful) {
    try {
      return await checkWith(profile, drivers.secondOpinion, dbPassword, now, expected, notes)
    } catch (error) {
      if (!(error instanceof ExternalError)) throw error
      const unconfirmed = profileProblem(profile, 'warning', 'second-opinion-failed', `Thunderbird itself could not be asked to confirm the verdict of NSS's tools: ${error.tool}: ${error.message}`, 'Close Thunderbird if it runs, then run mailcert check --deep.')
      return {...result, problems: [...result.problems, unconfirmed]}
    }
  }
  return result
}

async function checkWith(profile: ThunderbirdProfile, driver: NssDriver, dbPassword: string | undefined, now: Date, expected: ExpectedCertificate[], notes: Problem[]): Promise<ProfileCheck> {
  const session = await driver.open(profile.dir, {dbPassword})
  try {
    const identities = await checkIdentities(profile, session, now, expected)
    return {...profileSummary(profile), checkedWith: driver.name, identities, problems: [...notes, ...identities.flatMap((i) => i.problems)]}
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

/** The certificate the user named, when no identity anywhere has one of its addresses. */
function unmatchedGiven(given: ExpectedCertificate | null, profiles: ThunderbirdProfile[], earlier: Problem[]): Problem[] {
  if (!given || earlier.some((p) => p.code === 'no-profile' || p.code === 'no-mail-account' || p.code === 'profile-unreadable')) return []
  const emails = given.emails.map((e) => e.toLowerCase())
  const matched = profiles.some((p) => p.accounts?.identities.some((i) => i.email !== null && emails.includes(i.email.toLowerCase())))
  if (matched) return []
  const found = [...new Set(profiles.flatMap((p) => p.accounts?.identities.map((i) => i.email) ?? []).filter((e): e is string => e !== null))]
  return [
    {
      severity: 'warning',
      code: 'no-account-for-certificate',
      message: `No mail account uses ${given.emails.join(' or ') || 'the address'} of ${given.label ?? 'the certificate given'}${found.length > 0 ? ` (the addresses found: ${found.join(', ')})` : ''}.`,
      fix: `Add the account to Thunderbird (or an identity with this address to an account), then: mailcert install ${given.file ?? 'YOUR-CERTIFICATE.p12'}`,
    },
  ]
}

const SEVERITY_ORDER = {error: 0, warning: 1, info: 2}

async function optionalDriver(choice: NssDriverName | 'auto', profiles: ThunderbirdProfile[], machine: DiscoveryOptions): Promise<NssDriver | null> {
  try {
    return await chooseNssDriver(choice, profiles, machine)
  } catch (error) {
    if (error instanceof UserError) return null
    throw error
  }
}

export async function checkMachine(options: CheckOptions): Promise<CheckResult> {
  const now = options.now ?? new Date()
  const platform = platformOf(options.machine.platform)
  const profiles = await discoverProfiles(options.machine)
  const program = await thunderbirdFor(profiles[0], options.machine)
  if (options.deep && !program) {
    throw new UsageError('--deep asks Thunderbird itself, and the Thunderbird program was not found.', ['Leave out --deep to check with NSS\'s tools.'])
  }

  const given = givenExpectation(options.given, now)
  const clients: ClientCheck[] = []
  const machineProblems: Problem[] = [...given.problems]
  let main: NssDriver | null = null
  if (program || profiles.length > 0) {
    main = options.deep ? await chooseNssDriver('thunderbird', profiles, options.machine) : await optionalDriver('auto', profiles, options.machine)
    const drivers: Drivers = {
      main,
      whileRunning: options.deep && profiles.some((p) => p.lock.busy) ? await optionalDriver('tools', profiles, options.machine) : null,
      secondOpinion: main?.name === 'tools' && program ? await optionalDriver('thunderbird', profiles, options.machine) : null,
    }
    const checked: ProfileCheck[] = []
    try {
      for (const profile of profiles) checked.push(await checkProfile(profile, drivers, given.expected, options, now))
    } finally {
      await drivers.main?.dispose()
      await drivers.whileRunning?.dispose()
      await drivers.secondOpinion?.dispose()
    }
    clients.push({client: 'thunderbird', name: 'Thunderbird', program: program?.command ?? null, support: supportRow('thunderbird', platform)!, profiles: checked})
    machineProblems.push(...thunderbirdProblems(program?.command ?? null, profiles))
  }
  const profileProblems = clients.flatMap((c) => c.profiles.flatMap((p) => p.problems))
  machineProblems.push(...unmatchedGiven(given.expected, profiles, [...machineProblems, ...profileProblems]))

  const evolution = platform === 'linux' ? await findEvolution(options.machine.home, options.machine.env) : null
  if (evolution) clients.push({client: 'evolution', name: 'Evolution', program: evolution, support: supportRow('evolution', 'linux')!, profiles: []})

  const found = new Set(clients.map((c) => c.client))
  const notInstalled = options.all ? SUPPORT_TABLE.filter((row) => !found.has(row.client) || row.platform !== platform) : []
  const problems = [...machineProblems, ...profileProblems].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
  return {platform, clients, notInstalled, problems, nssDriver: main?.name ?? null}
}

export function hasProblems(result: CheckResult): boolean {
  return result.problems.some((p) => p.severity !== 'info')
}
