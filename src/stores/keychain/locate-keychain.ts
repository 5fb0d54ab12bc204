/**
 * Which keychain mailcert imports into: the one the user names (`--keychain PATH`, for a CI
 * keychain or another one), else the login keychain as `security login-keychain` reports it
 * (research §1.2: discovered, not hard-coded), else the usual place.
 */
import path from 'node:path'

import {ExternalError} from '../../errors.js'
import type {Machine} from '../../system/platform.js'
import {loginKeychain} from './security-tool.js'

export async function locateKeychain(machine: Machine, given?: string): Promise<string> {
  if (given !== undefined && given !== '') return path.resolve(given)
  const reported = await loginKeychain(machine).catch((error: unknown) => {
    // A tool that cannot be run leaves the usual place; the import then says what is wrong.
    if (error instanceof ExternalError) return null
    throw error
  })
  return reported ?? path.join(machine.home, 'Library', 'Keychains', 'login.keychain-db')
}
