import {Flags} from '@oclif/core'

/** The flags of the macOS keychain that Apple Mail and Outlook for Mac read, for install, check and remove. */
export const keychainFlags = {
  keychain: Flags.file({
    summary: 'Use this keychain file instead of the login keychain (macOS).',
    description: 'For tests and for a keychain made for the purpose; Apple Mail and Outlook read the keychains in the user\'s search list, normally only the login keychain.',
    env: 'MAILCERT_KEYCHAIN',
  }),
  'keychain-password-file': Flags.file({
    summary: 'Read the keychain password from this file (macOS, with --grant-key-access).',
    description: 'The password of the login keychain, usually your Mac login password. MAILCERT_KEYCHAIN_PASSWORD works too. It is used only to let Apple Mail and Outlook use the new key without asking, and never stored.',
    env: 'MAILCERT_KEYCHAIN_PASSWORD_FILE',
    helpGroup: 'PASSWORD',
  }),
}

export function keychainFlag(flags: Record<string, unknown>): string | undefined {
  return flags.keychain as string | undefined
}
