/**
 * `mailcert remove`: undo what `install` recorded, for some accounts, a client, or everything,
 * with the same plan / apply / report machinery as install (and the same refusal to touch a
 * profile while Thunderbird runs on it).
 */
import {ExitCode, UserError, UsageError} from '../errors.js'
import {type DiscoveryOptions, describeProfile, discoverProfiles, readAccountsOf, type ThunderbirdProfile} from '../clients/thunderbird/discovery.js'
import {sessionHolder} from '../clients/thunderbird/install-steps.js'
import {busyError} from '../clients/thunderbird/profile-lock.js'
import {profileLabel} from '../clients/thunderbird/install-target.js'
import {DeleteIdentityStep, RestoreIdentitiesStep} from '../clients/thunderbird/remove-steps.js'
import type {NssDriver, NssDriverName} from '../stores/nss/nss-driver.js'
import {type Journal, type JournalEntry, newestFirst} from './journal.js'
import {chooseNssDriver} from './nss-driver-choice.js'
import type {Plan, PlanStep, PlanTarget} from './plan.js'

export interface RemoveRequest {
  journal: Journal
  /** Only identities with these addresses; empty for all. */
  accounts: string[]
  clients: string[]
  /** Also take the certificates (and keys) mailcert added out of the databases. */
  deleteIdentity: boolean
  nssDriver: NssDriverName | 'auto'
  machine: DiscoveryOptions
  dbPassword(profile: ThunderbirdProfile): Promise<string>
  waitForClose?(busy: ThunderbirdProfile[]): Promise<boolean>
}

export interface PlannedRemove {
  plan: Plan
  /** Per target of the plan (one per profile), the parts of the journal entries it undoes. */
  selected: JournalEntry[][]
  driver: NssDriver | null
}

const matches = (email: string, accounts: string[]) => accounts.length === 0 || accounts.some((a) => a.toLowerCase() === email.toLowerCase())

/** The part of each entry the request covers. */
export function selectEntries(journal: Journal, accounts: string[], clients: string[]): JournalEntry[] {
  return journal.entries
    .filter((entry) => clients.length === 0 || clients.includes(entry.client))
    .map((entry) => ({...entry, identities: entry.identities.filter((identity) => matches(identity.email, accounts))}))
    .filter((entry) => entry.identities.length > 0 || (accounts.length === 0 && (entry.addedCertificates.length > 0 || entry.trustedRoot !== null)))
}

/**
 * The journal after these selected parts were removed. An entry keeps its certificates while some
 * of its identities remain (they still use them); it goes when nothing of it is left to undo.
 */
export function withoutRemoved(journal: Journal, removed: Array<{entry: JournalEntry; certificatesRemoved: boolean}>): Journal {
  const entries: JournalEntry[] = []
  for (const entry of journal.entries) {
    const done = removed.find((r) => r.entry.sequence === entry.sequence)
    if (!done) {
      entries.push(entry)
      continue
    }
    const identities = entry.identities.filter((identity) => !done.entry.identities.some((gone) => gone.key === identity.key))
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
  const selected = selectEntries(request.journal, request.accounts, request.clients)
  if (selected.length === 0) {
    const known = [...new Set(request.journal.entries.flatMap((e) => e.identities.map((i) => i.email)))]
    throw new UserError(
      request.journal.entries.length === 0
        ? 'mailcert has not set up anything on this machine (for this user), so there is nothing to remove.'
        : `mailcert set up nothing for ${request.accounts.join(', ')}. It set up: ${known.join(', ') || 'certificates only'}.`,
      {code: 'nothing-to-remove', exitCode: ExitCode.usage, hints: ['Run `mailcert check` to see what each account uses.']},
    )
  }

  // Each profile as discovery sees it (its root says whether it is a Snap or Flatpak one), else as recorded.
  const describeAll = async (): Promise<ThunderbirdProfile[]> => {
    const known = await discoverProfiles(request.machine)
    return Promise.all(
      selected.map(
        (entry) =>
          known.find((p) => p.dir === entry.location) ??
          describeProfile(entry.location, {name: entry.profileName, root: {dir: entry.location, packaging: 'standard', sandboxed: false}, isDefault: false}, request.machine),
      ),
    )
  }
  let profiles = await describeAll()
  for (;;) {
    const busy = profiles.filter((p) => p.lock.busy)
    if (busy.length === 0) break
    if (!request.waitForClose || !(await request.waitForClose(busy))) throw busyError(busy)
    profiles = await describeAll()
  }

  const driver = request.deleteIdentity ? await chooseNssDriver(request.nssDriver, profiles, request.machine) : null
  const targets: PlanTarget[] = []
  const perTarget: JournalEntry[][] = []
  for (const location of [...new Set(selected.map((entry) => entry.location))]) {
    const entries = newestFirst(selected.filter((entry) => entry.location === location))
    const profile = profiles[selected.indexOf(entries[0])]
    perTarget.push(entries)
    targets.push(await removeTarget(profile, entries, driver, request))
  }
  return {plan: {targets}, selected: perTarget, driver}
}

/**
 * Undoing every recorded install in one profile. The settings are put back newest install first,
 * so that each one returns to the state the one before it left; only then are certificates taken
 * out, each only when no identity still names it, so no setting is left naming a certificate that
 * this run removed.
 */
async function removeTarget(profile: ThunderbirdProfile, entries: JournalEntry[], driver: NssDriver | null, request: RemoveRequest): Promise<PlanTarget> {
  const newest = entries[0]
  if (profile.prefsState !== 'ok') {
    return {client: newest.client, label: newest.label, location: newest.location, accounts: [], steps: [], warnings: [], skip: {code: 'profile-gone', reason: profile.prefsProblem ?? 'the profile cannot be read'}}
  }
  let dbPassword: string | undefined
  if (driver && (await driver.hasPrimaryPassword(profile.dir))) dbPassword = await request.dbPassword(profile)
  const session = driver ? sessionHolder(() => driver.open(profile.dir, {dbPassword})) : null
  const steps: PlanStep[] = []
  for (const entry of entries) {
    if (entry.identities.length > 0) steps.push(new RestoreIdentitiesStep(profile, entry.identities, async () => session?.release()))
  }
  if (session) {
    const stillUsed = async () => {
      const {accounts} = await readAccountsOf(profile.dir)
      return new Set((accounts?.identities ?? []).flatMap((i) => [i.smime.signingCertDbKey, i.smime.encryptionCertDbKey]).filter(Boolean))
    }
    for (const entry of entries) steps.push(new DeleteIdentityStep(session, entry, stillUsed))
  }
  return {
    client: newest.client,
    label: profileLabel(profile),
    location: newest.location,
    accounts: [...new Set(entries.flatMap((entry) => entry.identities.map((i) => i.email)))],
    steps,
    warnings: [],
    close: async () => session?.release(),
  }
}

export function requireSelection(flags: {account?: string[]; client?: string[]; all?: boolean}, interactive: boolean): void {
  if (interactive || flags.all || (flags.account?.length ?? 0) > 0 || (flags.client?.length ?? 0) > 0) return
  throw new UsageError('What should be removed? Without a terminal mailcert does not ask.', ['Pass --account EMAIL, --client thunderbird, or --all.'])
}
