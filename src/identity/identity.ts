/**
 * An Identity is what a mail client needs: the private key, its certificate, and the issuers up to
 * a root. Files list their certificates in any order, sometimes with extras and sometimes without
 * the key, so the pieces are matched by public key and by issuer name rather than by position.
 */
import {createPrivateKey, createPublicKey, type KeyObject, X509Certificate} from 'node:crypto'

import {parseCertificate} from './certificate.js'
import type {Certificate, PublicKeyInfo} from './certificate-types.js'
import {describeKeyAlgorithmOid, describeKeyObject} from './key-algorithms.js'
import {Asn1Error, oid, parse, sequence} from './pkcs12/der.js'

/** A private key, described exactly as the certificate's public key is. */
export type KeySummary = PublicKeyInfo

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
  /**
   * Whether the private key belongs to `certificate`; null without a key, and for a kind of key node:crypto
   * cannot load (ML-DSA on Node 20): nothing here can compare those, so the file's localKeyID pairs them.
   */
  keyMatchesCertificate: boolean | null
  friendlyName: string | null
  /** Number of private keys in the file (more than one is unusual and reported). */
  keyCount: number
}

export interface IdentityParts {
  keys: Array<{pkcs8: Buffer; friendlyName?: string; localKeyId?: Buffer}>
  certificates: Array<{der: Buffer; friendlyName?: string; localKeyId?: Buffer}>
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

/** Whether `issuer` is the certificate that issued `subject` (by name, and by key identifier where both have one). */
export function issues(issuer: Certificate, subject: Certificate): boolean {
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

/** The issuers of `leaf` found in `pool`, nearest first, and whether they reach a self-signed root. */
export function buildChain(leaf: Certificate, pool: Certificate[]): {chain: Certificate[]; complete: boolean} {
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

function uniqueCertificates(bags: IdentityParts['certificates']): Array<{certificate: Certificate; localKeyId?: Buffer}> {
  const seen = new Set<string>()
  const result: Array<{certificate: Certificate; localKeyId?: Buffer}> = []
  for (const bag of bags) {
    const certificate = parseCertificate(bag.der)
    if (seen.has(certificate.fingerprints.sha256)) continue
    seen.add(certificate.fingerprints.sha256)
    result.push({certificate, localKeyId: bag.localKeyId})
  }
  return result
}

/** The certificate a key belongs to: by public key, or, for a key node:crypto cannot load, by the file's localKeyID. */
function certificateOfKey(key: PrivateKey, bags: Array<{certificate: Certificate; localKeyId?: Buffer}>): Certificate | undefined {
  if (key.object !== null) {
    const publicKey = spki(key.object)
    return bags.find((bag) => publicKeyOf(bag.certificate)?.equals(publicKey))?.certificate
  }
  const localKeyId = key.localKeyId
  if (localKeyId === undefined) return undefined
  return bags.find((bag) => bag.localKeyId?.equals(localKeyId) && bag.certificate.publicKey.algorithm === key.summary.algorithm)?.certificate
}

/** Throws when there is no certificate at all: an identity without one is of no use to a mail client. */
export function assembleIdentity(parts: IdentityParts): Identity {
  const bags = uniqueCertificates(parts.certificates)
  const certificates = bags.map((bag) => bag.certificate)
  if (certificates.length === 0) throw new NoCertificateError()

  const keys: PrivateKey[] = parts.keys.map((k) => ({...k, ...readPrivateKey(k.pkcs8)}))
  let leaf: Certificate | undefined
  let chosenKey: PrivateKey | undefined
  for (const key of keys) {
    leaf = certificateOfKey(key, bags)
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
    key: chosenKey?.summary ?? null,
    keyMatchesCertificate: keyMatches(chosenKey, leaf),
    friendlyName: leafBag?.friendlyName ?? chosenKey?.friendlyName ?? null,
    keyCount: keys.length,
  }
}

function keyMatches(key: PrivateKey | undefined, certificate: Certificate): boolean | null {
  if (key === undefined) return null
  // Nothing on Node 20 can derive an ML-DSA public key to compare: whether they belong together is unknown.
  if (key.object === null) return null
  return publicKeyOf(certificate)?.equals(spki(key.object)) ?? false
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

interface PrivateKey {
  pkcs8: Buffer
  friendlyName?: string
  localKeyId?: Buffer
  /** null for a kind of key node:crypto cannot load. */
  object: KeyObject | null
  summary: KeySummary
}

/**
 * node:crypto loads RSA, EC and EdDSA keys. A well-formed PKCS#8 key of another kind (ML-DSA, which OpenSSL 3.0
 * does not know) is kept and described by its algorithm OID, so that the findings can say what it is; a key of
 * a kind node:crypto knows that still does not load is damaged.
 */
function readPrivateKey(pkcs8: Buffer): Pick<PrivateKey, 'object' | 'summary'> {
  try {
    const object = createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'})
    return {object, summary: describeKeyObject(object)}
  } catch {
    const summary = describePkcs8Algorithm(pkcs8)
    if (summary === undefined || NODE_LOADS.has(summary.algorithm)) throw new UnreadableKeyError()
    return {object: null, summary}
  }
}

const NODE_LOADS = new Set<KeySummary['algorithm']>(['RSA', 'EC', 'Ed25519', 'Ed448', 'X25519', 'X448', 'DSA'])

/** PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier, privateKey OCTET STRING, ... } */
function describePkcs8Algorithm(pkcs8: Buffer): KeySummary | undefined {
  try {
    const [, algorithm] = sequence(parse(pkcs8), 'PrivateKeyInfo')
    const [algorithmOid] = sequence(algorithm, 'private key algorithm')
    return describeKeyAlgorithmOid(oid(algorithmOid))
  } catch (error) {
    if (error instanceof Asn1Error) return undefined
    throw error
  }
}
