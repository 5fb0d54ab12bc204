/**
 * Which password protects the identity inside a profile. The person's own, normally: they know it,
 * and the installer asks for it. Not when macOS might not take it (empty, or beyond printable ASCII:
 * macOS's own tools read such passwords as ASCII, research §1.1), and not when it goes into the
 * file: a password written into the profile is typed by no one, so a random one keeps the person's
 * own password out of a file that travels.
 */
import {UsageError} from '../errors.js'
import {temporaryPassword} from '../identity/reencode.js'

/** Where the profile's password came from (the password itself is never reported). */
export type ProfilePasswordSource = 'same-as-file' | 'profile-password' | 'chosen' | 'generated'

export type PasswordProblem = 'empty' | 'not-ascii'

export type ProfilePasswordChoice = {password: string; source: ProfilePasswordSource} | {problem: PasswordProblem}

/** Why macOS might not take `password` for the PKCS#12 payload, or null when it will. */
export function profilePasswordProblem(password: string): PasswordProblem | null {
  if (password === '') return 'empty'
  // Printable ASCII also types the same on every keyboard layout.
  return /^[\x20-\x7e]+$/.test(password) ? null : 'not-ascii'
}

/**
 * The password for the profile of a file opened with `filePassword`: `given` (--profile-password-file)
 * when there is one, a generated one when it goes into the profile, else the file's own. A `problem`
 * means the caller must ask the person for one (or refuse).
 */
export function profilePasswordFor(filePassword: string, options: {given?: string; includePassword?: boolean}): ProfilePasswordChoice {
  if (options.given !== undefined) {
    const problem = profilePasswordProblem(options.given)
    if (problem !== null) {
      throw new UsageError(
        `The profile password ${problem === 'empty' ? 'is empty' : 'has characters beyond printable ASCII'}; macOS might not take it.`,
        ['Choose a password of printable ASCII characters (letters, digits, punctuation, spaces).'],
        'profile-password',
      )
    }
    return {password: options.given, source: 'profile-password'}
  }
  if (options.includePassword) return {password: temporaryPassword(), source: 'generated'}
  const problem = profilePasswordProblem(filePassword)
  return problem === null ? {password: filePassword, source: 'same-as-file'} : {problem}
}
