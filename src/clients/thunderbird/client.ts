/**
 * Thunderbird as a mail client of mailcert: each profile is a place with its own NSS database (a
 * store of its own), its identities are configured in prefs.js, and the database is reached with
 * NSS's tools or with Thunderbird itself (headless) where the tools are missing.
 */
import {ExitCode} from '../../errors.js'
import {type IdentityRecord, type JournalEntry, recordedLeaves} from '../../install/journal.js'
import type {PlanTarget} from '../../install/plan.js'
import {canEncrypt} from '../../identity/key-usage.js'
import {NSS_DBKEY, NssStore} from '../../stores/nss/nss-store.js'
import type {StoreRef} from '../../stores/store.js'
import {contactToolsDriver, nssCorrespondentStore} from '../../contacts/nss-contact-store.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
import type {
  CheckContext,
  ClientContext,
  ClientInstallPlan,
  ClientPart,
  ClientPlace,
  ClientRemoval,
  ClientSurvey,
  InstallChoices,
  MailClient,
  NssDatabasePlace,
  RemoveChoices,
  ReopenedStore,
} from '../client.js'
import {SUPPORT_TABLE} from '../support-table.js'
import {checkThunderbird} from './check.js'
import {describeProfile, discoverProfiles, readAccountsOf, type ThunderbirdProfile} from './discovery.js'
import {nssDriverFlag, profileFlag} from './flags.js'
import {identitiesFor} from './identity-settings.js'
import {ConfigureIdentitiesStep} from './install-steps.js'
import {chooseNssDriver} from './nss-driver-choice.js'
import {busyError} from './profile-lock.js'
import {RestoreIdentitiesStep} from './remove-steps.js'
import {databaseFile, placeOf, profileLabel, profileStoreRef, surveyThunderbird, type ThunderbirdSurvey} from './survey.js'

const PASSWORD_HINT = 'It is the password Thunderbird asks for before it shows saved passwords or certificates (Settings > Privacy & Security > Use a Primary Password).'

function target(profile: ThunderbirdProfile, accounts: string[], outcome: Pick<PlanTarget, 'skip' | 'failure'>): PlanTarget {
  return {clients: ['thunderbird'], label: profileLabel(profile), location: profile.dir, accounts, steps: [], warnings: [], ...outcome}
}

/** The profile as it is now (discovery knows its packaging), else as the journal recorded it. */
async function profileAt(dir: string, context: ClientContext): Promise<ThunderbirdProfile> {
  const known = await discoverProfiles(context.machine)
  return known.find((p) => p.dir === dir) ?? describeProfile(dir, {name: dir, root: {dir, packaging: 'standard', sandboxed: false}, isDefault: false}, context.machine)
}

class Thunderbird implements MailClient {
  readonly id = 'thunderbird'
  readonly name = 'Thunderbird'
  readonly setsSendDefaults = true
  readonly support = SUPPORT_TABLE.filter((row) => row.client === 'thunderbird')

  survey(context: ClientContext): Promise<ThunderbirdSurvey> {
    return surveyThunderbird(this, context.machine, profileFlag(context.flags))
  }

  busyError(busy: ClientPlace[]) {
    return busyError(busy.map((place) => ({name: place.name, dir: place.location})))
  }

  /** Thunderbird looks up a recipient's certificate in the profile's own database, where its own key is. */
  async correspondentStores(survey: ClientSurvey, context: ClientContext): Promise<CorrespondentStore[]> {
    const profiles = (survey as ThunderbirdSurvey).profiles.filter((profile) => profile.database !== 'none')
    return Promise.all(
      profiles.map((profile) => {
        const place = placeOf(profile)
        return nssCorrespondentStore({
          ref: profileStoreRef(profile),
          dir: profile.dir,
          readers: [this.name],
          busy: place.busy ? this.busyError([place]) : null,
          driver: contactToolsDriver(context.machine),
          passwordHint: PASSWORD_HINT,
        })
      }),
    )
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const profiles = (survey as ThunderbirdSurvey).profiles
    const emails = choices.identity.certificate.emails
    const wanted = profiles.filter((p) => p.accounts !== null && identitiesFor(p.accounts.identities, emails, choices.accounts).length > 0)
    const driver = await chooseNssDriver(nssDriverFlag(context.flags), wanted, context.machine)
    const parts: ClientPart[] = []
    const others: PlanTarget[] = []
    for (const profile of profiles) {
      const place = placeOf(profile)
      if (profile.prefsState === 'missing') {
        others.push(target(profile, [], {skip: {code: 'profile-unused', reason: 'Thunderbird has never run with it'}}))
        continue
      }
      if (profile.accounts === null) {
        // Whether one of its accounts uses the certificate cannot be known: a failure, not "no matching account".
        const reason = `${place.unreadable?.problem ?? `prefs.js in ${profile.dir} cannot be read`}; nothing was changed`
        others.push(target(profile, [], {failure: {code: 'profile-unreadable', reason, hints: profile.prefsHints, exitCode: ExitCode.notForSmime}}))
        continue
      }
      const identities = identitiesFor(profile.accounts.identities, emails, choices.accounts).filter((i) => choices.include?.(place, i.key) ?? true)
      if (identities.length === 0) {
        const found = profile.accounts.identities.map((i) => i.email).filter((e): e is string => e !== null)
        const reason = found.length === 0 ? 'it has no mail accounts yet' : `no identity uses ${emails.join(' or ')} (its addresses: ${[...new Set(found)].join(', ')})`
        others.push(target(profile, [], {skip: {code: 'no-matching-identity', reason}}))
        continue
      }
      const accounts = identities.map((i) => i.email!)
      if (profile.database === 'none') {
        // Asked for (its accounts match) and not done: a failure of this target, not a skip.
        others.push(
          target(profile, accounts, {
            failure: {
              code: 'no-nss-database',
              reason: 'it has no certificate database yet, so nothing was installed there',
              hints: ['Start Thunderbird once with this profile (it creates its certificate database), close it, and run mailcert again.'],
              exitCode: ExitCode.notForSmime,
            },
          }),
        )
        continue
      }
      const store = new NssStore({ref: profileStoreRef(profile), dir: profile.dir, databaseFile: databaseFile(profile), driver, storePassword: choices.storePassword, passwordHint: PASSWORD_HINT})
      const encryptionCertificate = choices.encryptionIdentity?.certificate
      const encrypt = canEncrypt(encryptionCertificate ?? choices.identity.certificate)
      parts.push({
        client: this.id,
        place,
        accounts,
        store,
        warnings: encrypt ? [] : ['The certificate cannot be used for encryption: only signing is set up.'],
        configure: (imported, encryption) => [
          new ConfigureIdentitiesStep(
            profile,
            identities.map((i) => ({key: i.key, email: i.email!})),
            {certificate: choices.identity.certificate, encryptionCertificate, canEncrypt: encrypt, signByDefault: choices.signByDefault, encryptByDefault: choices.encryptByDefault},
            // A Thunderbird driving the database must have quit before prefs.js changes.
            () => store.release(),
            {signing: imported.accepted.signing, encryption: (encryption ?? imported).accepted.encryption},
          ),
        ],
      })
    }
    return {parts, others, storeAccess: driver.name, dispose: () => driver.dispose()}
  }

  check(survey: ClientSurvey, context: CheckContext) {
    return checkThunderbird(survey as ThunderbirdSurvey, context)
  }

  async planRemoval(place: string, records: IdentityRecord[], context: ClientContext, beforeWrite: () => Promise<void>): Promise<ClientRemoval> {
    const profile = await profileAt(place, context)
    if (profile.prefsState !== 'ok') {
      return {steps: [], skip: {code: 'profile-gone', reason: profile.prefsProblem ?? 'the profile cannot be read'}, usesCertificate: async () => true}
    }
    return {
      steps: [new RestoreIdentitiesStep(profile, records, beforeWrite)],
      usesCertificate: async (entry: JournalEntry) => {
        const dbKeys = recordedLeaves(entry).map((leaf) => leaf.references[NSS_DBKEY]).filter((k): k is string => k !== undefined)
        const {accounts} = await readAccountsOf(profile.dir, context.machine.platform)
        return (accounts?.identities ?? []).some((i) => dbKeys.some((dbKey) => i.smime.signingCertDbKey === dbKey || i.smime.encryptionCertDbKey === dbKey))
      },
    }
  }

  async reopenStore(entry: JournalEntry, choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    const profile = await profileAt(entry.store.location, context)
    if (profile.database === 'none') return null
    const driver = await chooseNssDriver(nssDriverFlag(context.flags), [profile], context.machine)
    const ref: StoreRef = profileStoreRef(profile)
    const store = new NssStore({ref, dir: profile.dir, databaseFile: databaseFile(profile), driver, storePassword: choices.storePassword, passwordHint: PASSWORD_HINT})
    return {store, storeAccess: driver.name, dispose: () => driver.dispose()}
  }

  async nssDatabases(survey: ClientSurvey): Promise<NssDatabasePlace[]> {
    const profiles = (survey as ThunderbirdSurvey).profiles.filter((p) => p.database !== 'none')
    // The default profile first: where a person who has one profile in use keeps the key.
    return [...profiles]
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault))
      .map((profile) => ({ref: profileStoreRef(profile), dir: profile.dir, names: [profile.name, profile.dir], passwordHint: PASSWORD_HINT}))
  }

  nextSteps(accounts: string[]): string[] {
    return [
      'Start Thunderbird (or restart it, if it was open while mailcert worked).',
      `Write a message to yourself from ${accounts[0] ?? 'your account'}; under Security, "Digitally Sign" is now on or one click away. Send it, and look for the signature mark when it arrives.`,
    ]
  }
}

export const thunderbird: MailClient = new Thunderbird()
