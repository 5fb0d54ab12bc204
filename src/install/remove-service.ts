/**
 * `mailcert remove`: undo what `install` recorded, for some accounts, a client, or everything,
 * with the same plan / apply / report machinery as install (and the same refusal to touch a place
 * while its client runs on it). One target per store: each client's settings put back first, then,
 * when asked, what the install added to the store, unless an account still names it.
 */
import type {ClientContext, ClientPlace, ClientRemoval, ClientSurvey, MailClient, RemoveChoices, ReopenedStore} from '../clients/client.js'
import {ExitCode, UserError, UsageError} from '../errors.js'
import {type Journal, type JournalEntry, newestFirst, sameAccount} from './journal.js'
import type {Plan, PlanStep, PlanTarget} from './plan.js'
import {surveyClients} from './install-service.js'

export interface RemoveRequest extends RemoveChoices {
  journal: Journal
  /** Only identities with these addresses; empty for all. */
  accounts: string[]
  clients: string[]
  /** `--expired`: only installs of certificates that had expired at this time. */
  expiredAt?: Date
  registry: MailClient[]
  context: ClientContext
  waitForClose?(busy: ClientPlace[]): Promise<boolean>
}

export interface PlannedRemove {
  plan: Plan
  /** Per target of the plan (one per store), the parts of the journal entries it undoes. */
  selected: JournalEntry[][]
  storeAccess: Record<string, string>
  dispose(): Promise<void>
}

const matches = (email: string, accounts: string[]) => accounts.length === 0 || accounts.some((a) => a.toLowerCase() === email.toLowerCase())

/** Whether the entry's certificate had expired at `at`; entries written before mailcert recorded expiry are not known to have. */
export function expiredAt(entry: JournalEntry, at: Date): boolean {
  return entry.certificate.notAfter !== undefined && new Date(entry.certificate.notAfter) < at
}

/** The part of each entry the request covers. */
export function selectEntries(journal: Journal, accounts: string[], clients: string[], expired?: Date): JournalEntry[] {
  return journal.entries
    .filter((entry) => clients.length === 0 || entry.clients.some((client) => clients.includes(client)))
    .filter((entry) => expired === undefined || expiredAt(entry, expired))
    .map((entry) => ({...entry, identities: entry.identities.filter((identity) => matches(identity.email, accounts) && (clients.length === 0 || clients.includes(identity.client)))}))
    .filter((entry) => entry.identities.length > 0 || (accounts.length === 0 && (entry.addedCertificates.length > 0 || entry.trustedRoot !== null)))
}

/**
 * A later install for the same account took over from this one: it recorded the settings this one
 * applied as its `previous` values, and left alone those it did not need to change. With this one
 * gone from the record, the later one answers for both, so that undoing it returns to what was
 * there before this one (not to a certificate that is gone, or that remove was asked to stop using).
 */
function handOver(entries: JournalEntry[], removed: JournalEntry): JournalEntry[] {
  return entries.map((entry) => {
    if (entry.sequence <= removed.sequence) return entry
    const identities = entry.identities.map((identity) => {
      const gone = removed.identities.find((r) => sameAccount(r, identity))
      if (!gone) return identity
      const previous = {...identity.previous}
      const applied = {...identity.applied}
      for (const [name, value] of Object.entries(gone.applied)) {
        if (!(name in previous)) {
          previous[name] = gone.previous[name] ?? null
          applied[name] = value
        } else if (previous[name] === value) {
          previous[name] = gone.previous[name] ?? null
        }
      }
      return {...identity, previous, applied}
    })
    return {...entry, identities}
  })
}

/** Whether a later install (another certificate) set this account since: its settings are that install's now. */
export function supersededAccount(journal: Journal, entry: JournalEntry, identity: JournalEntry['identities'][number]): boolean {
  return journal.entries.some((later) => later.sequence > entry.sequence && later.identities.some((other) => sameAccount(other, identity)))
}

/**
 * The journal after these selected parts were removed. An entry keeps its certificates while some
 * of its identities remain (they still use them); it goes when nothing of it is left to undo.
 */
export function withoutRemoved(journal: Journal, removed: Array<{entry: JournalEntry; certificatesRemoved: boolean}>): Journal {
  let remaining = journal.entries
  for (const done of removed) remaining = handOver(remaining, done.entry)
  const entries: JournalEntry[] = []
  for (const entry of remaining) {
    const done = removed.find((r) => r.entry.sequence === entry.sequence)
    if (!done) {
      entries.push(entry)
      continue
    }
    const identities = entry.identities.filter((identity) => !done.entry.identities.some((gone) => sameAccount(gone, identity)))
    const dropCertificates = done.certificatesRemoved && identities.length === 0
    const rest: JournalEntry = {
      ...entry,
      identities,
      addedCertificates: dropCertificates ? [] : entry.addedCertificates,
      trustedRoot: dropCertificates ? null : entry.trustedRoot,
    }
    if (rest.identities.length > 0 || rest.addedCertificates.length > 0 || rest.trustedRoot !== null) entries.push(rest)
  }
  return {...journal, entries}
}

export async function planRemove(request: RemoveRequest): Promise<PlannedRemove> {
  const selected = selectEntries(request.journal, request.accounts, request.clients, request.expiredAt)
  if (selected.length === 0 && request.expiredAt) return {plan: {targets: []}, selected: [], storeAccess: {}, dispose: async () => {}}
  if (selected.length === 0) {
    const known = [...new Set(request.journal.entries.flatMap((e) => e.identities.map((i) => i.email)))]
    throw new UserError(
      request.journal.entries.length === 0
        ? 'mailcert has not set up anything on this machine (for this user), so there is nothing to remove.'
        : `mailcert set up nothing for ${[...request.accounts, ...request.clients].join(', ')}. It set up: ${known.join(', ') || 'certificates only'}.`,
      {code: 'nothing-to-remove', exitCode: ExitCode.usage, hints: ['Run `mailcert check` to see what each account uses.']},
    )
  }
  const clientOf = (id: string) => request.registry.find((client) => client.id === id)
  const involved = request.registry.filter((client) => selected.some((entry) => entry.clients.includes(client.id)))

  // Nothing may change where a client runs now: ask to close it, or stop (exit 6).
  const places = new Set(selected.flatMap((entry) => entry.identities.map((identity) => identity.place)))
  const busyPlaces = (surveys: ClientSurvey[]) => surveys.flatMap((survey) => survey.places).filter((place) => place.busy && places.has(place.location))
  let surveys = await surveyClients(involved, request.context)
  for (;;) {
    const busy = busyPlaces(surveys)
    if (busy.length === 0) break
    if (!request.waitForClose || !(await request.waitForClose(busy))) {
      const client = clientOf(busy[0]!.client)!
      throw client.busyError(busy.filter((place) => place.client === client.id))
    }
    surveys = await surveyClients(involved, request.context)
  }

  const targets: PlanTarget[] = []
  const perTarget: JournalEntry[][] = []
  const storeAccess: Record<string, string> = {}
  const disposers: Array<() => Promise<void>> = []
  const dispose = async () => {
    for (const release of disposers.reverse()) await release()
  }
  try {
    for (const location of [...new Set(selected.map((entry) => entry.store.location))]) {
      const entries = newestFirst(selected.filter((entry) => entry.store.location === location))
      perTarget.push(entries)
      targets.push(await removeTarget(entries, request, clientOf, storeAccess, disposers))
    }
  } catch (error) {
    for (const target of targets) await target.close?.()
    await dispose()
    throw error
  }
  return {plan: {targets}, selected: perTarget, storeAccess, dispose}
}

/**
 * Undoing every recorded install in one store. The settings are put back newest install first, so
 * that each returns to the state the one before it left; only then are certificates taken out,
 * each only when no account still names it, so no setting is left naming a certificate this run removed.
 */
async function removeTarget(
  entries: JournalEntry[],
  request: RemoveRequest,
  clientOf: (id: string) => MailClient | undefined,
  storeAccess: Record<string, string>,
  disposers: Array<() => Promise<void>>,
): Promise<PlanTarget> {
  const newest = entries[0]!
  const clients = [...new Set(entries.flatMap((entry) => entry.clients))]
  const base = {clients, label: newest.label, location: newest.store.location, accounts: [...new Set(entries.flatMap((entry) => entry.identities.map((i) => i.email)))], warnings: [] as string[]}

  let reopened: ReopenedStore | null = null
  if (request.deleteIdentity) {
    for (const id of newest.clients) {
      reopened = (await clientOf(id)?.reopenStore?.(newest, request, request.context)) ?? null
      if (reopened) break
    }
    if (reopened) {
      disposers.push(() => reopened!.dispose())
      if (reopened.storeAccess) storeAccess[newest.clients[0]!] = reopened.storeAccess
    }
  }
  const beforeWrite = async () => reopened?.store.release()

  const steps: PlanStep[] = []
  const removals: ClientRemoval[] = []
  for (const entry of entries) {
    const groups = new Map<string, typeof entry.identities>()
    // --expired: an account set to a newer certificate since keeps its settings (they are that install's now).
    const restore = entry.identities.filter((identity) => !request.expiredAt || !supersededAccount(request.journal, entry, identity))
    for (const identity of restore) groups.set(`${identity.client}\n${identity.place}`, [...(groups.get(`${identity.client}\n${identity.place}`) ?? []), identity])
    for (const records of groups.values()) {
      const client = clientOf(records[0]!.client)
      if (!client) throw new UsageError(`mailcert's record names a mail client this mailcert does not know (${records[0]!.client}).`, ['Use the mailcert version that installed it to remove it.'])
      const removal = await client.planRemoval(records[0]!.place, records, request.context, beforeWrite)
      if (removal.skip) return {...base, steps: [], skip: removal.skip}
      removals.push(removal)
      steps.push(...removal.steps)
    }
  }
  if (reopened) {
    const store = reopened.store
    for (const entry of entries) {
      // An install that imported nothing (--from-store) used what the store already held: it stays.
      if (entry.addedCertificates.length === 0 && entry.trustedRoot === null) {
        base.warnings.push(`${entry.certificate.subject} stays in ${store.ref.label}: mailcert did not put it there (it came with the store, from MDM or an earlier import).`)
        continue
      }
      const stillUsed = async () => {
        for (const removal of removals) if (await removal.usesCertificate(entry)) return true
        return false
      }
      steps.push(...(await store.planRemoval(entry, stillUsed)))
      if (request.expiredAt) {
        base.warnings.push(
          `The private key of ${entry.certificate.subject} (expired ${entry.certificate.notAfter!.slice(0, 10)}) is deleted from ${store.ref.label}: mail encrypted to that certificate can no longer be read there, unless you install its .p12 file again.`,
        )
      }
    }
  }
  return {...base, steps, close: async () => reopened?.store.release()}
}

/** `--expired` found nothing: say when the first recorded certificate expires, and what is not known. */
export function noneExpired(journal: Journal): string {
  const dated = journal.entries.filter((entry) => entry.certificate.notAfter !== undefined).sort((a, b) => a.certificate.notAfter!.localeCompare(b.certificate.notAfter!))
  const undated = journal.entries.length - dated.length
  const next = dated[0]
  const lines = [
    next === undefined
      ? 'No certificate mailcert installed has expired, so nothing was changed.'
      : `No certificate mailcert installed has expired, so nothing was changed. The first to expire is ${next.certificate.subject}, on ${next.certificate.notAfter!.slice(0, 10)}.`,
  ]
  if (undated > 0) lines.push(`${undated} earlier install${undated === 1 ? ' was' : 's were'} recorded without an expiry date (before mailcert noted it); run \`mailcert check\` to see whether their certificates have expired, and \`mailcert remove --account EMAIL\` to undo one.`)
  return lines.join('\n')
}

export function requireSelection(flags: {account?: string[]; client?: string[]; all?: boolean; expired?: boolean}, interactive: boolean): void {
  if (interactive || flags.all || flags.expired || (flags.account?.length ?? 0) > 0 || (flags.client?.length ?? 0) > 0) return
  throw new UsageError('What should be removed? Without a terminal mailcert does not ask.', ['Pass --account EMAIL, --client CLIENT (see mailcert check), --expired, or --all.'])
}
