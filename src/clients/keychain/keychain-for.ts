/**
 * The macOS keychain as the store of Apple Mail and Outlook for Mac: the login keychain (or
 * --keychain), and the programs that will read the key from it, so that one import serves both and
 * the key can be opened to each of them (their partitions) when the user allows it.
 */
import path from 'node:path'

import {KEYCHAIN_STORE_KIND, type KeychainReader, KeychainStore} from '../../stores/keychain/keychain-store.js'
import {locateKeychain} from '../../stores/keychain/locate-keychain.js'
import type {StorePasswordSource, StoreRef} from '../../stores/store.js'
import {findAppBundle} from '../../system/app-bundle.js'
import type {Machine} from '../../system/platform.js'
import type {FlagValues, InstallChoices} from '../client.js'
import {keychainFlag} from './flags.js'

export const MAIL_APP = ['/System/Applications/Mail.app', '/Applications/Mail.app']
export const OUTLOOK_APP = ['/Applications/Microsoft Outlook.app']

/** The partition macOS gives each program's access to a key (research: macos-mail.md §1.4). */
const READERS = [
  {name: 'Apple Mail', partition: 'apple:', bundles: MAIL_APP},
  {name: 'Microsoft Outlook', partition: 'teamid:UBF8T346G9', bundles: OUTLOOK_APP},
]

export const KEYCHAIN_PASSWORD: StorePasswordSource = {
  name: 'keychain password',
  fileFlag: 'keychain-password-file',
  env: 'MAILCERT_KEYCHAIN_PASSWORD',
}

export function keychainRefAt(keychain: string): StoreRef {
  const login = keychain.endsWith('/login.keychain-db') || keychain.endsWith('/login.keychain')
  return {kind: KEYCHAIN_STORE_KIND, location: keychain, label: login ? 'the login keychain' : `the keychain ${path.basename(keychain)}`, password: KEYCHAIN_PASSWORD}
}

/** The keychain the user's mail programs read: --keychain, else the login keychain. */
export async function keychainRef(machine: Machine, flags: FlagValues): Promise<StoreRef> {
  return keychainRefAt(await locateKeychain(machine, keychainFlag(flags)))
}

/** The store, with every installed program that reads it as a reader (the first always counts: it asked). */
export async function keychainStoreFor(machine: Machine, ref: StoreRef, choices: Pick<InstallChoices, 'keyAccess'> | null, asking: string): Promise<KeychainStore> {
  const readers: KeychainReader[] = []
  for (const reader of READERS) if (reader.name === asking || (await findAppBundle(machine, reader.bundles))) readers.push({name: reader.name, partition: reader.partition})
  return new KeychainStore({
    machine,
    keychain: ref.location,
    ref,
    readers,
    keyAccess: async () => {
      const granted = choices ? await choices.keyAccess(ref, readers.map((reader) => reader.name)) : null
      return granted ? {keychainPassword: granted.password} : null
    },
  })
}
