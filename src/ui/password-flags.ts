import * as Flags from '@oclif/core/flags'

/**
 * How scripts hand over the PKCS#12 password. There is deliberately no `--password VALUE`: a value
 * on the command line is visible to every user in the process list.
 */
export const passwordFlags = {
  'password-file': Flags.file({
    summary: 'Read the PKCS#12 password from this file (one trailing newline is ignored).',
    description:
      'Keep the file readable only by you (chmod 600). It must be a regular file of at most 64 KiB; for a pipe, use --password-stdin. MAILCERT_PASSWORD works too, for environments that inject secrets as variables (mailcert keeps it from the programs it starts).',
    env: 'MAILCERT_PASSWORD_FILE',
    exclusive: ['password-stdin'],
    helpGroup: 'PASSWORD',
  }),
  'password-stdin': Flags.boolean({
    summary: 'Read the PKCS#12 password from standard input (one trailing newline is ignored).',
    description: 'At most 64 KiB is read; more is refused as not a password (exit 2).',
    env: 'MAILCERT_PASSWORD_STDIN',
    exclusive: ['password-file'],
    helpGroup: 'PASSWORD',
  }),
}

/** install's second file (a separate encryption certificate), when its password is not the first file's. */
export const secondPasswordFlags = {
  'second-password-file': Flags.file({
    summary: "Read the second file's password from this file, when it is not the first file's.",
    description: 'Only for `install SIGN.p12 ENC.p12`: the first file\'s password is tried on the second file first. MAILCERT_SECOND_PASSWORD works too.',
    env: 'MAILCERT_SECOND_PASSWORD_FILE',
    helpGroup: 'PASSWORD',
  }),
}

export interface PasswordFlagValues {
  'password-file'?: string
  'password-stdin'?: boolean
}
