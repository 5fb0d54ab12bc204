/**
 * The command table, in the order of security.c's (a command is found by the first name that the
 * word typed is a prefix of, so `find-c` runs find-certificate). `passwords` names the options
 * that carry a secret: never allowed in the argument list, and shown as *** in the call log.
 */
import {addCertificatesCommand} from './add.mjs'
import {importCommand} from './import.mjs'
import {deleteCertificateCommand, deleteIdentityCommand, getIdentityPreferenceCommand, setIdentityPreferenceCommand} from './identities.mjs'
import {dumpKeychainCommand, findCertificateCommand, findIdentityCommand} from './find.mjs'
import {createKeychainCommand, defaultKeychainCommand, deleteKeychainCommand, listKeychainsCommand, lockKeychainCommand, loginKeychainCommand, setKeychainSettingsCommand, unlockKeychainCommand} from './keychains.mjs'
import {PARTITION_SPEC, setKeyPartitionListCommand} from './partitions.mjs'
import {addTrustedCertCommand, removeTrustedCertCommand} from './trust.mjs'

export const COMMANDS = [
  {name: 'help'},
  {name: 'list-keychains', run: listKeychainsCommand},
  {name: 'default-keychain', run: defaultKeychainCommand},
  {name: 'login-keychain', run: loginKeychainCommand},
  {name: 'create-keychain', run: createKeychainCommand, spec: 'hp:P', passwords: ['p']},
  {name: 'delete-keychain', run: deleteKeychainCommand},
  {name: 'lock-keychain', run: lockKeychainCommand},
  {name: 'unlock-keychain', run: unlockKeychainCommand, spec: 'hp:u', passwords: ['p']},
  {name: 'set-keychain-settings', run: setKeychainSettingsCommand},
  {name: 'set-keychain-password', spec: 'o:p:h', passwords: ['o', 'p']},
  {name: 'show-keychain-info'},
  {name: 'dump-keychain', run: dumpKeychainCommand},
  {name: 'create-keypair'},
  {name: 'add-generic-password', spec: 'a:c:C:D:G:j:l:s:p:w:AT:Uh', passwords: ['p', 'w']},
  {name: 'add-internet-password', spec: 'a:c:C:d:D:j:l:p:P:r:s:t:w:AT:Uh', passwords: ['w']},
  {name: 'add-certificates', run: addCertificatesCommand},
  {name: 'find-generic-password'},
  {name: 'find-internet-password'},
  {name: 'find-certificate', run: findCertificateCommand},
  {name: 'find-identity', run: findIdentityCommand},
  {name: 'delete-certificate', run: deleteCertificateCommand},
  {name: 'delete-identity', run: deleteIdentityCommand},
  {name: 'set-identity-preference', run: setIdentityPreferenceCommand},
  {name: 'get-identity-preference', run: getIdentityPreferenceCommand},
  {name: 'create-db'},
  {name: 'export', spec: 'k:t:f:wpP:o:h', passwords: ['P']},
  {name: 'import', run: importCommand, spec: 'k:t:f:P:wxa:hAT:', start: 2, passwords: ['P']},
  {name: 'cms'},
  {name: 'install-mds'},
  {name: 'add-trusted-cert', run: addTrustedCertCommand},
  {name: 'remove-trusted-cert', run: removeTrustedCertCommand},
  {name: 'dump-trust-settings'},
  {name: 'user-trust-settings-enable'},
  {name: 'trust-settings-export'},
  {name: 'trust-settings-import'},
  {name: 'verify-cert'},
  {name: 'authorize'},
  {name: 'authorizationdb'},
  {name: 'execute-with-privileges'},
  {name: 'leaks'},
  {name: 'error'},
  {name: 'set-key-partition-list', run: setKeyPartitionListCommand, spec: PARTITION_SPEC, passwords: ['k']},
]

export function findCommand(word) {
  return COMMANDS.find((command) => command.name.startsWith(word)) ?? null
}

/**
 * Where the password values are in `args` (a command line, command name first): the indices of
 * the arguments that are a password, and of those that end with one (`-Ppassword`).
 */
export function passwordPositions(command, args) {
  const positions = []
  if (!command?.passwords || !command.spec) return positions
  const takesValue = new Set([...command.spec.matchAll(/(\w):/g)].map((match) => match[1]))
  for (let index = command.start ?? 1; index < args.length; index++) {
    const arg = args[index]
    if (arg === '--' || !arg.startsWith('-') || arg === '-') break
    for (let position = 1; position < arg.length; position++) {
      const flag = arg[position]
      if (!takesValue.has(flag)) continue
      const inline = position + 1 < arg.length
      if (command.passwords.includes(flag)) positions.push(inline ? {index, from: position + 1} : {index: index + 1, from: 0})
      if (!inline) index++
      break
    }
  }
  return positions.filter((position) => position.index < args.length)
}

export function passwordValues(command, args) {
  return passwordPositions(command, args).map(({index, from}) => args[index].slice(from))
}

export function redactPasswords(command, args) {
  const result = [...args]
  for (const {index, from} of passwordPositions(command, args)) result[index] = `${result[index].slice(0, from)}***`
  return result
}
