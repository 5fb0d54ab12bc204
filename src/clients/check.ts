/**
 * `mailcert check`: every mail client found on the machine, how well it supports S/MIME (from the
 * support table), and, for each client, every place and account with the state of its
 * certificate. Problems are collected in one list, each with the command that fixes it. Whatever
 * could not be looked at is itself a problem: check never stays silent.
 */
import path from 'node:path'

import {lintIdentity} from '../identity/findings.js'
import type {Identity} from '../identity/identity.js'
import type {JournalEntry} from '../install/journal.js'
import {surveyClients} from '../install/install-service.js'
import type {StoreRef} from '../stores/store.js'
import type {Machine} from '../system/platform.js'
import type {ClientCheck, ClientSurvey, ExpectedCertificate, FlagValues, MailClient, Problem} from './client.js'
import {type Platform, SUPPORT_TABLE, type SupportRow} from './support-table.js'

export interface CheckResult {
  platform: Platform
  clients: ClientCheck[]
  /** With --all: the support facts of every client not found here (other platforms included); otherwise empty. */
  notInstalled: SupportRow[]
  /** Errors and warnings, then infos. */
  problems: Problem[]
}

export interface CheckOptions {
  machine: Machine
  flags: FlagValues
  clients: MailClient[]
  /** Ask each client itself for its verdict on each certificate. */
  deep: boolean
  /** false: no chain verdicts, only what is in which store and which certificate each account names (`status`). */
  verify?: boolean
  all: boolean
  now?: Date
  /** A store's password, when it has one and one was given; undefined otherwise. */
  storePassword(store: StoreRef): Promise<string | undefined>
  /** The certificate the user named (`mailcert check FILE`): accounts for its addresses should use it. */
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
    expected: {source: 'given', emails: certificate.emails, subject: certificate.subject.text, references: {}, certificate, notAfter: certificate.notAfter, label, ...(given.fromPkcs12 ? {file: given.path} : {})},
    problems: [],
  }
}

/** What mailcert installed for accounts in `place`, as certificates they are expected to use. */
function installedIn(place: string, installed: readonly JournalEntry[]): ExpectedCertificate[] {
  return installed
    .filter((entry) => entry.store.location === place || entry.identities.some((identity) => identity.place === place))
    .map((entry) => ({source: 'journal', emails: entry.certificate.emails, subject: entry.certificate.subject, references: entry.certificate.references, installedAt: entry.installedAt}))
}

/** The certificate the user named, when no identity anywhere has one of its addresses. */
function unmatchedGiven(given: ExpectedCertificate | null, surveys: ClientSurvey[], earlier: Problem[]): Problem[] {
  if (!given || earlier.some((p) => p.code === 'no-profile' || p.code === 'no-mail-account' || p.code === 'profile-unreadable')) return []
  const emails = given.emails.map((e) => e.toLowerCase())
  const accounts = surveys.flatMap((survey) => survey.places.flatMap((place) => place.accounts ?? []))
  if (accounts.some((account) => account.email !== null && emails.includes(account.email.toLowerCase()))) return []
  const found = [...new Set(accounts.map((account) => account.email).filter((e): e is string => e !== null))]
  return [
    {
      severity: 'warning',
      code: 'no-account-for-certificate',
      message: `No mail account uses ${given.emails.join(' or ') || 'the address'} of ${given.label ?? 'the certificate given'}${found.length > 0 ? ` (the addresses found: ${found.join(', ')})` : ''}.`,
      fix: `Add the account to your mail client (or an identity with this address to an account), then: mailcert install ${given.file ?? 'YOUR-CERTIFICATE.p12'}`,
    },
  ]
}

const SEVERITY_ORDER = {error: 0, warning: 1, info: 2}

export async function checkMachine(options: CheckOptions): Promise<CheckResult> {
  const now = options.now ?? new Date()
  const platform = options.machine.os
  const given = givenExpectation(options.given, now)
  const surveys = await surveyClients(options.clients, {machine: options.machine, flags: options.flags})
  const clients: ClientCheck[] = []
  const clientProblems: Problem[] = [...given.problems]
  const placeProblems: Problem[] = []
  for (const survey of surveys) {
    const result = await survey.client.check(survey, {
      machine: options.machine,
      flags: options.flags,
      deep: options.deep,
      verify: options.verify ?? true,
      now,
      storePassword: options.storePassword,
      expected: (place) => [...(given.expected ? [given.expected] : []), ...installedIn(place, options.installed ?? [])],
      installCommand: (email) => `mailcert install YOUR-CERTIFICATE.p12 --client ${survey.client.id}${email ? ` --account ${email}` : ''}`,
    })
    if (!result) continue
    clients.push(result.check)
    clientProblems.push(...result.problems)
    placeProblems.push(...result.check.profiles.flatMap((place) => place.problems))
  }
  clientProblems.push(...unmatchedGiven(given.expected, surveys, [...clientProblems, ...placeProblems]))

  const found = new Set(clients.map((c) => c.client))
  const notInstalled = options.all ? SUPPORT_TABLE.filter((row) => !found.has(row.client) || row.platform !== platform) : []
  const problems = [...clientProblems, ...placeProblems].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity])
  return {platform, clients, notInstalled, problems}
}

export function hasProblems(result: CheckResult): boolean {
  return result.problems.some((p) => p.severity !== 'info')
}
