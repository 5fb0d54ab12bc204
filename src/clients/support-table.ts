/**
 * How well each mail client does S/MIME, per platform: one row of data per client and platform,
 * each with its source, so that `check` can answer "can my mail client sign mail?" for clients that
 * are installed and, with `--all`, for those that are not. Sources are the research notes in the
 * project's shared research folder (file and section), which cite the primary sources.
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
    source: 'research/thunderbird-nss.md §0, §2.2, §4, §5',
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
    source: 'research/thunderbird-nss.md §1.1, §4.6, §5',
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
    source: 'research/thunderbird-nss.md §1.1, §4.6, §5',
  },
  {
    client: 'outlook',
    name: 'Outlook (classic)',
    platform: 'windows',
    smime: 'yes',
    since: '2016 (16.0)',
    store: 'Windows certificate store, CurrentUser\\My',
    mailcert: 'configures',
    implemented: false,
    notes: 'Security settings live in the MAPI profile (registry value 11020355); they apply to the whole profile, not per account.',
    source: 'research/windows-outlook.md §0, §4',
  },
  {
    client: 'new-outlook',
    name: 'New Outlook for Windows',
    platform: 'windows',
    smime: 'partial',
    since: '2025 builds (reported)',
    store: 'Windows certificate store, CurrentUser\\My',
    mailcert: 'imports-and-guides',
    implemented: false,
    notes: 'No local setting to write: mailcert imports the key and prints the steps. Reported to cover the primary Exchange account only.',
    source: 'research/windows-outlook.md §0.4, §5.2',
  },
  {
    client: 'outlook-mac',
    name: 'Outlook for Mac',
    platform: 'macos',
    smime: 'yes',
    since: '16',
    store: 'login keychain',
    mailcert: 'imports-and-guides',
    implemented: false,
    notes: 'No preference selects the certificate per account: the certificate is chosen in the account settings.',
    source: 'research/windows-outlook.md §0.5, §6',
  },
  {
    client: 'apple-mail',
    name: 'Apple Mail',
    platform: 'macos',
    smime: 'yes',
    since: 'macOS 10.12 (needs a key usage extension)',
    store: 'login keychain',
    mailcert: 'configures',
    implemented: false,
    notes: 'Mail picks the identity whose address matches the account; mailcert imports it and sets the identity preference.',
    source: 'research/macos-mail.md §0; research/anchors.md §1.9',
  },
  {
    client: 'evolution',
    name: 'Evolution',
    platform: 'linux',
    smime: 'yes',
    since: '3.x',
    store: 'the shared NSS database ~/.pki/nssdb',
    mailcert: 'configures',
    implemented: false,
    notes: 'Identities name the certificate by its NSS nickname in ~/.config/evolution/sources.',
    manualSteps: [
      'In Evolution: Edit > Preferences > Certificates > Your Certificates > Import, and choose the .p12 file (same password).',
      'Then Edit > Preferences > Mail Accounts > Edit (your account) > Security > Secure MIME: Select the certificate for signing and for encryption.',
    ],
    source: 'research/thunderbird-nss.md §7',
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
