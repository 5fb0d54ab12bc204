/**
 * A store's own password (a certificate database's primary password), when it has one: from
 * --db-password-file or MAILCERT_DB_PASSWORD, else asked at a terminal, else a usage error.
 */
import {UsageError} from '../errors.js'
import type {StoreRef} from '../stores/store.js'
import {readSecretFile} from '../system/secret-input.js'
import {askDbPassword} from './prompts.js'

export async function givenDbPassword(file: string | undefined): Promise<string | undefined> {
  return file === undefined ? process.env.MAILCERT_DB_PASSWORD : readSecretFile(file, '--db-password-file')
}

export function dbPasswordSource(given: string | undefined, interactive: boolean): (store: StoreRef) => Promise<string> {
  return async (store) => {
    if (given !== undefined) return given
    if (interactive) return askDbPassword(store)
    throw new UsageError(`The certificate database of ${store.label} is protected by a primary password, and none was given.`, [
      'Pass --db-password-file FILE or set MAILCERT_DB_PASSWORD.',
    ])
  }
}
