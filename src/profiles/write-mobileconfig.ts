/**
 * Writing a person's configuration profile: the identity re-encoded as every macOS reads it (3DES,
 * SHA-1 MAC) under the password the installer will ask for, the profile around it, optionally
 * signed, written atomically and readable by its owner only, since it holds a private key.
 *
 * An existing file is replaced only when asked (force), and without a backup: the old file is an
 * earlier profile with a private key in it, and a copy of that is exactly what must not be left.
 */
import {chmod, lstat} from 'node:fs/promises'

import {ExitCode, UsageError, UserError} from '../errors.js'
import type {Identity} from '../identity/identity.js'
import {reencodeIdentity} from '../identity/reencode.js'
import {writeFileAtomic} from '../system/atomic-file.js'
import {xmlPlist} from '../system/plist.js'
import {writeFailureReason} from '../system/write-failure.js'
import {buildMobileconfig, type MobileconfigOptions, type ProfilePayload} from './mobileconfig.js'
import {profilePasswordProblem} from './profile-password.js'
import {signProfile} from './sign-profile.js'

export interface WriteMobileconfigOptions extends Omit<MobileconfigOptions, 'includedPassword'> {
  /** Where to write it. */
  path: string
  /** Replace a file already there. */
  force?: boolean
  /** Put the password into the profile (anyone with the file can then install the key). */
  includePassword?: boolean
  /** Sign the profile (CMS SignedData, DER) with this identity. */
  signer?: Identity
  now?: Date
}

export interface CertificateSummary {
  subject: string
  fingerprintSha256: string
}

export interface WrittenMobileconfig {
  path: string
  identifier: string
  uuid: string
  displayName: string
  payloads: ProfilePayload[]
  root: CertificateSummary | null
  signer: CertificateSummary | null
  passwordIncluded: boolean
  bytes: number
}

function summary(certificate: Identity['certificate']): CertificateSummary {
  return {subject: certificate.subject.text, fingerprintSha256: certificate.fingerprints.sha256}
}

function unwritable(path: string, error: NodeJS.ErrnoException): UserError {
  const reason = writeFailureReason(error)
  if (reason === undefined) throw error
  return new UserError(`The profile could not be written to ${path}: ${reason}.`, {
    code: 'profile-unwritable',
    exitCode: error.code === 'ENOSPC' ? ExitCode.unexpected : ExitCode.usage,
    hints: ['Name another file with --out, in a folder you can write to.'],
  })
}

/** Refuse an existing file unless `force`; a file to be replaced is first made private (it holds a key too). */
async function prepareTarget(path: string, force: boolean): Promise<void> {
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw unwritable(path, error)
  })
  if (existing === null) return
  if (!existing.isFile()) throw new UsageError(`${path} exists and is not a file; the profile was not written.`, ['Name another file with --out.'], 'profile-exists')
  if (!force) {
    throw new UsageError(`${path} already exists; it was left as it is.`, ['Pass --force to replace it, or name another file with --out.'], 'profile-exists')
  }
  // writeFileAtomic keeps the mode of the file it replaces.
  await chmod(path, 0o600).catch((error: NodeJS.ErrnoException) => {
    throw unwritable(path, error)
  })
}

/**
 * Write `identity`'s profile to `options.path`, the PKCS#12 payload under `password` (printable
 * ASCII, not empty: see profilePasswordProblem). Returns what was written, without any secret.
 */
export async function writeMobileconfig(identity: Identity, password: string, options: WriteMobileconfigOptions): Promise<WrittenMobileconfig> {
  const problem = profilePasswordProblem(password)
  if (problem !== null) {
    throw new UsageError(
      problem === 'empty'
        ? 'A profile needs a password for its certificate: macOS handles a PKCS#12 without one erratically.'
        : 'The profile password must be printable ASCII: macOS\'s own tools read such passwords as ASCII.',
      ['Choose another password for the profile with --profile-password-file.'],
      'profile-password',
    )
  }
  const pkcs12 = reencodeIdentity(identity, password, 'legacy')
  const profile = buildMobileconfig(identity, pkcs12, {...options, includedPassword: options.includePassword ? password : undefined})
  const xml = Buffer.from(xmlPlist(profile.plist), 'utf8')
  const bytes = options.signer ? signProfile(xml, options.signer, options.now ?? new Date()) : xml

  await prepareTarget(options.path, options.force ?? false)
  try {
    await writeFileAtomic(options.path, bytes)
  } catch (error) {
    throw unwritable(options.path, error as NodeJS.ErrnoException)
  }
  return {
    path: options.path,
    identifier: profile.identifier,
    uuid: profile.uuid,
    displayName: profile.displayName,
    payloads: profile.payloads,
    root: profile.root ? summary(profile.root) : null,
    signer: options.signer ? summary(options.signer.certificate) : null,
    passwordIncluded: options.includePassword ?? false,
    bytes: bytes.length,
  }
}
