/**
 * The one list of mail clients mailcert knows. install, check, remove and the guided installer
 * work over it and name no client themselves; adding a client is adding its folder and a line here.
 * The clients' code is loaded only by the commands that use it, so that `--version` and `inspect`
 * do not pay for it.
 */
import type {JournalEntry} from '../install/journal.js'
import type {MailClient} from './client.js'
import {APPLE_MAIL_HELP} from './apple-mail/flags.js'
import {EVOLUTION_HELP, evolutionFlags} from './evolution/flags.js'
import {keychainFlags} from './keychain/flags.js'
import {NEW_OUTLOOK_HELP} from './new-outlook/flags.js'
import {OUTLOOK_HELP} from './outlook/flags.js'
import {OUTLOOK_MAC_HELP} from './outlook-mac/flags.js'
import {profileFlag, THUNDERBIRD_HELP, thunderbirdFlags} from './thunderbird/flags.js'
import {migrateVersion2Entry, type ThunderbirdEntryV2} from './thunderbird/journal-v2.js'
import {windowsStoreFlags} from './windows-store/flags.js'

export const CLIENT_IDS = ['thunderbird', 'evolution', 'apple-mail', 'outlook-mac', 'outlook', 'new-outlook'] as const

/** Every client's own flags (Thunderbird's --profile and --nss-driver, ...), for the commands that take them. */
export const clientFlags = {...thunderbirdFlags, ...evolutionFlags, ...keychainFlags, ...windowsStoreFlags}

/** What each client gets, for the help of install, check and remove. */
export const CLIENTS_HELP = [THUNDERBIRD_HELP, EVOLUTION_HELP, APPLE_MAIL_HELP, OUTLOOK_MAC_HELP, OUTLOOK_HELP, NEW_OUTLOOK_HELP].join('\n\n')

/** The user named the places to configure (Thunderbird's --profile): no checklist of the others then. */
export function placesGiven(flags: Record<string, unknown>): boolean {
  return profileFlag(flags).length > 0
}

export async function mailClients(only: readonly string[] = []): Promise<MailClient[]> {
  const [{thunderbird}, {evolution}, {appleMail}, {outlookForMac}, {outlook}, {newOutlook}] = await Promise.all([
    import('./thunderbird/client.js'),
    import('./evolution/client.js'),
    import('./apple-mail/client.js'),
    import('./outlook-mac/client.js'),
    import('./outlook/client.js'),
    import('./new-outlook/client.js'),
  ])
  const all = [thunderbird, evolution, appleMail, outlookForMac, outlook, newOutlook]
  return only.length === 0 ? all : all.filter((client) => only.includes(client.id))
}

/** Journals before version 3 knew only Thunderbird: their entries are read as Thunderbird's. */
export function migrateLegacyEntry(entry: unknown, sequence: number): JournalEntry {
  return migrateVersion2Entry(entry as ThunderbirdEntryV2, sequence)
}
