/**
 * The guided installer looks for the mail accounts it could set up before it asks for anything: with
 * none, the person hears at once what was looked for, where, and what to do, instead of typing a
 * password and answering questions first.
 */
import type {ThunderbirdProfile} from '../../clients/thunderbird/discovery.js'
import {ExitCode, UserError} from '../../errors.js'
import {tildePath} from './file-choice.js'

/** Why mailcert cannot set up anything in this profile, or null when it has an account to set up. */
export function unusableReason(profile: ThunderbirdProfile): string | null {
  if (profile.prefsState === 'missing') return 'Thunderbird has never run with it'
  if (profile.accounts === null) return profile.prefsProblem ?? 'its settings (prefs.js) cannot be read'
  if (!profile.accounts.identities.some((identity) => identity.email !== null)) return 'it has no mail account yet'
  if (profile.database === 'none') return 'it has no certificate database yet (start Thunderbird once with it)'
  return null
}

const HINT_CHECK = 'Run `mailcert check` to see every mail client and account mailcert finds.'

/**
 * Null when some profile has a mail account mailcert can set up; otherwise the error that says so.
 * `searched` are the folders where Thunderbird's profiles were looked for.
 */
export function nothingToConfigure(profiles: ThunderbirdProfile[], searched: string[], home: string): UserError | null {
  const reasons = profiles.map((profile) => ({profile, reason: unusableReason(profile)}))
  if (reasons.some(({reason}) => reason === null)) return null
  if (profiles.length === 0) {
    const where = searched.map((dir) => tildePath(dir, home))
    return new UserError(
      `There is no mail client here for mailcert to set up: it looked for Thunderbird's profiles in ${where.join(', ')} and found none. Nothing was changed.`,
      {
        code: 'no-mail-client',
        exitCode: ExitCode.notForSmime,
        hints: ['Install Thunderbird, start it and add your mail account (the address your certificate is for), then run mailcert again.', HINT_CHECK],
      },
    )
  }
  const found = reasons.map(({profile, reason}) => `profile "${profile.name}" (${tildePath(profile.dir, home)}): ${reason}`)
  return new UserError(`Thunderbird has no mail account for mailcert to set up. ${found.join('; ')}. Nothing was changed.`, {
    code: 'no-mail-client',
    exitCode: ExitCode.notForSmime,
    hints: ['Start Thunderbird and add your mail account (the address your certificate is for), then run mailcert again.', HINT_CHECK],
  })
}
