/**
 * A Thunderbird profile's primary password, when its certificate database has one: from
 * --db-password-file or MAILCERT_DB_PASSWORD, else asked at a terminal, else a usage error.
 */
import {UsageError} from '../errors.js'
import {readSecretFile} from '../system/secret-input.js'
import {askDbPassword} from './prompts.js'

export async function givenDbPassword(file: string | undefined): Promise<string | undefined> {
  return file === undefined ? process.env.MAILCERT_DB_PASSWORD : readSecretFile(file, '--db-password-file')
}

export function dbPasswordSource(given: string | undefined, interactive: boolean): (profile: {name: string}) => Promise<string> {
  return async (profile) => {
    if (given !== undefined) return given
    if (interactive) return askDbPassword(profile.name)
    throw new UsageError(`The Thunderbird profile "${profile.name}" is protected by a primary password, and none was given.`, [
      'Pass --db-password-file FILE or set MAILCERT_DB_PASSWORD.',
    ])
  }
}
