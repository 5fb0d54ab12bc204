/**
 * `--from-store`: which of the certificates a store already holds an address should use. The rules
 * are the ones a file is held to (findings.ts), judged on the certificate alone since the store
 * keeps the key: with its private key, valid now, allowed for e-mail. Of those the newest (by
 * notBefore, then the later expiry), as a renewal delivered by MDM sits beside the one it replaces.
 */
import type {Certificate} from '../identity/certificate-types.js'
import {lintIdentity} from '../identity/findings.js'
import type {Identity} from '../identity/identity.js'
import type {StoredCertificate} from '../stores/store.js'
import {sameAddress} from '../identity/same-address.js'

export interface StoredChoice {
  email: string
  /** Null when none of the candidates can be used. */
  chosen: StoredCertificate | null
  /** How many certificates the store holds for the address. */
  candidates: number
  /** Why each of the others was passed over, one line each: `CN=… (3f2a…): expired`. */
  passedOver: string[]
  /** One sentence for the plan and the report. */
  why: string
}

/** A certificate from a store, as the rest of mailcert sees an identity: the key stays in the store. */
export function storedAsIdentity(stored: StoredCertificate): Identity {
  return {
    certificate: stored.certificate,
    chain: [],
    chainComplete: true,
    otherCertificates: [],
    privateKey: null,
    key: null,
    keyMatchesCertificate: null,
    friendlyName: stored.name,
    keyCount: 1,
  }
}

export function shortSha256(certificate: Certificate): string {
  return certificate.fingerprints.sha256.replace(/:/g, '').slice(0, 12).toLowerCase()
}

export function describeStored(certificate: Certificate): string {
  return `${certificate.subject.text} (SHA-256 ${shortSha256(certificate)}…, valid until ${certificate.notAfter.toISOString().slice(0, 10)})`
}

/** Why a stored certificate cannot be used for S/MIME now; null when it can. */
export function unusableBecause(stored: StoredCertificate, now: Date): string | null {
  if (!stored.hasKey) return 'the store does not hold its private key'
  // The key is in the store, not in a file: the only finding about a missing key does not apply.
  const errors = lintIdentity(storedAsIdentity(stored), {now, fromPkcs12: true}).filter((f) => f.severity === 'error' && f.code !== 'no-private-key')
  return errors.length === 0 ? null : errors.map((e) => e.message.replace(/\.$/, '')).join('; ')
}

function newerFirst(a: StoredCertificate, b: StoredCertificate): number {
  return b.certificate.notBefore.getTime() - a.certificate.notBefore.getTime() || b.certificate.notAfter.getTime() - a.certificate.notAfter.getTime()
}

export function chooseStoredIdentity(stored: readonly StoredCertificate[], email: string, now: Date): StoredChoice {
  const forAddress = stored.filter((s) => s.certificate.emails.some((e) => sameAddress(e, email)))
  // The same certificate listed twice (NSS lists one per token) counts once, with its key if either has it.
  const unique = [...new Map([...forAddress].sort((a, b) => Number(a.hasKey) - Number(b.hasKey)).map((s) => [s.certificate.fingerprints.sha256, s])).values()]
  const judged = unique.map((s) => ({stored: s, problem: unusableBecause(s, now)}))
  const usable = judged.filter((j) => j.problem === null).map((j) => j.stored).sort(newerFirst)
  const chosen = usable[0] ?? null
  const passedOver = [
    ...judged.filter((j) => j.problem !== null).map((j) => `${describeStored(j.stored.certificate)}: ${j.problem}`),
    ...usable.slice(1).map((s) => `${describeStored(s.certificate)}: an older one`),
  ]
  const unusableCount = judged.length - usable.length
  let why: string
  if (chosen === null) why = unique.length === 0 ? `no certificate for ${email}` : `none of the ${unique.length} certificates for ${email} can be used`
  else if (unique.length === 1) why = `the only certificate for ${email}`
  else why = `the newest valid of ${unique.length} certificates for ${email}${unusableCount > 0 ? `; ${unusableCount} other${unusableCount === 1 ? ' is' : 's are'} expired, not for e-mail or without key` : ''}`
  return {email, chosen, candidates: unique.length, passedOver, why}
}
