/**
 * The answer to "what is in my file?": everything `mailcert inspect` reports, as one plain object
 * that is both the `--json` result and the source of the human rendering.
 */
import type {Certificate, MailboxSource, MalformedAddress} from './certificate-types.js'
import {daysLeft, type Finding, lintIdentity, neverExpires} from './findings.js'
import type {Identity, KeySummary} from './identity.js'
import type {FileProtection, InputFormat} from './input.js'
import {classify, type SmimeGeneration, type SmimeType, TYPE_LABELS} from './smime-type.js'

export interface ChainEntry {
  subject: string
  issuer: string
  notAfter: string
  selfSigned: boolean
  fingerprintSha256: string
}

export interface Inspection {
  path: string
  /** Every address the mail clients accept the certificate for (the SAN's, then the subject's). */
  emails: string[]
  /** The same addresses, each with where the certificate names it. */
  addresses: Array<{address: string; source: MailboxSource}>
  /** Entries where an address belongs that are not one address (and match no account). */
  malformedAddresses: MalformedAddress[]
  name: string | null
  organization: string | null
  type: SmimeType
  /** The buyer's words for the type: "Email only", "Email and sender name", ... */
  typeLabel: string
  generation: SmimeGeneration | null
  /** What the type rests on: the certificate's policy OIDs, its subject, or nothing. */
  typeBasis: 'policy' | 'subject' | 'none'
  subject: string
  issuer: string
  serialNumber: string
  notBefore: string
  notAfter: string
  /** null when the certificate does not expire (notAfter 9999-12-31T23:59:59Z, RFC 5280 §4.1.2.5). */
  daysLeft: number | null
  key: KeySummary
  hasPrivateKey: boolean
  fingerprints: {sha1: string; sha256: string}
  friendlyName: string | null
  /** Issuers in the file, nearest first. */
  chain: ChainEntry[]
  chainComplete: boolean
  file: {
    format: InputFormat
    mac: string | null
    macIterations: number | null
    certificateEncryption: string | null
    keyEncryption: string | null
    iterations: number | null
  }
  findings: Finding[]
}

function attribute(certificate: Certificate, type: string): string | null {
  return certificate.subject.attributes.find((a) => a.type === type)?.value ?? null
}

function chainEntry(certificate: Certificate): ChainEntry {
  return {
    subject: certificate.subject.text,
    issuer: certificate.issuer.text,
    notAfter: certificate.notAfter.toISOString(),
    selfSigned: certificate.selfSigned,
    fingerprintSha256: certificate.fingerprints.sha256,
  }
}

export function inspectIdentity(
  identity: Identity,
  source: {path: string; format: InputFormat; protection: FileProtection | null},
  now: Date,
): Inspection {
  const certificate = identity.certificate
  const classification = classify(certificate)
  const protection = source.protection
  const findings = lintIdentity(identity, {now, fromPkcs12: protection !== null, protection: protection ?? undefined})
  return {
    path: source.path,
    emails: certificate.emails,
    addresses: certificate.emails.map((address, index) => ({address, source: certificate.emailSources[index]})),
    malformedAddresses: certificate.malformedAddresses,
    name: attribute(certificate, 'CN'),
    organization: attribute(certificate, 'O'),
    type: classification.type,
    typeLabel: TYPE_LABELS[classification.type],
    generation: classification.generation,
    typeBasis: classification.basis,
    subject: certificate.subject.text,
    issuer: certificate.issuer.text,
    serialNumber: certificate.serialHex,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    daysLeft: neverExpires(certificate.notAfter) ? null : daysLeft(certificate, now),
    // Without a private key, describe the certificate's public key: it is the same key.
    key: identity.key ?? certificate.publicKey,
    hasPrivateKey: identity.privateKey !== null,
    fingerprints: certificate.fingerprints,
    friendlyName: identity.friendlyName,
    chain: identity.chain.map((c) => chainEntry(c)),
    chainComplete: identity.chainComplete,
    file: {
      format: source.format,
      mac: protection?.mac ?? null,
      macIterations: protection?.macIterations ?? null,
      certificateEncryption: protection?.certificateEncryption ?? null,
      keyEncryption: protection?.keyEncryption ?? null,
      iterations: protection?.keyIterations ?? protection?.certificateIterations ?? null,
    },
    findings,
  }
}
