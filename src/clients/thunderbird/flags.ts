import {Flags} from '@oclif/core'

export const THUNDERBIRD_HELP = `Thunderbird: the key goes into each profile's own certificate database (through NSS's certutil and pk12util, or Thunderbird itself started headless where they are missing), and the matching identities are pointed at it in prefs.js. --profile picks profiles; Thunderbird must be closed.`

/** Thunderbird's own flags, for install, check and remove (the registry adds them to each). */
export const thunderbirdFlags = {
  profile: Flags.directory({
    summary: 'Configure this Thunderbird profile folder (repeatable) instead of the ones listed in profiles.ini.',
    multiple: true,
    env: 'MAILCERT_PROFILE',
    exists: true,
  }),
  'nss-driver': Flags.option({
    summary: 'How to reach Thunderbird\'s certificate database: NSS\'s tools or Thunderbird itself.',
    description: '"auto" uses NSS\'s certutil and pk12util when they are installed and the Thunderbird program otherwise.',
    options: ['auto', 'tools', 'thunderbird'] as const,
    default: 'auto',
    env: 'MAILCERT_NSS_DRIVER',
  })(),
}

export type NssDriverChoice = 'auto' | 'tools' | 'thunderbird'

export function profileFlag(flags: Record<string, unknown>): string[] {
  return (flags.profile as string[] | undefined) ?? []
}

export function nssDriverFlag(flags: Record<string, unknown>): NssDriverChoice {
  return (flags['nss-driver'] as NssDriverChoice | undefined) ?? 'auto'
}
