import {Flags} from '@oclif/core'

/** The flags of the Windows certificate store that both Outlooks read, for install. */
export const windowsStoreFlags = {
  exportable: Flags.boolean({
    summary: 'Let the private key be exported again from the Windows certificate store (Windows).',
    description:
      'By default the key is imported non-exportable: it signs and decrypts, but no program (malware included) can copy it out of the store, and the .p12 file you have stays the only backup. Use this only when you need to move the identity later with certmgr\'s export wizard and have no other copy of the file. MAILCERT_EXPORTABLE=1 works too.',
    env: 'MAILCERT_EXPORTABLE',
    default: false,
  }),
}

export function exportableFlag(flags: Record<string, unknown>): boolean {
  return flags.exportable === true
}
