/**
 * The OSStatus values the simulated tool reports, with the message SecCopyErrorMessageString gives
 * for each (what `security` prints after `security: <function>: `). A command that returns an
 * OSStatus makes the tool exit with its low byte (errSecItemNotFound: 44, errSecAuthFailed: 51).
 */
export const STATUS = {
  param: {code: -50, message: 'One or more parameters passed to a function were not valid.'},
  itemNotFound: {code: -25300, message: 'The specified item could not be found in the keychain.'},
  duplicateItem: {code: -25299, message: 'The specified item already exists in the keychain.'},
  authFailed: {code: -25293, message: 'The user name or passphrase you entered is not correct.'},
  noSuchKeychain: {code: -25294, message: 'The specified keychain could not be found.'},
  interactionNotAllowed: {code: -25308, message: 'User interaction is not allowed.'},
  pkcs12VerifyFailure: {code: -25264, message: 'MAC verification failed during PKCS12 import (wrong password?)'},
  decode: {code: -26275, message: 'Unable to decode the provided data.'},
  unknownFormat: {code: -25257, message: 'Unknown format in import.'},
  authorizationCanceled: {code: -60006, message: 'The authorization was canceled by the user.'},
  authorizationInteractionNotAllowed: {code: -60007, message: 'The authorization was denied since no user interaction was possible.'},
}

/** The exit status of a command that returned `code` (the shell sees its low byte). */
export function exitStatus(code) {
  return ((code % 256) + 256) % 256
}
