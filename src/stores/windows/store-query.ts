/**
 * What the user's `My` store holds, as a mail client finds it: for `check` of Outlook (which
 * certificate a profile names, and whether it is usable), and for the verify step after an import.
 * Windows only; every handle is closed before these return.
 */
import {
  chainStatus,
  type ChainStatus,
  forEachCertificate,
  type Handle,
  NTE_BAD_ALGID,
  signMessage,
  szOID_NIST_sha256,
  szOID_OIWSEC_sha1,
  szOID_PKIX_KP_EMAIL_PROTECTION,
  withCertificateBySha1,
  withSystemStore,
} from '../../system/windows/crypt32.js'
import {wineVersion} from '../../system/windows/ntdll.js'
import {Win32Error} from '../../system/windows/win32-error.js'
import type {Verdict} from '../store.js'
import {verdictOfChain} from './chain-verdict.js'
import {describeStored, keyStateOf} from './user-stores.js'

export interface StoredIdentity {
  /** Upper-case hex SHA-1. */
  thumbprint: string
  der: Buffer
  /** Windows opens its private key (silently). */
  hasKey: boolean
  /** Windows' verdict on its chain for e-mail protection. */
  verdict: Verdict
}

export interface Verification {
  der: Buffer
  keyKind: 'cng' | 'csp' | null
  /** The key's provider, as the certificate names it. */
  provider: string | null
  keyError: Win32Error | null
  /** The hash of the test signature: SHA-256, or SHA-1 where the key's provider has no SHA-256 (a PROV_RSA_FULL CSP). */
  signedWith?: 'SHA-256' | 'SHA-1'
  /** Under Wine: the signature Wine could not make with the key it imported (its key spec is 3, no valid AT_ value), and Wine's version. */
  unsignedUnderWine?: {wine: string; error: Win32Error}
  chain: ChainStatus
}

/** One signature, with SHA-256 where the provider can. */
function testSignature(context: Handle): 'SHA-256' | 'SHA-1' {
  const data = Buffer.from('mailcert test signature')
  try {
    signMessage(context, data, szOID_NIST_sha256)
    return 'SHA-256'
  } catch (error) {
    if (!(error instanceof Win32Error) || error.win32Code !== NTE_BAD_ALGID) throw error
  }
  signMessage(context, data, szOID_OIWSEC_sha1)
  return 'SHA-1'
}

/** What a mail client would find of the certificate in `context`: its key (and, with `sign`, one signature) and its chain for e-mail. */
function verifyContext(context: Handle, options: {sign: boolean}): Verification {
  const stored = describeStored(context)
  const key = keyStateOf(context)
  let keyError = key.error
  let signedWith: Verification['signedWith']
  let unsignedUnderWine: Verification['unsignedUnderWine']
  if (key.acquired && options.sign) {
    try {
      signedWith = testSignature(context)
    } catch (error) {
      if (!(error instanceof Win32Error)) throw error
      // Wine 8 imports PFX keys with key spec 3, with which its CSP then signs nothing; Windows never does that.
      const wine = wineVersion()
      if (wine) unsignedUnderWine = {wine, error}
      else keyError = error
    }
  }
  return {der: stored.der, keyKind: key.acquired?.kind ?? null, provider: key.location?.provider ?? null, keyError, signedWith, unsignedUnderWine, chain: chainStatus(context, szOID_PKIX_KP_EMAIL_PROTECTION)}
}

/** The verification of the certificate with this thumbprint in `My`, or null when `My` does not hold it. */
export function verifyInMy(thumbprint: string, options: {sign: boolean}): Verification | null {
  return withSystemStore('My', (store) => withCertificateBySha1(store, Buffer.from(thumbprint, 'hex'), (context) => (context ? verifyContext(context, options) : null)))
}

function identityOf(thumbprint: string, verification: Verification): StoredIdentity {
  return {thumbprint, der: verification.der, hasKey: verification.keyError === null && verification.keyKind !== null, verdict: verdictOfChain(verification.chain)}
}

/** The certificate with this thumbprint in CurrentUser\My, with whether its private key can be acquired and Windows' verdict for e-mail; null when absent. */
export function findStoredIdentity(thumbprint: string): StoredIdentity | null {
  const upper = thumbprint.replace(/[^0-9a-f]/gi, '').toUpperCase()
  const verification = verifyInMy(upper, {sign: false})
  return verification ? identityOf(upper, verification) : null
}

/** Every certificate in CurrentUser\My with a private key (optionally: whose addresses include email). */
export function storedIdentities(email?: string): StoredIdentity[] {
  const wanted = email?.toLowerCase()
  return withSystemStore('My', (store) => {
    const found: StoredIdentity[] = []
    forEachCertificate(store, (context) => {
      const stored = describeStored(context)
      if (wanted !== undefined && !stored.certificate?.emails.some((address) => address.toLowerCase() === wanted)) return
      if (!stored.key) return
      const identity = identityOf(stored.thumbprint, verifyContext(context, {sign: false}))
      if (identity.hasKey) found.push(identity)
    })
    return found
  })
}
