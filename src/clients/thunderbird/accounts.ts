/**
 * The accounts and identities Thunderbird builds from its prefs (thunderbird-nss.md §2), read the way the mailnews
 * code reads them:
 * - `nsMsgAccountManager::LoadAccounts` splits `mail.accountmanager.accounts` at commas, drops empty pieces and
 *   repeated keys, and does not strip whitespace: Thunderbird 153 given "account1, account2" looks for
 *   `mail.account. account2.server`, finds nothing, and drops that account (tested). It also drops an account
 *   without a `.server`, one whose server another account already has, and one whose server has no type (its
 *   `CreateServer` fails).
 * - `nsMsgAccount::createIdentities` splits `mail.account.<key>.identities` at commas and strips whitespace from
 *   each key. The same identity may serve several accounts; Local Folders has none.
 * - `nsMsgIdentity` reads `mail.identity.<key>.<attribute>` and falls back to `mail.identity.default.<attribute>`
 *   when that is unset or of another type; failing both, Thunderbird's built-in defaults apply
 *   (`mail/extensions/am-e2e/prefs/e2e-prefs.js`).
 */
import {getPref, type PrefsFile, type PrefValue} from './prefs-js.js'

export interface IncomingServer {
  key: string
  /** `imap`, `pop3`, `none` (Local Folders), `nntp`, `rss`, … */
  type: string
  hostname: string | null
  userName: string | null
  /** The account name shown in Thunderbird. */
  name: string | null
}

export interface MailAccount {
  key: string
  server: IncomingServer
  /** In Thunderbird's order; the first is the account's default identity. */
  identityKeys: string[]
}

/** The S/MIME settings Thunderbird uses for an identity (thunderbird-nss.md §2.2). */
export interface SmimeSettings {
  signingCertDbKey: string
  signingCertName: string
  encryptionCertDbKey: string
  encryptionCertName: string
  signMail: boolean
  /** 0: do not encrypt by default; 2: require encryption. */
  encryptionPolicy: number
}

export interface MailIdentity {
  key: string
  email: string | null
  fullName: string | null
  /** The optional label the user gives an identity (`label`), shown after its address. */
  label: string | null
  /** The accounts that use it, in account order. */
  accountKeys: string[]
  smime: SmimeSettings
}

export type SkippedAccountReason = 'no-server' | 'duplicate-server' | 'no-server-type'

export interface AccountModel {
  accounts: MailAccount[]
  identities: MailIdentity[]
  defaultAccountKey: string | null
  /** Keys listed in `mail.accountmanager.accounts` that Thunderbird does not load, and why. */
  skippedAccounts: {key: string; reason: SkippedAccountReason}[]
}

/** The pref attribute behind each S/MIME setting. */
export const SMIME_IDENTITY_ATTRIBUTES = {
  signingCertDbKey: 'signing_cert_dbkey',
  signingCertName: 'signing_cert_name',
  encryptionCertDbKey: 'encryption_cert_dbkey',
  encryptionCertName: 'encryption_cert_name',
  signMail: 'sign_mail',
  encryptionPolicy: 'encryptionpolicy',
} as const satisfies Record<keyof SmimeSettings, string>

/** Thunderbird's own defaults, for prefs that neither the identity nor `mail.identity.default` sets. */
const BUILT_IN_SMIME_SETTINGS: SmimeSettings = {
  signingCertDbKey: '',
  signingCertName: '',
  encryptionCertDbKey: '',
  encryptionCertName: '',
  signMail: false,
  encryptionPolicy: 0,
}

export function identityPrefName(identityKey: string, attribute: string): string {
  return `mail.identity.${identityKey}.${attribute}`
}

type PrefLookup = (name: string) => PrefValue | undefined

/** Later files win, as user.js is read after prefs.js. */
function lookupIn(files: readonly PrefsFile[]): PrefLookup {
  return (name) => {
    for (let index = files.length - 1; index >= 0; index--) {
      const value = getPref(files[index] as PrefsFile, name)
      if (value !== undefined) return value
    }
    return undefined
  }
}

function stringPref(lookup: PrefLookup, name: string): string | null {
  const value = lookup(name)
  return typeof value === 'string' ? value : null
}

/** Mozilla's `StripWhitespace`. */
function stripWhitespace(text: string): string {
  return text.replace(/[\f\t\r\n ]/g, '')
}

function unique(keys: readonly string[]): string[] {
  return [...new Set(keys)]
}

function readServer(lookup: PrefLookup, key: string): IncomingServer | null {
  const type = stringPref(lookup, `mail.server.${key}.type`)
  if (type === null) return null
  return {
    key,
    type,
    hostname: stringPref(lookup, `mail.server.${key}.hostname`),
    userName: stringPref(lookup, `mail.server.${key}.userName`),
    name: stringPref(lookup, `mail.server.${key}.name`),
  }
}

function readIdentityKeys(lookup: PrefLookup, accountKey: string): string[] {
  const list = stringPref(lookup, `mail.account.${accountKey}.identities`) ?? ''
  return unique(list.split(',').map(stripWhitespace).filter((key) => key !== ''))
}

function readAccountList(lookup: PrefLookup): {accounts: MailAccount[]; skippedAccounts: AccountModel['skippedAccounts']} {
  const keys = unique((stringPref(lookup, 'mail.accountmanager.accounts') ?? '').split(',').filter((key) => key !== ''))
  const accounts: MailAccount[] = []
  const skippedAccounts: AccountModel['skippedAccounts'] = []
  for (const key of keys) {
    const serverKey = stringPref(lookup, `mail.account.${key}.server`)
    if (serverKey === null) {
      skippedAccounts.push({key, reason: 'no-server'})
    } else if (accounts.some((account) => account.server.key === serverKey)) {
      skippedAccounts.push({key, reason: 'duplicate-server'})
    } else {
      const server = readServer(lookup, serverKey)
      if (server === null) skippedAccounts.push({key, reason: 'no-server-type'})
      else accounts.push({key, server, identityKeys: readIdentityKeys(lookup, key)})
    }
  }
  return {accounts, skippedAccounts}
}

/** An identity attribute of the wanted type, from the identity, else `mail.identity.default`. */
function identityAttribute<T extends PrefValue>(
  lookup: PrefLookup,
  key: string,
  attribute: string,
  isWanted: (value: PrefValue) => value is T,
): T | null {
  for (const name of [identityPrefName(key, attribute), identityPrefName('default', attribute)]) {
    const value = lookup(name)
    if (value !== undefined && isWanted(value)) return value
  }
  return null
}

const isString = (value: PrefValue): value is string => typeof value === 'string'
const isBoolean = (value: PrefValue): value is boolean => typeof value === 'boolean'
const isNumber = (value: PrefValue): value is number => typeof value === 'number'

function readSmimeSettings(lookup: PrefLookup, key: string): SmimeSettings {
  const text = (setting: 'signingCertDbKey' | 'signingCertName' | 'encryptionCertDbKey' | 'encryptionCertName'): string =>
    identityAttribute(lookup, key, SMIME_IDENTITY_ATTRIBUTES[setting], isString) ?? BUILT_IN_SMIME_SETTINGS[setting]
  return {
    signingCertDbKey: text('signingCertDbKey'),
    signingCertName: text('signingCertName'),
    encryptionCertDbKey: text('encryptionCertDbKey'),
    encryptionCertName: text('encryptionCertName'),
    signMail: identityAttribute(lookup, key, SMIME_IDENTITY_ATTRIBUTES.signMail, isBoolean) ?? BUILT_IN_SMIME_SETTINGS.signMail,
    encryptionPolicy:
      identityAttribute(lookup, key, SMIME_IDENTITY_ATTRIBUTES.encryptionPolicy, isNumber) ?? BUILT_IN_SMIME_SETTINGS.encryptionPolicy,
  }
}

function readIdentity(lookup: PrefLookup, key: string, accounts: readonly MailAccount[]): MailIdentity {
  return {
    key,
    email: identityAttribute(lookup, key, 'useremail', isString),
    fullName: identityAttribute(lookup, key, 'fullName', isString),
    label: identityAttribute(lookup, key, 'label', isString),
    accountKeys: accounts.filter((account) => account.identityKeys.includes(key)).map((account) => account.key),
    smime: readSmimeSettings(lookup, key),
  }
}

/** The account model from prefs.js, optionally followed by user.js (later files win). */
export function readAccounts(prefs: PrefsFile | readonly PrefsFile[]): AccountModel {
  const lookup = lookupIn('source' in prefs ? [prefs] : prefs)
  const {accounts, skippedAccounts} = readAccountList(lookup)
  const identityKeys = unique(accounts.flatMap((account) => account.identityKeys))
  return {
    accounts,
    identities: identityKeys.map((key) => readIdentity(lookup, key, accounts)),
    defaultAccountKey: stringPref(lookup, 'mail.accountmanager.defaultaccount'),
    skippedAccounts,
  }
}
