/**
 * Classic Outlook for Windows as a mail client of mailcert: one place per MAPI profile (the
 * registry under HKCU\Software\Microsoft\Office\16.0\Outlook\Profiles), whose accounts sign and
 * decrypt with a certificate in the user's Windows store that the profile's security settings name
 * by thumbprint. mailcert imports the identity into that store and writes the security setting.
 */
import type {Certificate} from '../../identity/certificate-types.js'
import {canEncrypt} from '../../identity/key-usage.js'
import {type IdentityRecord, type JournalEntry, recordedLeaves} from '../../install/journal.js'
import {matchingAccounts} from '../../install/install-service.js'
import {WINDOWS_THUMBPRINT} from '../../stores/windows/windows-store.js'
import {hostPlatform} from '../../system/platform.js'
import {runningProcesses} from '../../system/windows/kernel32.js'
import {readValue} from '../../system/windows/registry.js'
import type {CorrespondentStore} from '../../contacts/contact-store.js'
import type {
  CheckContext,
  ClientCheckResult,
  ClientContext,
  ClientInstallPlan,
  ClientPart,
  ClientPlace,
  ClientRemoval,
  ClientSurvey,
  InstallChoices,
  MailClient,
  RemoveChoices,
  ReopenedStore,
} from '../client.js'
import {SUPPORT_TABLE, supportRow} from '../support-table.js'
import {windowsCorrespondentStore} from '../windows-store/correspondent-store.js'
import {windowsStoreFor} from '../windows-store/windows-store-for.js'
import {checkProfile} from './check.js'
import {findOutlook, type OutlookInstallation} from './installation.js'
import {outlookRunning, type OutlookProfile, PROFILES_KEY, readProfiles, SECURITY_SETTINGS_VALUE, securityKeyOf} from './profiles.js'
import {decodeSecuritySettings} from './security-settings.js'
import {ConfigureSecurityStep, OUTLOOK, type OutlookCertificates, outlookBusy, RestoreSecurityStep} from './settings-steps.js'

interface OutlookSurvey extends ClientSurvey {
  installation: OutlookInstallation | null
  profiles: OutlookProfile[]
}

/** Outlook's one security setting names the signing and the encryption certificate by thumbprint: the same one, or each half of a pair. */
function securityCertificates(signing: Certificate, encryption: Certificate | undefined): OutlookCertificates {
  const decrypting = encryption ?? signing
  return {signingThumbprint: signing.fingerprints.sha1.toUpperCase(), encryptionThumbprint: canEncrypt(decrypting) ? decrypting.fingerprints.sha1.toUpperCase() : null}
}

class ClassicOutlook implements MailClient {
  readonly id = OUTLOOK
  readonly name = 'Outlook'
  readonly setsSendDefaults = true
  readonly support = SUPPORT_TABLE.filter((row) => row.client === OUTLOOK)

  async survey(context: ClientContext): Promise<OutlookSurvey> {
    const base = {client: this, searchedFor: "Outlook's profiles", searched: [`HKCU\\${PROFILES_KEY}`], installation: null, profiles: []}
    // Only Windows itself can be asked (a Linux test that pretends to be Windows has no registry).
    if (context.machine.os !== 'windows' || hostPlatform() !== 'win32') return {...base, searched: [], program: null, installed: false, places: []}
    const [installation, profiles] = [await findOutlook(), readProfiles()]
    if (!installation && profiles.length === 0) return {...base, program: null, installed: false, places: []}
    const busy = outlookRunning(runningProcesses().map((process) => process.exe))
    const version = installation?.version ? ` ${installation.version}` : ''
    const places: ClientPlace[] = profiles.map((profile) => ({
      client: this.id,
      clientName: this.name,
      name: profile.name,
      noun: 'profile',
      location: profile.key,
      label: `Outlook profile "${profile.name}"`,
      title: `Outlook profile "${profile.name}"${profile.isDefault ? ' (default)' : ''}${version ? ` - Outlook${version}` : ''}${busy ? ' - Outlook is running' : ''}`,
      accounts: profile.accounts,
      unusable: profile.accounts.length === 0 ? 'no mail account in this profile' : null,
      unreadable: null,
      busy,
    }))
    return {...base, program: installation?.exe ?? null, installed: true, places, installation, profiles}
  }

  /** Outlook looks up a recipient's certificate in the user's "Other People" store (CurrentUser\AddressBook), and its issuers in CA. */
  async correspondentStores(survey: ClientSurvey): Promise<CorrespondentStore[]> {
    return survey.installed ? [windowsCorrespondentStore([this.name])] : []
  }

  busyError(): ReturnType<typeof outlookBusy> {
    return outlookBusy()
  }

  async planInstall(survey: ClientSurvey, choices: InstallChoices, context: ClientContext): Promise<ClientInstallPlan> {
    const outlook = survey as OutlookSurvey
    const certificate = choices.identity.certificate
    const store = windowsStoreFor(context.machine, context.flags)
    const parts: ClientPart[] = []
    for (const place of outlook.places) {
      const accounts = matchingAccounts(place, certificate.emails, choices.accounts, choices.include)
      if (accounts.length === 0) continue
      const warnings: string[] = []
      if (choices.signByDefault !== undefined || choices.encryptByDefault !== undefined) warnings.push(`Outlook's sign and encrypt checkboxes apply to every account of profile "${place.name}".`)
      const target = {
        profile: place.name,
        profileKey: place.location,
        securityKey: securityKeyOf(place.location),
        bitness: outlook.installation?.bitness ?? 64,
        accounts: accounts.map((a) => ({key: a.key, email: a.email!})),
      }
      parts.push({
        client: this.id,
        place,
        accounts: target.accounts.map((a) => a.email),
        store,
        warnings,
        configure: () => [new ConfigureSecurityStep(target, securityCertificates(certificate, choices.encryptionIdentity?.certificate), {sign: choices.signByDefault, encrypt: choices.encryptByDefault})],
      })
    }
    return {parts, others: [], storeAccess: null, dispose: async () => {}}
  }

  async check(survey: ClientSurvey, context: CheckContext): Promise<ClientCheckResult | null> {
    if (!survey.installed) return null
    const outlook = survey as OutlookSurvey
    const busy = outlook.places.some((place) => place.busy)
    const profiles = outlook.profiles.map((profile) => checkProfile(profile, outlook.installation, busy, context))
    return {
      check: {
        client: this.id,
        name: this.name,
        program: outlook.program,
        support: supportRow(OUTLOOK, 'windows')!,
        storeAccess: 'crypt32',
        ...(profiles.length === 0 ? {empty: 'no Outlook profile for this user yet: start Outlook once and add your account'} : {}),
        profiles,
      },
      problems: [],
    }
  }

  async planRemoval(place: string, records: IdentityRecord[]): Promise<ClientRemoval> {
    return {
      steps: [new RestoreSecurityStep(place, securityKeyOf(place), records)],
      usesCertificate: async (entry: JournalEntry) => {
        const thumbprints = recordedLeaves(entry).map((leaf) => leaf.references[WINDOWS_THUMBPRINT]).filter((t): t is string => t !== undefined)
        if (thumbprints.length === 0) return false
        for (const profile of readProfiles()) {
          const value = readValue('HKCU', profile.securityKey, SECURITY_SETTINGS_VALUE)
          const decoded = value ? decodeSecuritySettings(value.data) : null
          if (decoded && !('malformed' in decoded) && decoded.settings.some((s) => thumbprints.some((t) => s.signingThumbprint === t || s.encryptionThumbprint === t))) return true
        }
        return false
      },
    }
  }

  async reopenStore(_entry: JournalEntry, _choices: RemoveChoices, context: ClientContext): Promise<ReopenedStore | null> {
    return {store: windowsStoreFor(context.machine, context.flags), storeAccess: null, dispose: async () => {}}
  }

  async systemStore(context: ClientContext): Promise<ReopenedStore> {
    return {store: windowsStoreFor(context.machine, context.flags), storeAccess: null, dispose: async () => {}}
  }

  nextSteps(accounts: string[]): string[] {
    return [
      `Start Outlook and write a message from ${accounts[0] ?? 'your account'}: Options > Sign (and Encrypt) are there. To check the setting: File > Options > Trust Center > Trust Center Settings > Email Security.`,
    ]
  }
}

export const outlook: MailClient = new ClassicOutlook()
