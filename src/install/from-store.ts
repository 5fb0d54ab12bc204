/**
 * `mailcert install --from-store`: the identity is already in the operating system's store (MDM,
 * SCEP, a Jamf profile put it there) and only the mail clients need setting up. Each client that
 * reads such a store says which (MailClient.systemStore); the store lists what it holds; each
 * address gets the newest usable certificate (stored-choice.ts); then the usual planning runs once
 * per chosen certificate with the store's plan that imports nothing. Clients with a database of
 * their own (Thunderbird) cannot be served and are listed as skipped, with what to do instead.
 */
import type {ClientPlace, ClientSurvey, MailClient} from '../clients/client.js'
import {ExitCode, UserError} from '../errors.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {CertificateStore, StoredCertificate, StoreRef} from '../stores/store.js'
import {type InstallRequest, planInstall, type PlannedInstall, surveyClients} from './install-service.js'
import type {Plan, PlanTarget} from './plan.js'
import {chooseStoredIdentity, describeStored, type StoredChoice, storedAsIdentity} from './stored-choice.js'
import {sameAddress} from '../identity/same-address.js'

export type FromStoreRequest = Omit<InstallRequest, 'identity' | 'fromPkcs12' | 'useStored'>

export interface StoreChoice extends StoredChoice {
  store: StoreRef
  /** The clients reading the store, for sentences: `Evolution`, `Outlook and new Outlook`. */
  readers: string
}

export interface PlannedFromStore extends PlannedInstall {
  choices: StoreChoice[]
  /** The certificates chosen, once each. */
  certificates: Certificate[]
}

export const OWN_DATABASE_HINT = 'Export the identity from the system store to a .p12 file (with its private key), or get the .p12 from your certificate authority or IT department, then run: mailcert install FILE'

const uniqueAddresses = (emails: string[]) => [...new Map(emails.map((e) => [e.toLowerCase(), e])).values()]

function ownDatabase(place: ClientPlace): PlanTarget {
  return {
    clients: [place.client],
    label: place.label,
    location: place.location,
    accounts: [],
    steps: [],
    warnings: [],
    skip: {code: 'own-certificate-database', reason: `${place.clientName} keeps its own certificate database and cannot use the system store. ${OWN_DATABASE_HINT}`},
  }
}

/** The places a client could configure, and their accounts' addresses (narrowed to --account). */
function addressesOf(places: ClientPlace[], only: readonly string[]): string[] {
  return narrowed(places.flatMap((place) => (place.accounts ?? []).map((a) => a.email)).filter((e): e is string => e !== null), only)
}

function narrowed(emails: string[], only: readonly string[]): string[] {
  return uniqueAddresses(emails.filter((email) => only.length === 0 || only.some((o) => sameAddress(o, email))))
}

interface StoreGroup {
  store: CertificateStore
  clients: MailClient[]
  surveys: ClientSurvey[]
  emails: string[]
  /** A client that takes every address of the certificate (Outlook for Mac): every stored address counts. */
  anyAddress: boolean
}

function noStoredIdentity(choices: StoreChoice[], skipped: PlanTarget[], groups: number): UserError {
  const where = choices.length > 0 ? choices.map((c) => `${c.store.label}: ${c.why}`).join('; ') : groups === 0 ? 'no mail client found here reads a system certificate store' : 'no account address to look for'
  const thunderbird = skipped.length > 0 ? ` ${[...new Set(skipped.map((t) => t.skip!.reason.split('.')[0]))].join('. ')}.` : ''
  return new UserError(`No usable S/MIME certificate with its private key is in the system store, so nothing was set up (${where}).${thunderbird}`, {
    code: 'no-stored-identity',
    exitCode: ExitCode.notForSmime,
    hints: [
      'If your organisation delivers the certificate by MDM (Intune, SCEP, Jamf), check that the profile reached this device and user, then run mailcert again.',
      'With a .p12 file from your certificate authority: mailcert install FILE',
      'Run `mailcert check` to see the certificates each mail client finds.',
    ],
  })
}

interface Chosen {
  group: StoreGroup
  /** Per chosen certificate (SHA-256), the certificate and the addresses it was chosen for. */
  certificates: Map<string, {stored: StoredCertificate; emails: string[]}>
}

interface StoreChoices {
  chosen: Chosen[]
  choices: StoreChoice[]
  /** The places of clients with a database of their own. */
  skipped: PlanTarget[]
  storesRead: number
}

/** The system stores the clients read, what each holds for their addresses, and the choice per address. */
async function chooseFromStores(request: FromStoreRequest, surveys: ClientSurvey[], disposers: Array<() => Promise<void>>): Promise<StoreChoices> {
  const now = request.now ?? new Date()
  const skipped: PlanTarget[] = []
  const groups = new Map<string, StoreGroup>()
  for (const survey of surveys) {
    const places = survey.places.filter((place) => place.accounts !== null && place.unusable === null && place.unreadable === null)
    const emails = addressesOf(places, request.accounts)
    const anyAddress = places.some((place) => place.takesCertificateAddresses)
    if (emails.length === 0 && !anyAddress) continue
    if (!survey.client.systemStore) {
      skipped.push(...places.map(ownDatabase))
      continue
    }
    const opened = await survey.client.systemStore(request.context, request)
    disposers.push(() => opened.dispose())
    const group = groups.get(opened.store.ref.location) ?? {store: opened.store, clients: [], surveys: [], emails: [], anyAddress: false}
    group.clients.push(survey.client)
    group.surveys.push(survey)
    group.emails = uniqueAddresses([...group.emails, ...emails])
    group.anyAddress ||= anyAddress
    groups.set(opened.store.ref.location, group)
  }

  const choices: StoreChoice[] = []
  const chosen: Chosen[] = []
  for (const group of groups.values()) {
    const store = group.store
    let stored: StoredCertificate[]
    try {
      stored = (await store.storedIdentities?.(group.anyAddress ? [] : group.emails)) ?? []
    } finally {
      await store.release()
    }
    const emails = group.anyAddress ? uniqueAddresses([...group.emails, ...narrowed(stored.flatMap((s) => s.certificate.emails), request.accounts)]) : group.emails
    const readers = [...new Set(group.surveys.flatMap((s) => s.places.map((p) => p.clientName)))].join(' and ')
    const certificates = new Map<string, {stored: StoredCertificate; emails: string[]}>()
    for (const email of emails) {
      const choice = chooseStoredIdentity(stored, email, now)
      choices.push({...choice, store: store.ref, readers})
      if (!choice.chosen) continue
      const sha256 = choice.chosen.certificate.fingerprints.sha256
      certificates.set(sha256, {stored: choice.chosen, emails: [...(certificates.get(sha256)?.emails ?? []), email]})
    }
    if (certificates.size > 0) chosen.push({group, certificates})
  }
  return {chosen, choices, skipped, storesRead: groups.size}
}

/**
 * For the guided installer, before it asks for a file: what the system stores hold that could be
 * used (the addresses with a chosen certificate), without planning anything.
 */
export async function usableStoredIdentities(request: FromStoreRequest, surveys: ClientSurvey[]): Promise<StoreChoice[]> {
  const disposers: Array<() => Promise<void>> = []
  try {
    return (await chooseFromStores(request, surveys, disposers)).choices.filter((c) => c.chosen !== null)
  } finally {
    for (const release of disposers.reverse()) await release()
  }
}

export async function planFromStore(request: FromStoreRequest): Promise<PlannedFromStore> {
  const surveys = request.surveys ?? (await surveyClients(request.clients, request.context))
  const disposers: Array<() => Promise<void>> = []
  const dispose = async () => {
    for (const release of disposers.reverse()) await release()
  }
  try {
    const {chosen, choices, skipped, storesRead} = await chooseFromStores(request, surveys, disposers)
    const plans: PlannedInstall[] = []
    for (const {group, certificates} of chosen) {
      for (const {stored, emails} of certificates.values()) {
        const planned = await planInstall({...request, identity: storedAsIdentity(stored), fromPkcs12: true, useStored: true, accounts: emails, clients: group.clients, surveys: group.surveys})
        disposers.push(() => planned.dispose())
        plans.push(planned)
      }
    }
    if (plans.length === 0) throw noStoredIdentity(choices, skipped, storesRead)

    const plan: Plan = {targets: [...mergeTargets(plans), ...unserved(choices), ...skipped]}
    const certificates = [...new Map(choices.filter((c) => c.chosen).map((c) => [c.chosen!.certificate.fingerprints.sha256, c.chosen!.certificate])).values()]
    return {plan, storeAccess: Object.assign({}, ...plans.map((p) => p.storeAccess)), dispose, choices, certificates}
  } catch (error) {
    await dispose()
    throw error
  }
}

/** Each plan's targets; a place another certificate's plan configures is not also listed as skipped. */
function mergeTargets(plans: PlannedInstall[]): PlanTarget[] {
  const targets = plans.flatMap((p) => p.plan.targets)
  const configured = new Set(targets.filter((t) => !t.skip).flatMap((t) => [t.location, t.label]))
  const seen = new Set<string>()
  return targets.filter((t) => {
    if (!t.skip) return true
    if (configured.has(t.location) || seen.has(t.location)) return false
    seen.add(t.location)
    return true
  })
}

/** Addresses for which the store holds nothing usable while others were served: said in the plan. */
function unserved(choices: StoreChoice[]): PlanTarget[] {
  return choices
    .filter((c) => c.chosen === null)
    .map((c) => ({clients: [], label: `${c.readers} (${c.email})`, location: c.store.location, accounts: [], steps: [], warnings: [], skip: {code: 'no-stored-identity', reason: `${c.why} in ${c.store.label}`}}))
}

/** One line per address: which certificate, from which store, and why. */
export function describeChoices(choices: StoreChoice[]): string[] {
  return choices.filter((c) => c.chosen).map((c) => `${c.email}: ${describeStored(c.chosen!.certificate)} from ${c.store.label}, ${c.why}`)
}
