/**
 * Handing each store a file it can read: the identity (key, certificate, chain) written back out as
 * PKCS#12 in a named profile, whatever the key type. Used in memory only, with a password mailcert
 * chooses, just before a store imports it.
 */
import {randomBytes} from 'node:crypto'

import {BugError} from '../errors.js'
import type {Identity} from './identity.js'
import {encodePfx, type Pkcs12Profile} from './pkcs12/encode.js'

export type {Pkcs12Profile} from './pkcs12/encode.js'

export interface ReencodeOptions {
  friendlyName?: string
  iterations?: number
}

/** The name a store shows for the identity when the file had none: the person's name, else the address. */
export function displayName(identity: Identity): string {
  const cn = identity.certificate.subject.attributes.find((a) => a.type === 'CN')?.value
  return identity.friendlyName ?? cn ?? identity.certificate.emails[0] ?? identity.certificate.subject.text
}

export function reencodeIdentity(identity: Identity, password: string, profile: Pkcs12Profile, options: ReencodeOptions = {}): Buffer {
  if (identity.privateKey === null) throw new BugError('an identity without a private key cannot be re-encoded')
  return encodePfx(
    {
      privateKey: identity.privateKey,
      certificates: [identity.certificate, ...identity.chain].map((c) => c.der),
      friendlyName: options.friendlyName ?? displayName(identity),
    },
    password,
    {profile, iterations: options.iterations},
  )
}

/** A throwaway password for a re-encoded file: printable ASCII, so every store's password handling accepts it. */
export function temporaryPassword(): string {
  return randomBytes(24).toString('base64url')
}
