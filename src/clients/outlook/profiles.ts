/**
 * Outlook's MAPI profiles and their accounts, as Outlook 2016 and later keep them in the user's
 * registry (research windows-outlook.md §4.6), and where each profile's security settings live.
 * Account values are REG_SZ in current builds and UTF-16 REG_BINARY in older ones: both are read.
 */
import type {MailAccount} from '../client.js'
import {readSubkeys, readValue, textOf} from '../../system/windows/registry.js'

export const OUTLOOK_KEY = 'Software\\Microsoft\\Office\\16.0\\Outlook'
export const PROFILES_KEY = `${OUTLOOK_KEY}\\Profiles`
/** The profile section {53BC2EC0-D953-11CD-9752-00AA004AE40E} as the registry names it. */
export const SECURITY_SECTION = 'c02ebc5353d9cd11975200aa004ae40e'
/** PR_SECURITY_PROFILES (PT_MV_BINARY 0x0355) and the sign/encrypt checkboxes. */
export const SECURITY_SETTINGS_VALUE = '11020355'
export const SECURITY_FLAGS_VALUE = '00030354'
const ACCOUNTS_SECTION = '9375CFF0413111d3B88A00104B2A6676'

export interface OutlookProfile {
  name: string
  /** Its key under HKCU: the place's location. */
  key: string
  /** The key that holds its security settings. */
  securityKey: string
  isDefault: boolean
  accounts: MailAccount[]
}

export const securityKeyOf = (profileKey: string): string => `${profileKey}\\${SECURITY_SECTION}`

function accountsOf(profileKey: string): MailAccount[] {
  const section = `${profileKey}\\${ACCOUNTS_SECTION}`
  const accounts: MailAccount[] = []
  for (const key of readSubkeys('HKCU', section) ?? []) {
    const value = (name: string) => textOf(readValue('HKCU', `${section}\\${key}`, name))
    const accountName = value('Account Name')
    const email = value('Email') ?? (accountName?.includes('@') ? accountName : null)
    if (email === null && accountName === null) continue
    accounts.push({key, email, name: value('Display Name') ?? accountName})
  }
  return accounts
}

export function readProfiles(): OutlookProfile[] {
  const defaultProfile = textOf(readValue('HKCU', OUTLOOK_KEY, 'DefaultProfile'))
  return (readSubkeys('HKCU', PROFILES_KEY) ?? []).map((name) => {
    const key = `${PROFILES_KEY}\\${name}`
    return {name, key, securityKey: securityKeyOf(key), isDefault: name === defaultProfile, accounts: accountsOf(key)}
  })
}

/** OUTLOOK.EXE runs for this user: its settings must not change under it. */
export function outlookRunning(runningExes: string[]): boolean {
  return runningExes.some((exe) => exe.toLowerCase() === 'outlook.exe')
}
