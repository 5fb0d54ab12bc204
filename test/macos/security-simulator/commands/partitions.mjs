/**
 * `set-key-partition-list -S list [filters] [-k password] [keychain...]` (research §1.4): it unlocks
 * the keychain with the password (SecKeychainUnlock), then replaces the partition list of every key
 * that matches the filters, printing each key's attributes.
 */
import {getopt, has, last} from '../getopt.mjs'
import {passwordMatches} from '../keychain.mjs'
import {defaultKeychain, openKeychain} from '../lookup.mjs'
import {keyDump} from '../output.mjs'
import {STATUS} from '../status.mjs'

export const PARTITION_SPEC = 'a:c:dD:ej:l:rst:uk:S:h'

export function setKeyPartitionListCommand(sim, argv) {
  const {options, rest} = getopt(argv, PARTITION_SPEC)
  const list = last(options, 'S')
  if (list === undefined) return 2
  const password = last(options, 'k')
  if (password === undefined) sim.violation('missing-keychain-password', 'set-key-partition-list without -k reads the keychain password from the terminal (getpass "password to unlock <keychain>: ")')
  const label = last(options, 'l')
  const description = last(options, 'D')
  const application = last(options, 'a')
  const identifying = ['a', 'c', 'D', 'j', 'l'].some((flag) => has(options, flag))
  if (!identifying) sim.violation('unfiltered-partition-list', 'set-key-partition-list without -l (or another filter naming the key) rewrites the partition list of every matching key in the keychain')
  const keychains = rest.length > 0 ? rest.map((name) => openKeychain(sim, name, 'SecKeychainUnlock')) : [defaultKeychain(sim, 'SecKeychainUnlock')]
  const type = last(options, 't')
  for (const keychain of keychains) {
    if (!passwordMatches(keychain.data.password, password)) {
      sim.error(`security: SecKeychainUnlock: ${STATUS.authFailed.message}\n`)
      return STATUS.authFailed.code
    }
    keychain.data.locked = false
    for (const key of keychain.data.keys) {
      if (type !== undefined && type !== 'private') continue
      if (label !== undefined && key.label !== label) continue
      if (description !== undefined && key.label !== description) continue
      if (application !== undefined && key.publicKeyHash !== application.toUpperCase()) continue
      // The simulated keys have no creator or comment attribute: such a filter matches none of them.
      if (has(options, 'c') || has(options, 'j')) continue
      if (has(options, 's') && !key.canSign) continue
      if (has(options, 'd') && !key.canDecrypt) continue
      if (has(options, 'r') && !key.canDerive) continue
      if (has(options, 'e') || has(options, 'u')) continue
      key.partitions = list.split(',').filter((partition) => partition !== '')
      sim.print(keyDump(keychain, key))
    }
    keychain.save()
  }
  return 0
}
