/**
 * From a path to an opened identity, asking for the password only when a person is there to answer:
 * an explicit password (file, stdin, MAILCERT_PASSWORD) gets one try; otherwise the empty password is
 * tried silently, then a masked prompt gets three tries.
 */
import {basename} from 'node:path'

import {UsageError} from '../errors.js'
import type {Identity} from '../identity/identity.js'
import {decodeInput, type FileProtection, type InputFormat, openPkcs12, WrongPassword} from '../identity/input.js'
import {readInputFile} from '../system/input-file.js'
import {readSecretFile, readSecretFromStdin} from '../system/secret-input.js'
import type {PasswordFlagValues} from './password-flags.js'

export const PASSWORD_TRIES = 3

export interface OpenedIdentity {
  path: string
  format: InputFormat
  identity: Identity
  /** Null for a bare certificate. */
  protection: FileProtection | null
}

export type AskPassword = (message: string) => Promise<string>

async function explicitPassword(flags: PasswordFlagValues, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (flags['password-file'] !== undefined) return readSecretFile(flags['password-file'], '--password-file')
  if (flags['password-stdin']) return readSecretFromStdin('--password-stdin')
  return env.MAILCERT_PASSWORD
}

export interface OpenOptions {
  ask?: AskPassword
  env?: NodeJS.ProcessEnv
  /** Called with the password that opened the file, for the one caller that must re-encode under it (`mailcert profile`). */
  onPassword?: (password: string) => void
}

export async function openIdentity(path: string, flags: PasswordFlagValues, options: OpenOptions): Promise<OpenedIdentity> {
  return openIdentityBytes(await readInputFile(path), path, flags, options)
}

/**
 * The same, for bytes already read. The password is used here and then dropped: stores get the identity
 * re-encoded under a temporary password of mailcert's own (reencode.ts).
 */
export async function openIdentityBytes(bytes: Buffer, path: string, flags: PasswordFlagValues, options: OpenOptions): Promise<OpenedIdentity> {
  const input = decodeInput(bytes)
  if (input.kind === 'certificate') return {path, format: input.format, identity: input.identity, protection: null}

  const given = await explicitPassword(flags, options.env ?? process.env)
  const open = async (password: string): Promise<OpenedIdentity> => {
    const opened: OpenedIdentity = {path, format: input.format, ...(await openPkcs12(input, password))}
    options.onPassword?.(password)
    return opened
  }
  if (given !== undefined) return open(given)

  try {
    return await open('')
  } catch (error) {
    if (!(error instanceof WrongPassword)) throw error
  }
  if (!options.ask) {
    throw new UsageError(`${basename(path)} is protected by a password, and none was given.`, [
      'Pass --password-file FILE, or --password-stdin with the password piped in, or set MAILCERT_PASSWORD.',
    ], 'password-required')
  }
  for (let attempt = 1; attempt <= PASSWORD_TRIES; attempt++) {
    const password = await options.ask(attempt === 1 ? `Password for ${basename(path)}:` : `Wrong password. Try again (${attempt} of ${PASSWORD_TRIES}):`)
    try {
      return await open(password)
    } catch (error) {
      if (!(error instanceof WrongPassword) || attempt === PASSWORD_TRIES) throw error
    }
  }
  throw new WrongPassword()
}

export interface SecondPasswordFlagValues {
  'second-password-file'?: string
}

/**
 * The second file of a signing and encryption pair: authorities that issue both usually protect
 * them with one password, so the first file's is tried first (and nobody is asked twice); then
 * --second-password-file or MAILCERT_SECOND_PASSWORD; then, at a terminal, a prompt.
 */
export async function openSecondIdentity(path: string, flags: SecondPasswordFlagValues, firstPassword: string | undefined, options: OpenOptions): Promise<OpenedIdentity> {
  const bytes = await readInputFile(path)
  const env = options.env ?? process.env
  if (firstPassword !== undefined) {
    try {
      return await openIdentityBytes(bytes, path, {}, {...options, env: {MAILCERT_PASSWORD: firstPassword}})
    } catch (error) {
      if (!(error instanceof WrongPassword)) throw error
    }
  }
  const given = flags['second-password-file'] !== undefined ? await readSecretFile(flags['second-password-file'], '--second-password-file') : env.MAILCERT_SECOND_PASSWORD
  if (given !== undefined) return openIdentityBytes(bytes, path, {}, {...options, env: {MAILCERT_PASSWORD: given}})
  if (!options.ask) {
    throw new UsageError(`${basename(path)} does not open with the first file's password, and no other was given.`, [
      'Pass --second-password-file FILE, or set MAILCERT_SECOND_PASSWORD.',
    ], 'password-required')
  }
  return openIdentityBytes(bytes, path, {}, {...options, env: {}})
}
