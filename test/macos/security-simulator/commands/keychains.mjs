/** The commands about keychains themselves: which ones there are, creating, locking and unlocking them. */
import {existsSync, rmSync} from 'node:fs'
import path from 'node:path'

import {getopt, has, last} from '../getopt.mjs'
import {emptyKeychain, Keychain, passwordMatches, readPreferences, writeJsonAtomic, writePreferences} from '../keychain.mjs'
import {defaultKeychain, keychainPath, openKeychain, searchKeychains} from '../lookup.mjs'
import {STATUS} from '../status.mjs'

/** display_name(): four spaces and the quoted path. */
const quoted = (file) => `    "${file}"\n`

function listOrSet(sim, argv, which) {
  const {options, rest} = getopt(argv, 'd:hs')
  const domain = last(options, 'd') ?? 'user'
  const preferences = readPreferences(sim.paths)
  if (has(options, 's')) {
    const files = rest.map((name) => keychainPath(sim, name))
    if (which === 'searchList') preferences.searchList = files
    else if (files.length === 1) preferences[which] = files[0]
    else return 2
    writePreferences(sim.paths, preferences)
    return 0
  }
  if (rest.length > 0) return 2
  if (which === 'searchList') {
    const files = domain === 'system' ? [sim.paths.systemKeychain] : domain === 'user' && has(options, 'd') ? preferences.searchList : [...preferences.searchList, sim.paths.systemKeychain]
    for (const file of files) sim.print(quoted(file))
  } else {
    sim.print(quoted(preferences[which]))
  }
  return 0
}

export const loginKeychainCommand = (sim, argv) => listOrSet(sim, argv, 'login')
export const defaultKeychainCommand = (sim, argv) => listOrSet(sim, argv, 'default')
export const listKeychainsCommand = (sim, argv) => listOrSet(sim, argv, 'searchList')

export function createKeychainCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hp:P')
  if (has(options, 'P')) sim.violation('gui-prompt', 'create-keychain -P asks for the password in a SecurityAgent dialog')
  const password = last(options, 'p')
  if (password === undefined) sim.violation('tty-prompt', 'create-keychain without -p reads the new password from the terminal (getpass)')
  const preferences = readPreferences(sim.paths)
  for (const name of rest) {
    const file = name.startsWith('/') ? name : path.join(sim.paths.userKeychains, name)
    if (existsSync(file)) {
      sim.error(`security: SecKeychainCreate ${name}: A keychain with the same name already exists.\n`)
      return -25296
    }
    writeJsonAtomic(file, emptyKeychain(password))
    if (!preferences.searchList.includes(file)) preferences.searchList.push(file)
  }
  writePreferences(sim.paths, preferences)
  return 0
}

export function deleteKeychainCommand(sim, argv) {
  const {rest} = getopt(argv, 'h')
  const preferences = readPreferences(sim.paths)
  for (const name of rest) {
    const keychain = openKeychain(sim, name, 'SecKeychainDelete')
    rmSync(keychain.path, {force: true})
    preferences.searchList = preferences.searchList.filter((file) => file !== keychain.path)
  }
  writePreferences(sim.paths, preferences)
  return 0
}

export function lockKeychainCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'ah')
  const keychains = has(options, 'a') ? searchKeychains(sim, [], 'SecKeychainLockAll') : rest.length > 0 ? [openKeychain(sim, rest[0], 'SecKeychainLock')] : [defaultKeychain(sim, 'SecKeychainLock')]
  for (const keychain of keychains) {
    keychain.data.locked = true
    keychain.save()
  }
  return 0
}

export function unlockKeychainCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hp:u')
  if (rest.length > 1) return 2
  const name = rest[0]
  const password = last(options, 'p')
  if (password === undefined && !has(options, 'u')) sim.violation('tty-prompt', `unlock-keychain without -p reads the password from the terminal (getpass "password to unlock ${name ?? 'default'}: ")`)
  if (has(options, 'u')) sim.violation('gui-prompt', 'unlock-keychain -u asks for the password in a SecurityAgent dialog')
  const keychain = name ? Keychain.open(sim.paths, keychainPath(sim, name)) : defaultKeychain(sim, 'SecKeychainUnlock')
  if (!keychain) {
    sim.error(`security: SecKeychainUnlock ${name}: ${STATUS.noSuchKeychain.message}\n`)
    return STATUS.noSuchKeychain.code
  }
  if (!passwordMatches(keychain.data.password, password)) {
    sim.error(`security: SecKeychainUnlock ${name ?? '<NULL>'}: ${STATUS.authFailed.message}\n`)
    return STATUS.authFailed.code
  }
  keychain.data.locked = false
  keychain.save()
  return 0
}

export function setKeychainSettingsCommand(sim, argv) {
  const {rest} = getopt(argv, 'hlut:')
  if (rest.length > 1) return 2
  return 0
}
