import * as Flags from '@oclif/core/flags'

/** `--user NAME`, for the commands that act on a user's stores and mail clients: one spread each. */
export const runAsFlags = {
  user: Flags.string({
    summary: 'Set up this user\'s mail clients and stores, as them, from a mailcert run as root (Linux, macOS).',
    helpValue: 'NAME',
    description:
      'For deployment tools that run as root (Jamf, Ansible, a systemd unit). mailcert reads the files and passwords it was given as root, then runs again as that user: their uid, groups and home, and on macOS inside their login session (launchctl asuser). The passwords reach it through a pipe, never its command line or environment. Without root, only your own name is accepted. Not on Windows: a process running as SYSTEM cannot reach a user\'s CurrentUser store; in Intune, set the Win32 app\'s "Install behavior" to "User" instead (exit 2).',
    env: 'MAILCERT_USER',
  }),
}

export interface RunAsFlagValues {
  user?: string
  'password-stdin'?: boolean
}
