/**
 * `mailcert install` without the terminal: refuse a certificate that cannot work, survey every
 * mail client, make sure none is busy where it must change, and plan one target per store: the
 * identity imported once, then each client's accounts that read that store pointed at it.
 * Applying the plan is apply.ts's job.
 */
import type {ClientContext, ClientPart, ClientPlace, ClientSurvey, InstallChoices, MailAccount, MailClient} from '../clients/client.js'
import {ExitCode, ExternalError, UserError, UsageError} from '../errors.js'
import type {Identity} from '../identity/identity.js'
import {refuseUnusable} from '../identity/refuse-unusable.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {StoredCertificate} from '../stores/store.js'
import type {Plan, PlanTarget} from './plan.js'
import {sameAddress} from '../identity/same-address.js'

/** The stored certificate a `--from-store` identity stands for (stored-choice.ts makes it). */
function storedFor(identity: Identity): StoredCertificate {
  return {certificate: identity.certificate, name: identity.friendlyName ?? identity.certificate.subject.text, hasKey: true}
}

export interface InstallRequest extends InstallChoices {
  /** False for a bare certificate (refused: it has no private key), which changes how that is explained. */
  fromPkcs12: boolean
  clients: MailClient[]
  context: ClientContext
  /** The clients as already surveyed (the guided installer shows them before planning). */
  surveys?: ClientSurvey[]
  /** Interactive only: ask the user to close the busy clients; resolves true to look again. */
  waitForClose?(busy: ClientPlace[]): Promise<boolean>
  now?: Date
  /** `--from-store`: `identity` is a certificate the stores already hold with its key; nothing is imported. */
  useStored?: boolean
}

export interface PlannedInstall {
  plan: Plan
  /** Per client id, how it reached its stores (`tools`). */
  storeAccess: Record<string, string>
  /** Release what planning started; after the plan was applied, or dropped. */
  dispose(): Promise<void>
}

export async function surveyClients(clients: MailClient[], context: ClientContext): Promise<ClientSurvey[]> {
  const surveys: ClientSurvey[] = []
  for (const client of clients) surveys.push(await client.survey(context))
  return surveys
}

/** The accounts of a place that the certificate is for (narrowed to `--account`, and to the guided installer's choice). */
export function matchingAccounts(place: ClientPlace, emails: readonly string[], only: readonly string[], include?: InstallChoices['include']): MailAccount[] {
  const accounts = place.takesCertificateAddresses ? emails.map((email) => ({key: email, email, name: null})) : (place.accounts ?? [])
  return accounts.filter(
    (account) =>
      account.email !== null &&
      emails.some((email) => sameAddress(email, account.email!)) &&
      (only.length === 0 || only.some((email) => sameAddress(email, account.email!))) &&
      (include?.(place, account.key) ?? true),
  )
}

function checkAccountsFilter(identity: Identity, accounts: string[]): void {
  const emails = identity.certificate.emails
  const foreign = accounts.filter((account) => !emails.some((email) => sameAddress(email, account)))
  if (foreign.length > 0) {
    throw new UsageError(`The certificate is not for ${foreign.join(', ')}: it is for ${emails.join(', ')}.`, [
      'Leave out --account to configure every account whose address the certificate names.',
    ])
  }
}

function noMatch(identity: Identity, surveys: ClientSurvey[]): UserError {
  const installed = surveys.filter((survey) => survey.places.length > 0)
  const found = installed.map((survey) => {
    const addresses = [...new Set(survey.places.flatMap((place) => (place.accounts ?? []).map((a) => a.email)).filter((e): e is string => e !== null))]
    return `in ${survey.client.name}: ${addresses.length > 0 ? addresses.join(', ') : 'none'}`
  })
  const where = installed.length === 0 ? 'No mail client with accounts was found on this machine.' : `Addresses found ${found.join('; ')}.`
  return new UserError(`No mail account uses ${identity.certificate.emails.join(' or ')}, so nothing was installed. ${where}`, {
    // The same code as the guided installer's "nothing to set up", so that scripts see one answer.
    code: installed.length === 0 ? 'no-mail-client' : 'no-matching-account',
    exitCode: ExitCode.notForSmime,
    hints: ['Add the account to your mail client first (and start it once), then run mailcert again.', 'Run `mailcert check` to see every account mailcert finds.'],
  })
}

/** Places whose settings cannot be read may hold a matching account: say so, not "no account uses it". */
function unreadableSettings(places: ClientPlace[]): UserError {
  const problems = places.map((place) => place.unreadable!.problem)
  const message = problems.length === 1 ? `${problems[0]}. Nothing was installed.` : `Nothing was installed: ${problems.join('; ')}.`
  return new UserError(message, {code: 'profile-unreadable', exitCode: ExitCode.notForSmime, hints: [...new Set(places.flatMap((place) => place.unreadable!.hints))]})
}

/** No place has an account for the certificate: because some cannot be read, or because none has one. */
function nothingMatches(identity: Identity, surveys: ClientSurvey[]): UserError {
  const unreadable = surveys.flatMap((survey) => survey.places).filter((place) => place.unreadable !== null)
  return unreadable.length > 0 ? unreadableSettings(unreadable) : noMatch(identity, surveys)
}

/**
 * The guided installer's check, right after the certificate is read and before any question: some
 * client has an account with the certificate's address (one of `accounts`, when given).
 */
export function requireMatchingAccount(identity: Identity, surveys: ClientSurvey[], accounts: string[]): void {
  checkAccountsFilter(identity, accounts)
  const emails = identity.certificate.emails
  if (!surveys.some((survey) => survey.places.some((place) => matchingAccounts(place, emails, accounts).length > 0))) throw nothingMatches(identity, surveys)
}

function wantedPlaces(surveys: ClientSurvey[], request: InstallRequest): ClientPlace[] {
  const emails = request.identity.certificate.emails
  return surveys.flatMap((survey) => survey.places.filter((place) => matchingAccounts(place, emails, request.accounts, request.include).length > 0))
}

/** Every busy place, as its own client says it (exit 6), or null. */
function busyError(surveys: ClientSurvey[], busy: ClientPlace[]): UserError {
  const survey = surveys.find((s) => busy.some((place) => place.client === s.client.id))!
  return survey.client.busyError(busy.filter((place) => place.client === survey.client.id))
}

function skippedPlace(place: ClientPlace, reason: string): PlanTarget {
  return {clients: [place.client], label: place.label, location: place.location, accounts: [], steps: [], warnings: [], skip: {code: 'no-matching-identity', reason}}
}

export async function planInstall(request: InstallRequest): Promise<PlannedInstall> {
  // A stored certificate was chosen by the same rules (stored-choice.ts); its key is in the store, not here.
  if (!request.useStored) refuseUnusable(request.identity, request.fromPkcs12, request.now ?? new Date())
  checkAccountsFilter(request.identity, request.accounts)

  let surveys = request.surveys ?? (await surveyClients(request.clients, request.context))
  if (wantedPlaces(surveys, request).length === 0) throw nothingMatches(request.identity, surveys)
  for (;;) {
    const busy = wantedPlaces(surveys, request).filter((place) => place.busy)
    if (busy.length === 0) break
    if (!request.waitForClose || !(await request.waitForClose(busy))) throw busyError(surveys, busy)
    surveys = await surveyClients(request.clients, request.context)
  }

  const plan: Plan = {targets: []}
  const storeAccess: Record<string, string> = {}
  const disposers: Array<() => Promise<void>> = []
  const dispose = async () => {
    for (const release of disposers.reverse()) await release()
  }
  try {
    const parts: ClientPart[] = []
    const wanted = new Set(wantedPlaces(surveys, request))
    for (const survey of surveys) {
      if (!survey.places.some((place) => wanted.has(place))) {
        // A client with no account for the certificate: its places are listed, and nothing is asked of it.
        for (const place of survey.places) if (place.accounts !== null && place.unusable === null) plan.targets.push(skippedPlace(place, `no account uses ${request.identity.certificate.emails.join(' or ')}`))
        continue
      }
      const planned = await survey.client.planInstall(survey, request, request.context)
      disposers.push(() => planned.dispose())
      if (planned.storeAccess) storeAccess[survey.client.id] = planned.storeAccess
      parts.push(...planned.parts)
      plan.targets.push(...planned.others)
    }
    const failures: ExternalError[] = []
    const placeOf = new Map<PlanTarget, string>()
    for (const group of byStore(parts)) {
      const target = await planStoreTarget(group, request, failures)
      placeOf.set(target, group[0]!.place.location)
      plan.targets.push(target)
    }
    // Targets in the order their places were found, as a person reads the list.
    const order = surveys.flatMap((survey) => survey.places.map((place) => place.location))
    const rank = (target: PlanTarget) => order.indexOf(placeOf.get(target) ?? target.location)
    plan.targets.sort((a, b) => rank(a) - rank(b))
    // With nothing else to do, a failure is simply the answer: report it as the error it is.
    if (failures.length > 0 && !plan.targets.some((t) => t.steps.length > 0)) throw failures[0]
    const unreadable = surveys.flatMap((s) => s.places).filter((place) => place.unreadable !== null)
    if (unreadable.length > 0 && !plan.targets.some((t) => t.steps.length > 0)) throw unreadableSettings(unreadable)
  } catch (error) {
    await releasePlan(plan)
    await dispose()
    throw error
  }
  return {plan, storeAccess, dispose}
}

/** The parts that read one store, in the order the clients were surveyed. */
function byStore(parts: ClientPart[]): ClientPart[][] {
  const groups = new Map<string, ClientPart[]>()
  for (const part of parts) groups.set(part.store.ref.location, [...(groups.get(part.store.ref.location) ?? []), part])
  return [...groups.values()]
}

/**
 * One store and the accounts of every client that reads it. A store that a program cannot read
 * fails on its own and the other targets go on (exit 7); the user's own mistakes (a wrong password,
 * a missing answer) still stop everything.
 */
async function planStoreTarget(parts: ClientPart[], request: InstallRequest, failures: ExternalError[]): Promise<PlanTarget> {
  const store = parts[0]!.store
  const clients = [...new Set(parts.map((part) => part.client))]
  const readers = [...new Set(parts.map((part) => part.place.clientName))].join(' and ')
  const label = parts.length === 1 ? parts[0]!.place.label : `${store.ref.label} (${parts.map((part) => part.place.label).join(', ')})`
  const accounts = [...new Set(parts.flatMap((part) => part.accounts))]
  const base = {clients, label, location: store.ref.location, accounts, warnings: [] as string[]}
  try {
    const options = {readers, trustRoot: (root: Certificate) => request.trustRoot(root, store.ref), keepRefused: request.keepRefused}
    if (request.useStored && !store.planUseStored) return {...base, steps: [], skip: {code: 'not-a-system-store', reason: `${readers} cannot use a certificate from ${store.ref.label}`}}
    const planned = request.useStored ? await store.planUseStored!(storedFor(request.identity), options) : await store.planImport(request.identity, options)
    if (planned.failure) return {...base, steps: [], failure: planned.failure}
    // A separate encryption certificate goes into the same store, right after the signing one.
    const encryption = request.encryptionIdentity ? await store.planImport(request.encryptionIdentity, options) : null
    if (encryption?.failure) return {...base, steps: [], failure: encryption.failure}
    const refused = planned.refusedButKept || encryption?.refusedButKept
    const configure = refused ? [] : parts.flatMap((part) => part.configure(planned.imported, encryption?.imported))
    const recorded = (certificate: Certificate) => ({
      sha256: certificate.fingerprints.sha256,
      emails: certificate.emails,
      subject: certificate.subject.text,
      notAfter: certificate.notAfter.toISOString(),
      references: store.references(certificate),
    })
    return {
      ...base,
      steps: [...planned.steps, ...(encryption?.steps ?? []), ...configure],
      warnings: [...new Set([...planned.warnings, ...(encryption?.warnings ?? []), ...(refused ? [] : parts.flatMap((part) => part.warnings))])],
      close: () => store.release(),
      recordAs: {
        store: {kind: store.ref.kind, location: store.ref.location},
        clients,
        label,
        certificate: recorded(request.identity.certificate),
        ...(request.encryptionIdentity ? {encryptionCertificate: recorded(request.encryptionIdentity.certificate)} : {}),
      },
    }
  } catch (error) {
    await store.release()
    if (!(error instanceof ExternalError)) throw error
    failures.push(error)
    return {...base, steps: [], failure: {code: error.code, reason: `${error.tool}: ${error.message}`, hints: error.hints, exitCode: error.exitCode}}
  }
}

/** Close whatever the planned targets hold open (a dry run ends here; apply closes each as it finishes). */
export async function releasePlan(plan: Plan): Promise<void> {
  for (const target of plan.targets) await target.close?.()
}
