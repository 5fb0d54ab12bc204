/**
 * The user's certificate stores as the Windows store's steps see them: certificates by thumbprint,
 * whether a certificate's private key opens, where that key lives and how to delete it. Each
 * function opens the store it needs and closes it again (Windows only).
 */
import {createHash} from 'node:crypto'

import {parseCertificate} from '../../identity/certificate.js'
import type {Certificate} from '../../identity/certificate-types.js'
import {deleteKeyContainer} from '../../system/windows/advapi32.js'
import {
  acquirePrivateKey,
  type AcquiredKey,
  AddDisposition,
  addEncodedCertificate,
  certificateDer,
  commitStore,
  deleteCertificate,
  forEachCertificate,
  type Handle,
  keyLocation,
  type KeyLocation,
  type SystemStoreName,
  withCertificateBySha1,
  withSystemStore,
} from '../../system/windows/crypt32.js'
import {deleteCngKey} from '../../system/windows/ncrypt.js'
import {Win32Error} from '../../system/windows/win32-error.js'

export interface StoredCertificate {
  /** Upper-case hex SHA-1: the thumbprint. */
  thumbprint: string
  /** Lower-case hex SHA-256, as the journal names certificates. */
  sha256: string
  der: Buffer
  /** Parsed, or null for a certificate mailcert cannot read (left alone). */
  certificate: Certificate | null
  key: KeyLocation | null
}

export const thumbprintOf = (der: Buffer) => createHash('sha1').update(der).digest('hex').toUpperCase()
const sha256Of = (der: Buffer) => createHash('sha256').update(der).digest('hex')

function readable(der: Buffer): Certificate | null {
  try {
    return parseCertificate(der)
  } catch {
    return null
  }
}

export function describeStored(context: Handle): StoredCertificate {
  const der = certificateDer(context)
  return {thumbprint: thumbprintOf(der), sha256: sha256Of(der), der, certificate: readable(der), key: keyLocation(context)}
}

/** Every certificate of the user's store `name`. */
export function listStore(name: SystemStoreName): StoredCertificate[] {
  return withSystemStore(name, (store) => {
    const found: StoredCertificate[] = []
    forEachCertificate(store, (context) => found.push(describeStored(context)))
    return found
  })
}

/** Whether the store holds the certificate with this thumbprint. */
export function storeHolds(name: SystemStoreName, thumbprint: string): boolean {
  return withSystemStore(name, (store) => withCertificateBySha1(store, Buffer.from(thumbprint, 'hex'), (context) => context !== null))
}

export interface KeyState {
  /** The certificate links to a key (CERT_KEY_PROV_INFO_PROP_ID). */
  location: KeyLocation | null
  /** The key opened: what a mail client needs. */
  acquired: AcquiredKey | null
  /** Why it did not open. */
  error: Win32Error | null
}

/** Opens the certificate's private key as a mail client would, and says whether that worked. */
export function keyStateOf(context: Handle): KeyState {
  const location = keyLocation(context)
  try {
    return {location, acquired: acquirePrivateKey(context), error: null}
  } catch (error) {
    if (error instanceof Win32Error) return {location, acquired: null, error}
    throw error
  }
}

/** The certificate with this thumbprint in `My` and the state of its key, or null when `My` does not hold it. */
export function leafInMy(thumbprint: string): {stored: StoredCertificate; key: KeyState} | null {
  return withSystemStore('My', (store) =>
    withCertificateBySha1(store, Buffer.from(thumbprint, 'hex'), (context) => (context ? {stored: describeStored(context), key: keyStateOf(context)} : null)),
  )
}

/** Adds the certificate (its DER alone: no key, no properties) to the store; false when it was there already. */
export function addToStore(name: SystemStoreName, der: Buffer): boolean {
  return withSystemStore(name, (store) => {
    const added = addEncodedCertificate(store, der, AddDisposition.new, `CurrentUser\\${name}`)
    commitStore(store, `CurrentUser\\${name}`)
    return added
  })
}

/** Takes the certificate with this thumbprint out of the store; false when it was not there. */
export function removeFromStore(name: SystemStoreName, thumbprint: string): boolean {
  return withSystemStore(name, (store) =>
    withCertificateBySha1(store, Buffer.from(thumbprint, 'hex'), (context) => {
      if (!context) return false
      deleteCertificate(context, `CurrentUser\\${name}`)
      // Wine, like an add, keeps the deletion in memory until the store is committed.
      commitStore(store, `CurrentUser\\${name}`)
      return true
    }),
  )
}

const sameKey = (a: KeyLocation, b: KeyLocation) => a.container === b.container && a.provider === b.provider && a.providerType === b.providerType

/** Another certificate of `My` links to the same key (Wine keeps one container per user): it must stay. */
export function keyShared(location: KeyLocation, exceptThumbprint: string): boolean {
  return listStore('My').some((stored) => stored.thumbprint !== exceptThumbprint && stored.key !== null && sameKey(stored.key, location))
}

const CRYPT_MACHINE_KEYSET = 0x20

/** Deletes the key (a CNG key when the provider type is 0, else a CSP container); false when it was gone already. */
export function deleteKey(location: KeyLocation): boolean {
  const machine = (location.flags & CRYPT_MACHINE_KEYSET) !== 0
  if (location.providerType === 0) return deleteCngKey(location.provider, location.container, machine)
  return deleteKeyContainer(location.container, location.provider || null, location.providerType, machine)
}
