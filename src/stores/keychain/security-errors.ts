/**
 * One sentence and an exit code for each error `security` reports to the keychain store. The file
 * mailcert hands to `security import` is its own re-encoding (3DES, SHA-1 MAC, an ASCII password of
 * its own), so a refused password or an unreadable file points at mailcert or at macOS, and says so.
 */
import {ExitCode, type ExternalError, UserError} from '../../errors.js'
import {failed, type SecurityResult, toolSaid} from './security-tool.js'

export interface KeychainPlace {
  keychain: string
  /** What a person recognises: `your login keychain`. */
  label: string
}

/** grantKeyAccess: the command has --grant-key-access (installing an identity does; adding a correspondent's certificate does not). */
export function keychainLocked(place: KeychainPlace, {grantKeyAccess = true}: {grantKeyAccess?: boolean} = {}): UserError {
  const unlock = `Unlock it first (Keychain Access, or \`security unlock-keychain "${place.keychain}"\` in Terminal) and run mailcert again,`
  return new UserError(`${capitalise(place.label)} (${place.keychain}) is locked, and macOS cannot ask for its password here: nothing was changed in it.`, {
    code: 'keychain-locked',
    exitCode: ExitCode.busy,
    hints: grantKeyAccess
      ? [unlock, 'or run mailcert with --grant-key-access and your keychain password (it checks the password by unlocking the keychain), or in a logged-in desktop session, where macOS can ask.']
      : [unlock, 'or run mailcert in a logged-in desktop session, where macOS can ask.'],
  })
}

export function wrongKeychainPassword(place: KeychainPlace): UserError {
  return new UserError(`The keychain password is wrong for ${place.label} (${place.keychain}): nothing was changed.`, {
    code: 'wrong-keychain-password',
    exitCode: ExitCode.wrongPassword,
    hints: [
      'The login keychain password is usually your Mac login password; after an administrator reset it can still be the old one.',
      'Without it, leave the key as macOS imports it: Apple Mail and Outlook then ask once for the keychain password (choose Always Allow).',
    ],
  })
}

export function noSuchKeychain(place: KeychainPlace): UserError {
  return new UserError(`There is no keychain at ${place.keychain}.`, {
    code: 'no-such-keychain',
    exitCode: ExitCode.usage,
    hints: ['Name an existing keychain file with --keychain, or leave it out to use your login keychain.'],
  })
}

/** A failed `security import` of mailcert's own re-encoded file. */
export function importFailed(place: KeychainPlace, result: SecurityResult): UserError | ExternalError {
  switch (result.error) {
    case 'keychain-locked':
      return keychainLocked(place)
    case 'no-such-keychain':
      return noSuchKeychain(place)
    case 'wrong-password':
      return new UserError(`macOS refused the password of the identity file mailcert prepared for it (${toolSaid(result)}); nothing was imported.`, {
        code: 'wrong-password',
        exitCode: ExitCode.wrongPassword,
        hints: ['mailcert re-encodes the file for macOS with a password of its own, so this should not happen: run it again, and if it happens again report it with the output of `mailcert inspect FILE`.'],
      })
    case 'cannot-decode':
      return new UserError(`macOS cannot read the identity file mailcert prepared for it (${toolSaid(result)}); nothing was imported.`, {
        code: 'unreadable-by-macos',
        exitCode: ExitCode.unreadableInput,
        hints: ['The key may be of a kind the macOS keychain cannot hold (only RSA and EC keys are); `mailcert inspect FILE` shows what the file holds.'],
      })
    default:
      return failed('Importing the identity into the keychain', result)
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
