/**
 * Running macOS's `/usr/bin/security`, and the small queries the keychain store and the Apple Mail
 * client make with it. A command that carries a password (import -P, unlock-keychain -p,
 * set-key-partition-list -k) never goes into the argument list, where `ps` shows it: it is the one
 * line written to `security -q -i`, quoted as the tool's split_line() reads it (research §1.1).
 */
import {createHash} from 'node:crypto'

import {ExternalError} from '../../errors.js'
import {type Machine, systemPath} from '../../system/platform.js'
import {type RunResult, runProgram} from '../../system/run-program.js'
import {classifySecurityError, parseFindCertificate, parseFindIdentity, parseIdentityPreference, parseKeychainPaths, type SecurityErrorCode} from './security-output.js'

export const SECURITY = '/usr/bin/security'

/** security.c reads -i lines into a 4096-byte buffer and splits them into at most 32 arguments. */
const MAX_LINE_BYTES = 4095
const MAX_ARGS = 32

export interface SecurityResult {
  ok: boolean
  exitCode: number | undefined
  stdout: string
  stderr: string
  /** What the error lines mean, when the command failed. */
  error: SecurityErrorCode | null
}

/** One argument as split_line() reads it back: in double quotes, with `"` and `\` escaped. */
export function quoteArgument(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`
}

/** The stdin line for `security -i`: the tool would cut a longer one, or one with a newline, into two commands. */
export function commandLine(args: string[]): string {
  if (args.some((arg) => /[\n\0]/.test(arg))) throw new ExternalError('security', 'A keychain command cannot carry a line break or a NUL character (a path with one?).', {code: 'security-argument'})
  if (args.length > MAX_ARGS) throw new ExternalError('security', `A keychain command has ${args.length} arguments; security reads at most ${MAX_ARGS}.`, {code: 'security-argument'})
  const line = args.map(quoteArgument).join(' ')
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) throw new ExternalError('security', 'A keychain command is longer than security reads in one line (4095 bytes): is a path very long?', {code: 'security-argument'})
  return `${line}\n`
}

function outcome(result: RunResult): SecurityResult {
  if (result.notFound) throw new ExternalError('security', `macOS's security tool is not there (${result.command.split(' ')[0]}).`, {code: 'security-missing'})
  if (result.timedOut) {
    throw new ExternalError('security', 'security did not finish: it may be waiting for a password dialog that no one can answer.', {
      code: 'security-timeout',
      hints: ['Run mailcert in a logged-in session on the Mac itself, so that macOS can show its dialogs.'],
    })
  }
  const ok = result.exitCode === 0
  return {ok, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, error: ok ? null : classifySecurityError(result.stderr)}
}

/** A command without secrets, as arguments. */
export async function runSecurity(machine: Machine, args: string[]): Promise<SecurityResult> {
  return outcome(await runProgram(systemPath(machine, SECURITY), args, {timeoutMs: 60_000}))
}

/** A command with a secret in it: one line on the stdin of `security -q -i` (its exit status is that command's). */
export async function runSecurityWithSecrets(machine: Machine, args: string[]): Promise<SecurityResult> {
  return outcome(await runProgram(systemPath(machine, SECURITY), ['-q', '-i'], {input: commandLine(args), timeoutMs: 60_000}))
}

/** What the tool said, in one line, for an error message (it never prints the passwords it was given). */
export function toolSaid(result: SecurityResult): string {
  const said = result.stderr.trim().split('\n').filter((line) => line !== '').join(' ')
  return said === '' ? `exit status ${result.exitCode}` : said
}

export function failed(what: string, result: SecurityResult): ExternalError {
  return new ExternalError('security', `${what} failed: ${toolSaid(result)}`, {output: result.stderr, code: result.error ?? 'security-failed'})
}

const keychainArgs = (keychain: string | null) => (keychain === null ? [] : [keychain])

// ---------------------------------------------------------------------------------------------------
// Queries

export interface FoundIdentity {
  /** Upper-case hex, as find-identity prints it. */
  sha1: string
  label: string
  /** The CSSM error of the trust evaluation, or null. */
  trustError: string | null
  /** No trust error: macOS accepts it for the policy (S/MIME) and the address. */
  valid: boolean
}

/**
 * `find-identity [-v] -p smime [-s EMAIL] [KEYCHAIN]`: the identities for the address, the one its
 * identity preference names first. validOnly: only those macOS accepts ("Valid identities only");
 * otherwise all that match, each with its trust error. keychain null: the user's search list.
 */
export async function findIdentities(machine: Machine, keychain: string | null, options: {email?: string; validOnly: boolean}): Promise<FoundIdentity[]> {
  const args = ['find-identity', ...(options.validOnly ? ['-v'] : []), '-p', 'smime', ...(options.email ? ['-s', options.email] : []), ...keychainArgs(keychain)]
  const result = await runSecurity(machine, args)
  if (!result.ok) throw failed('Listing the identities in the keychain', result)
  const parsed = parseFindIdentity(result.stdout)
  const lines = options.validOnly ? parsed.valid : (parsed.matching ?? parsed.valid)
  return lines.map((line) => ({...line, valid: line.trustError === null}))
}

/** Every identity in the keychain whatever its use (the basic policy), to see which certificates have their key. */
export async function identitiesIn(machine: Machine, keychain: string): Promise<FoundIdentity[]> {
  const result = await runSecurity(machine, ['find-identity', keychain])
  if (!result.ok) throw failed('Listing the identities in the keychain', result)
  const parsed = parseFindIdentity(result.stdout)
  return (parsed.matching ?? parsed.valid).map((line) => ({...line, valid: line.trustError === null}))
}

export interface KeychainCertificate {
  /** Upper-case hex, computed from the certificate itself. */
  sha1: string
  sha256: string
  der: Buffer
}

const hexDigest = (algorithm: string, der: Buffer) => createHash(algorithm).update(der).digest('hex').toUpperCase()

/** `find-certificate -a [-e EMAIL] -Z -p [KEYCHAIN]`: the certificates, with hashes computed from their bytes. */
export async function findCertificates(machine: Machine, keychain: string | null, options: {email?: string} = {}): Promise<KeychainCertificate[]> {
  const result = await runSecurity(machine, ['find-certificate', '-a', ...(options.email ? ['-e', options.email] : []), '-Z', '-p', ...keychainArgs(keychain)])
  // With -a, nothing found is success; a failure is the keychain itself.
  if (!result.ok) throw failed('Listing the certificates in the keychain', result)
  return parseFindCertificate(result.stdout)
    .filter((block) => block.der !== null)
    .map((block) => ({sha1: hexDigest('sha1', block.der!), sha256: hexDigest('sha256', block.der!), der: block.der!}))
}

/** The identity preference for the address (`get-identity-preference -s EMAIL -Z -c`), or null when there is none. */
export async function identityPreference(machine: Machine, email: string): Promise<{sha1: string; sha256: string | null; commonName: string | null} | null> {
  const result = await runSecurity(machine, ['get-identity-preference', '-s', email, '-Z', '-c'])
  if (!result.ok) {
    if (result.error === 'not-found') return null
    throw failed(`Reading the identity preference for ${email}`, result)
  }
  const preference = parseIdentityPreference(result.stdout)
  if (preference.sha1 === null) throw failed(`Reading the identity preference for ${email}`, {...result, stderr: 'no SHA-1 hash in its output'})
  return {sha1: preference.sha1, sha256: preference.sha256, commonName: preference.commonName}
}

/** `set-identity-preference -s EMAIL -Z SHA1 KEYCHAIN`: macOS then offers that identity first for the address. */
export async function setIdentityPreference(machine: Machine, keychain: string, email: string, sha1: string): Promise<void> {
  const result = await runSecurity(machine, ['set-identity-preference', '-s', email, '-Z', sha1.toUpperCase(), keychain])
  if (!result.ok) throw failed(`Setting the identity preference for ${email}`, result)
}

/** `set-identity-preference -n -s EMAIL`: no preference for the address any more (none is fine). */
export async function clearIdentityPreference(machine: Machine, email: string): Promise<void> {
  const result = await runSecurity(machine, ['set-identity-preference', '-n', '-s', email])
  if (!result.ok && result.error !== 'not-found') throw failed(`Clearing the identity preference for ${email}`, result)
}

/** `security login-keychain`, parsed; null when the tool names none. */
export async function loginKeychain(machine: Machine): Promise<string | null> {
  const result = await runSecurity(machine, ['login-keychain'])
  if (!result.ok) return null
  // Older versions printed the list to stderr.
  return parseKeychainPaths(result.stdout)[0] ?? parseKeychainPaths(result.stderr)[0] ?? null
}
