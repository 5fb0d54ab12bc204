/**
 * What a key is called, and whether the mail clients can use it for S/MIME. One description serves
 * a certificate's public key and a file's private key, so a key has one name on screen and in JSON
 * (curves by the names of the S/MIME Baseline Requirements: P-256, not prime256v1).
 */
import type {KeyObject} from 'node:crypto'

import type {KeyAlgorithm, PublicKeyInfo} from './certificate-types.js'
import {PUBLIC_KEY_ALGORITHM} from './oids.js'

interface NamedCurve {
  oid: string
  /** What node:crypto (OpenSSL) calls it in `asymmetricKeyDetails.namedCurve`. */
  openssl: string
  /** The name the S/MIME BR use. */
  name: string
  /** The size of the field. */
  bits: number
}

const NAMED_CURVES: readonly NamedCurve[] = [
  {oid: '1.2.840.10045.3.1.7', openssl: 'prime256v1', name: 'P-256', bits: 256},
  {oid: '1.3.132.0.34', openssl: 'secp384r1', name: 'P-384', bits: 384},
  {oid: '1.3.132.0.35', openssl: 'secp521r1', name: 'P-521', bits: 521},
  {oid: '1.3.132.0.10', openssl: 'secp256k1', name: 'secp256k1', bits: 256},
  {oid: '1.3.36.3.3.2.8.1.1.7', openssl: 'brainpoolP256r1', name: 'brainpoolP256r1', bits: 256},
  {oid: '1.3.36.3.3.2.8.1.1.11', openssl: 'brainpoolP384r1', name: 'brainpoolP384r1', bits: 384},
  {oid: '1.3.36.3.3.2.8.1.1.13', openssl: 'brainpoolP512r1', name: 'brainpoolP512r1', bits: 512},
]

/** A curve by its OID (from a certificate's SPKI) or by OpenSSL's name (from node:crypto). */
const CURVE_BY_OID_OR_OPENSSL_NAME: ReadonlyMap<string, NamedCurve> = new Map(NAMED_CURVES.flatMap((curve) => [[curve.oid, curve], [curve.openssl, curve]]))

/** Keys by the OID of their AlgorithmIdentifier that node:crypto (OpenSSL 3.0) cannot load or that mail does not use. */
const NAMED_BY_OID: Readonly<Record<string, {algorithm: KeyAlgorithm; name: string}>> = {
  [PUBLIC_KEY_ALGORITHM.x25519]: {algorithm: 'X25519', name: 'X25519'},
  [PUBLIC_KEY_ALGORITHM.x448]: {algorithm: 'X448', name: 'X448'},
  // FIPS 204, 205 and 203 (NIST's CSOR registrations).
  '2.16.840.1.101.3.4.3.17': {algorithm: 'ML-DSA', name: 'ML-DSA-44'},
  '2.16.840.1.101.3.4.3.18': {algorithm: 'ML-DSA', name: 'ML-DSA-65'},
  '2.16.840.1.101.3.4.3.19': {algorithm: 'ML-DSA', name: 'ML-DSA-87'},
  ...Object.fromEntries(
    ['SHA2-128s', 'SHA2-128f', 'SHA2-192s', 'SHA2-192f', 'SHA2-256s', 'SHA2-256f', 'SHAKE-128s', 'SHAKE-128f', 'SHAKE-192s', 'SHAKE-192f', 'SHAKE-256s', 'SHAKE-256f'].map(
      (variant, index) => [`2.16.840.1.101.3.4.3.${20 + index}`, {algorithm: 'SLH-DSA' as const, name: `SLH-DSA-${variant}`}],
    ),
  ),
  '2.16.840.1.101.3.4.4.1': {algorithm: 'ML-KEM', name: 'ML-KEM-512'},
  '2.16.840.1.101.3.4.4.2': {algorithm: 'ML-KEM', name: 'ML-KEM-768'},
  '2.16.840.1.101.3.4.4.3': {algorithm: 'ML-KEM', name: 'ML-KEM-1024'},
  // RFC 4491 and RFC 9215.
  '1.2.643.2.2.19': {algorithm: 'GOST', name: 'GOST R 34.10-2001'},
  '1.2.643.7.1.1.1.1': {algorithm: 'GOST', name: 'GOST R 34.10-2012 (256 bits)'},
  '1.2.643.7.1.1.1.2': {algorithm: 'GOST', name: 'GOST R 34.10-2012 (512 bits)'},
  '1.2.840.10040.4.1': {algorithm: 'DSA', name: 'DSA'},
}

export interface MailClientKeySupport {
  /** `none`: no common mail client can use the key; `extra-software`: only one with a cryptography add-on; `unknown`: mailcert does not know the key. */
  support: 'none' | 'extra-software' | 'unknown'
  /** Why, as a clause a finding can quote. */
  why: string
}

/**
 * The kinds of key that the mail clients mailcert serves (Thunderbird, Outlook, Apple Mail) cannot use
 * as they come. They sign and decrypt with RSA and EC keys; the S/MIME BR allow EdDSA too, and since
 * 2025 ML-DSA and ML-KEM (research/anchors.md, SMC013), which the clients have not caught up with.
 */
export const KEYS_MAIL_CLIENTS_CANNOT_USE: Readonly<Partial<Record<KeyAlgorithm, MailClientKeySupport>>> = {
  'ML-DSA': {support: 'none', why: 'Thunderbird, Outlook and Apple Mail do not sign S/MIME mail with post-quantum ML-DSA keys yet'},
  'SLH-DSA': {support: 'none', why: 'Thunderbird, Outlook and Apple Mail do not sign S/MIME mail with post-quantum SLH-DSA keys'},
  'ML-KEM': {
    support: 'none',
    why: 'Thunderbird, Outlook and Apple Mail do not decrypt S/MIME mail with post-quantum ML-KEM keys yet, and an ML-KEM key cannot sign',
  },
  X25519: {support: 'none', why: 'an X25519 key can only agree on keys, never sign, and Thunderbird, Outlook and Apple Mail do not decrypt S/MIME mail with one'},
  X448: {support: 'none', why: 'an X448 key can only agree on keys, never sign, and Thunderbird, Outlook and Apple Mail do not decrypt S/MIME mail with one'},
  DSA: {support: 'none', why: 'the S/MIME rules no longer allow DSA keys, and current mail clients do not sign with them'},
  GOST: {
    support: 'extra-software',
    why: 'only a mail client with a GOST cryptography provider (such as Outlook on Windows with CryptoPro CSP) can use GOST keys; Thunderbird and Apple Mail cannot',
  },
  unknown: {support: 'unknown', why: 'the mail clients most likely cannot use it either'},
}

function rsa(bits: number | undefined): PublicKeyInfo {
  return bits === undefined ? {algorithm: 'RSA', name: 'RSA'} : {algorithm: 'RSA', bits, name: `RSA ${bits} bits`}
}

function ec(curveOidOrOpensslName: string | undefined): PublicKeyInfo {
  if (curveOidOrOpensslName === undefined) return {algorithm: 'EC', name: 'EC (explicit curve parameters)'}
  const curve = CURVE_BY_OID_OR_OPENSSL_NAME.get(curveOidOrOpensslName)
  if (curve === undefined) return {algorithm: 'EC', curve: curveOidOrOpensslName, name: `EC ${curveOidOrOpensslName}`}
  return {algorithm: 'EC', bits: curve.bits, curve: curve.name, name: `EC ${curve.name}`}
}

/** A key that node:crypto loaded (a certificate's public key or a file's private key). */
export function describeKeyObject(key: KeyObject): PublicKeyInfo {
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return rsa(details.modulusLength)
    case 'ec':
      return ec(details.namedCurve)
    case 'ed25519':
      return {algorithm: 'Ed25519', name: 'Ed25519'}
    case 'ed448':
      return {algorithm: 'Ed448', name: 'Ed448'}
    case 'x25519':
      return {algorithm: 'X25519', name: 'X25519'}
    case 'x448':
      return {algorithm: 'X448', name: 'X448'}
    case 'dsa':
      return {algorithm: 'DSA', name: 'DSA'}
    default:
      return {algorithm: 'unknown', name: `unknown (${key.asymmetricKeyType ?? 'no type'})`}
  }
}

/**
 * A key from its AlgorithmIdentifier alone, for keys node:crypto cannot load (OpenSSL 3.0 knows no
 * ML-DSA or ML-KEM). `curveOid` is the named curve of an EC key, when its parameters name one.
 */
export function describeKeyAlgorithmOid(oid: string, curveOid?: string): PublicKeyInfo {
  switch (oid) {
    case PUBLIC_KEY_ALGORITHM.rsaEncryption:
    case PUBLIC_KEY_ALGORITHM.rsassaPss:
      return rsa(undefined)
    case PUBLIC_KEY_ALGORITHM.ecPublicKey:
      return ec(curveOid)
    case PUBLIC_KEY_ALGORITHM.ed25519:
      return {algorithm: 'Ed25519', name: 'Ed25519'}
    case PUBLIC_KEY_ALGORITHM.ed448:
      return {algorithm: 'Ed448', name: 'Ed448'}
    default: {
      const named = NAMED_BY_OID[oid]
      return named === undefined ? {algorithm: 'unknown', oid, name: `unknown (${oid})`} : {...named, oid}
    }
  }
}
