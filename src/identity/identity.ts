/**
 * An Identity is what a mail client needs: the private key, its certificate, and the issuers up to
 * a root. Files list their certificates in any order, sometimes with extras and sometimes without
 * the key, so the pieces are matched by public key and by issuer name rather than by position.
 */
import {createPrivateKey, createPublicKey, type KeyObject, X509Certificate} from 'node:crypto'

import {parseCertificate} from './certificate.js'
import type {Certificate, KeyAlgorithm, PublicKeyInfo} from './certificate-types.js'

export interface KeySummary extends PublicKeyInfo {
  algorithm: KeyAlgorithm
}

export interface Identity {
  /** The certificate of the private key; without a key, the end-entity certificate. */
  certificate: Certificate
  /** Issuers of `certificate` found in the file, nearest first. */
  chain: Certificate[]
  /** The chain ends in a self-signed root (or the certificate is itself self-signed). */
  chainComplete: boolean
  /** Certificates in the file that are not on the chain. */
  otherCertificates: Certificate[]
  /** PKCS#8 DER of the private key; null when the file has none. */
  privateKey: Buffer | null
  key: KeySummary | null
  /** Whether the private key belongs to `certificate`; null without a key. */
  keyMatchesCertificate: boolean | null
  friendlyName: string | null
  /** Number of private keys in the file (more than one is unusual and reported). */
  keyCount: number
}

export interface IdentityParts {
  keys: Array<{pkcs8: Buffer; friendlyName?: string; localKeyId?: Buffer}>
  certificates: Array<{der: Buffer; friendlyName?: string; localKeyId?: Buffer}>
}

const CURVE_NAMES: Record<string, string> = {prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521'}

export function describeKey(key: KeyObject): KeySummary {
  const details = key.asymmetricKeyDetails ?? {}
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss':
      return {algorithm: 'RSA', bits: details.modulusLength}
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown'
      const name = CURVE_NAMES[curve] ?? curve
      const bits = {'P-256': 256, 'P-384': 384, 'P-521': 521}[name]
      return {algorithm: 'EC', curve: name, bits}
    }
    case 'ed25519':
      return {algorithm: 'Ed25519', bits: 256}
    case 'ed448':
      return {algorithm: 'Ed448', bits: 456}
    default:
      return {algorithm: 'unknown'}
  }
}

function spki(key: KeyObject): Buffer {
  return createPublicKey(key).export({type: 'spki', format: 'der'})
}

function publicKeyOf(certificate: Certificate): Buffer | null {
  try {
    return new X509Certificate(certificate.der).publicKey.export({type: 'spki', format: 'der'})
  } catch {
    return null
  }
}

function issues(issuer: Certificate, subject: Certificate): boolean {
  if (!issuer.subject.der.equals(subject.issuer.der)) return false
  if (subject.authorityKeyIdentifier && issuer.subjectKeyIdentifier) return subject.authorityKeyIdentifier === issuer.subjectKeyIdentifier
  return true
}

function isCa(certificate: Certificate): boolean {
  return certificate.basicConstraints?.ca === true
}

/** The end-entity certificate when there is no key to point at one: not a CA, and issuing none of the others. */
function endEntity(certificates: Certificate[]): Certificate {
  const leaves = certificates.filter((candidate) => !certificates.some((other) => other !== candidate && issues(candidate, other)))
  return leaves.find((c) => !isCa(c) && c.emails.length > 0) ?? leaves.find((c) => !isCa(c)) ?? leaves[0] ?? certificates[0]
}

function buildChain(leaf: Certificate, pool: Certificate[]): {chain: Certificate[]; complete: boolean} {
  const chain: Certificate[] = []
  let current = leaf
  const remaining = pool.filter((c) => c !== leaf)
  while (!current.selfSigned) {
    const index = remaining.findIndex((candidate) => issues(candidate, current))
    if (index < 0) return {chain, complete: false}
    current = remaining.splice(index, 1)[0]
    chain.push(current)
  }
  return {chain, complete: true}
}

function uniqueCertificates(ders: Buffer[]): Certificate[] {
  const seen = new Set<string>()
  const result: Certificate[] = []
  for (const der of ders) {
    const certificate = parseCertificate(der)
    if (seen.has(certificate.fingerprints.sha256)) continue
    seen.add(certificate.fingerprints.sha256)
    result.push(certificate)
  }
  return result
}

/** Throws when there is no certificate at all: an identity without one is of no use to a mail client. */
export function assembleIdentity(parts: IdentityParts): Identity {
  const certificates = uniqueCertificates(parts.certificates.map((c) => c.der))
  if (certificates.length === 0) throw new NoCertificateError()

  const keys = parts.keys.map((k) => ({...k, object: readPrivateKey(k.pkcs8)}))
  let leaf: Certificate | undefined
  let chosenKey: (typeof keys)[number] | undefined
  for (const key of keys) {
    const publicKey = spki(key.object)
    leaf = certificates.find((c) => publicKeyOf(c)?.equals(publicKey))
    if (leaf) {
      chosenKey = key
      break
    }
  }
  chosenKey ??= keys[0]
  leaf ??= endEntity(certificates)

  const {chain, complete} = buildChain(leaf, certificates)
  const onChain = new Set([leaf, ...chain])
  const leafBag = parts.certificates.find((c) => c.der.equals(leaf.der))
  return {
    certificate: leaf,
    chain,
    chainComplete: complete,
    otherCertificates: certificates.filter((c) => !onChain.has(c)),
    privateKey: chosenKey?.pkcs8 ?? null,
    key: chosenKey ? describeKey(chosenKey.object) : null,
    keyMatchesCertificate: chosenKey ? publicKeyOf(leaf)?.equals(spki(chosenKey.object)) ?? false : null,
    friendlyName: leafBag?.friendlyName ?? chosenKey?.friendlyName ?? null,
    keyCount: keys.length,
  }
}

export class NoCertificateError extends Error {
  constructor() {
    super('the file holds no certificate')
    this.name = 'NoCertificateError'
  }
}

export class UnreadableKeyError extends Error {
  constructor() {
    super('the private key cannot be read')
    this.name = 'UnreadableKeyError'
  }
}

function readPrivateKey(pkcs8: Buffer): KeyObject {
  try {
    return createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'})
  } catch {
    throw new UnreadableKeyError()
  }
}
