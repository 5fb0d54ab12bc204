/**
 * How well each mail client does S/MIME, per platform: one row of data per client and platform,
 * each with its source, so that `check` can answer "can my mail client sign mail?" for clients that
 * are installed and, with `--all`, for those that are not. `check --all` prints each row's source, so
 * sources are public: the vendor's documentation, or the source file in the client's public
 * repository (the project's research notes say what each one shows).
 */

export type ClientId = 'thunderbird' | 'outlook' | 'new-outlook' | 'outlook-mac' | 'apple-mail' | 'evolution'
export type Platform = 'linux' | 'macos' | 'windows'

export interface SupportRow {
  client: ClientId
  name: string
  platform: Platform
  /** Whether the client can sign and encrypt with S/MIME at all. */
  smime: 'yes' | 'partial' | 'no'
  /** The first version whose S/MIME mailcert's configuration relies on. */
  since: string
  /** Where the client reads the private key from. */
  store: string
  /** What mailcert does for it: configures it fully, imports the key and guides the rest, or only explains. */
  mailcert: 'configures' | 'imports-and-guides' | 'guides'
  /** Whether this mailcert build implements that already (the rest is on the roadmap). */
  implemented: boolean
  notes: string
  /** What a person does by hand where mailcert does not (yet) configure the client. */
  manualSteps?: string[]
  source: string
}

export const SUPPORT_TABLE: readonly SupportRow[] = [
  {
    client: 'thunderbird',
    name: 'Thunderbird',
    platform: 'linux',
    smime: 'yes',
    since: '60 (certificates chosen by dbKey)',
    store: "the profile's own NSS database (cert9.db, key4.db); never the system store",
    mailcert: 'configures',
    implemented: true,
    notes: 'Every profile has its own database and identities; Thunderbird must be closed while prefs.js changes.',
    source: 'https://github.com/mozilla/releases-comm-central/blob/HEAD/mailnews/extensions/smime/nsMsgComposeSecure.cpp (the certificate is found by its dbKey pref); https://github.com/mozilla/releases-comm-central/blob/HEAD/mail/app/profile/all-thunderbird.js (OS certificate stores "do not work for S/MIME")',
  },
  {
    client: 'thunderbird',
    name: 'Thunderbird',
    platform: 'macos',
    smime: 'yes',
    since: '60 (certificates chosen by dbKey)',
    store: "the profile's own NSS database; the macOS keychain is not used for S/MIME",
    mailcert: 'configures',
    implemented: true,
    notes: 'NSS tools come from Homebrew (brew install nss), or mailcert drives Thunderbird itself.',
    source: 'https://github.com/mozilla/releases-comm-central/blob/HEAD/mail/app/profile/all-thunderbird.js (OS certificate stores "do not work for S/MIME"); https://github.com/mozilla/gecko-dev/blob/HEAD/security/manager/ssl/osclientcerts/src/lib.rs (OS-store keys cannot decrypt); https://github.com/mozilla/releases-comm-central/blob/HEAD/mail/installer/package-manifest.in (NSS libraries, no NSS tools)',
  },
  {
    client: 'thunderbird',
    name: 'Thunderbird',
    platform: 'windows',
    smime: 'yes',
    since: '60 (certificates chosen by dbKey)',
    store: "the profile's own NSS database; the Windows certificate store is not used for S/MIME (osclientcerts cannot decrypt)",
    mailcert: 'configures',
    implemented: true,
    notes: 'Windows has no NSS tools: mailcert drives Thunderbird itself to import the key.',
    source: 'https://github.com/mozilla/releases-comm-central/blob/HEAD/mail/app/profile/all-thunderbird.js (OS certificate stores "do not work for S/MIME"); https://github.com/mozilla/gecko-dev/blob/HEAD/security/manager/ssl/osclientcerts/src/lib.rs (OS-store keys cannot decrypt); https://github.com/mozilla/releases-comm-central/blob/HEAD/mail/installer/package-manifest.in (NSS libraries, no NSS tools)',
  },
  {
    client: 'outlook',
    name: 'Outlook (classic)',
    platform: 'windows',
    smime: 'yes',
    since: '2016 (16.0)',
    store: 'Windows certificate store, CurrentUser\\My',
    mailcert: 'configures',
    implemented: true,
    notes: 'Security settings live in the MAPI profile (registry value 11020355); they apply to the whole profile, not per account.',
    source: 'https://github.com/glueckkanja-pki/PKI-Configuration-Tools/blob/HEAD/ActivateSignatures.ps1 and https://github.com/andreighita/mapi-smime-toolkit/blob/HEAD/SecurityProfile.cpp (the security profile in registry value 11020355)',
  },
  {
    client: 'new-outlook',
    name: 'New Outlook for Windows',
    platform: 'windows',
    smime: 'partial',
    since: '2025 builds (reported)',
    store: 'Windows certificate store, CurrentUser\\My',
    mailcert: 'imports-and-guides',
    implemented: true,
    notes: 'No local setting to write: mailcert imports the key and prints the steps. Reported to cover the primary Exchange account only.',
    source: 'https://github.com/MicrosoftDocs/OfficeDocs-DeployOffice/blob/HEAD/microsoft-365-apps/outlook/Security/security-compliance.md (Microsoft: S/MIME in new Outlook); primary account only: a third-party report (rafaelpfister.ch, 2026)',
  },
  {
    client: 'outlook-mac',
    name: 'Outlook for Mac',
    platform: 'macos',
    smime: 'yes',
    since: '16',
    store: 'login keychain',
    mailcert: 'imports-and-guides',
    implemented: true,
    notes: 'No preference selects the certificate per account: the certificate is chosen in the account settings.',
    source: 'https://github.com/MicrosoftDocs/OfficeDocs-DeployOffice/blob/HEAD/microsoft-365-apps/mac/preferences-outlook.md (Outlook for Mac preferences: none selects a certificate)',
  },
  {
    client: 'apple-mail',
    name: 'Apple Mail',
    platform: 'macos',
    smime: 'yes',
    since: 'macOS 10.12 (needs a key usage extension)',
    store: 'login keychain',
    mailcert: 'configures',
    implemented: true,
    notes: 'Mail picks the identity whose address matches the account; mailcert imports it and sets the identity preference.',
    source: 'https://github.com/apple/device-management/blob/HEAD/mdm/profiles/com.apple.security.identitypreference.yaml (identity preference by address); https://github.com/apple/device-management/blob/HEAD/mdm/profiles/com.apple.mail.managed.yaml (S/MIME settings are iOS-only); https://developer.apple.com/documentation/security/ksecpolicyapplesmime (key usage enforced)',
  },
  {
    client: 'evolution',
    name: 'Evolution',
    platform: 'linux',
    smime: 'yes',
    since: '3.x',
    store: 'the shared NSS database (~/.pki/nssdb, or /etc/pki/nssdb where nsssysinit is on)',
    mailcert: 'configures',
    implemented: true,
    notes: 'Identities name the certificate by its NSS nickname in ~/.config/evolution/sources; Evolution and its source registry must be closed while they change.',
    source: 'https://github.com/GNOME/evolution-data-server/blob/HEAD/src/camel/camel.c (the NSS database Evolution opens); https://github.com/GNOME/evolution-data-server/blob/HEAD/src/libedataserver/e-source-smime.c (the per-identity certificate nicknames)',
  },
]

export function platformOf(nodePlatform: NodeJS.Platform): Platform {
  if (nodePlatform === 'win32') return 'windows'
  if (nodePlatform === 'darwin') return 'macos'
  return 'linux'
}

export function supportRow(client: ClientId, platform: Platform): SupportRow | undefined {
  return SUPPORT_TABLE.find((row) => row.client === client && row.platform === platform)
}
