/**
 * CMS SignedData (RFC 5652) in DER, made with node:crypto rather than node-forge's pkcs7, which signs
 * with RSA keys only: this signs with RSA (PKCS#1 v1.5) and EC (ECDSA) keys alike, with SHA-256.
 * Signed attributes: content type, signing time, message digest, and any the caller adds (S/MIME
 * capabilities for a message); the signer's certificate and chain go along, so that whoever reads
 * it can check the signature and keep the certificate. The content is either inside (a signed
 * profile) or detached (the first part of an S/MIME multipart/signed message). Also the
 * certificates-only SignedData of a `.p7c` file.
 */
import {createHash, createPrivateKey, sign} from 'node:crypto'

import asn1 from 'node-forge/lib/asn1.js'

import type {Certificate} from './certificate-types.js'
import type {Identity} from './identity.js'
import {Asn1Error, build, contentBytes, explicit, isContext, type Node, oid, parse, sequence, set, Tag, TagClass, toDer} from './pkcs12/der.js'
import {OID} from './pkcs12/oids.js'

const ATTRIBUTE = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const

const SIGNATURE = {
  RSA: {oid: '1.2.840.113549.1.1.1', parameters: true},
  EC: {oid: '1.2.840.10045.4.3.2', parameters: false},
} as const

export type SignatureKind = keyof typeof SIGNATURE

function algorithm(oid: string, nullParameters: boolean): Node {
  return build.sequence(nullParameters ? [build.oid(oid), build.null()] : [build.oid(oid)])
}

/** An INTEGER from its DER content octets (a certificate's serial, kept byte for byte). */
function integerFromContent(hex: string): Node {
  return asn1.create(TagClass.UNIVERSAL, Tag.INTEGER, false, Buffer.from(hex, 'hex').toString('binary'))
}

/** IssuerAndSerialNumber (RFC 5652 §10.2.4): how a SignerInfo, and S/MIME's key preferences, name a certificate. */
export function issuerAndSerialNumber(certificate: Certificate): Node[] {
  return [build.raw(certificate.issuer.der), integerFromContent(certificate.serialHex)]
}

/** RFC 5280's rule: UTCTime for 1950 to 2049, GeneralizedTime otherwise. */
function time(date: Date): Node {
  const iso = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
  const year = date.getUTCFullYear()
  if (year >= 1950 && year < 2050) return asn1.create(TagClass.UNIVERSAL, Tag.UTCTIME, false, iso.slice(2))
  return asn1.create(TagClass.UNIVERSAL, Tag.GENERALIZEDTIME, false, iso)
}

/** One signed attribute: its type and its single value. */
export function attribute(type: string, value: Node): Buffer {
  return toDer(build.sequence([build.oid(type), build.set([value])]))
}

/** DER's SET OF: the elements in the order of their encodings. */
function derSetOf(encodings: Buffer[]): Buffer {
  return toDer(build.set([...encodings].sort(Buffer.compare).map((der) => build.raw(der))))
}

/** Why `signer` cannot sign (no key, a key that is not its certificate's, a kind this signs no CMS with: its name), or its kind. */
export type SignerCheck = {kind: SignatureKind} | {problem: 'no-key' | 'key-mismatch'} | {problem: 'unsupported-key'; keyName: string}

export function signerKind(signer: Identity): SignerCheck {
  if (signer.privateKey === null) return {problem: 'no-key'}
  if (signer.keyMatchesCertificate === false) return {problem: 'key-mismatch'}
  const kind = signer.key?.algorithm
  if (kind !== 'RSA' && kind !== 'EC') return {problem: 'unsupported-key', keyName: signer.key?.name ?? 'of an unknown kind'}
  return {kind}
}

export interface SignOptions {
  now: Date
  /** The content is signed but not included (S/MIME's multipart/signed carries it beside the signature). */
  detached?: boolean
  /** More signed attributes, each from `attribute()`. */
  attributes?: Buffer[]
  /** More certificates to carry beside the signer's and its chain (a separate encryption certificate). */
  extraCertificates?: Certificate[]
}

/** `content` signed by `signer` (which signerKind accepted) as CMS SignedData, DER. */
export function cmsSignedData(content: Buffer, signer: Identity, options: SignOptions): Buffer {
  const checked = signerKind(signer)
  if ('problem' in checked) throw new Error(`cmsSignedData: the signer was not checked (${checked.problem})`)
  const {kind} = checked
  const certificate = signer.certificate

  const signedAttributes = derSetOf([
    attribute(ATTRIBUTE.contentType, build.oid(OID.data)),
    attribute(ATTRIBUTE.signingTime, time(options.now)),
    attribute(ATTRIBUTE.messageDigest, build.octets(createHash('sha256').update(content).digest())),
    ...(options.attributes ?? []),
  ])
  // The signature covers the attributes as a SET (tag 0x31); SignerInfo holds them as [0] IMPLICIT.
  const key = createPrivateKey({key: signer.privateKey!, format: 'der', type: 'pkcs8'})
  const signature = sign('sha256', signedAttributes, {key, dsaEncoding: 'der'})
  const implicitAttributes = Buffer.from(signedAttributes)
  implicitAttributes[0] = 0xa0

  const signerInfo = build.sequence([
    build.int(1),
    build.sequence(issuerAndSerialNumber(certificate)),
    algorithm(OID.sha256, false),
    build.raw(implicitAttributes),
    algorithm(SIGNATURE[kind].oid, SIGNATURE[kind].parameters),
    build.octets(signature),
  ])

  const encapsulated = options.detached ? [build.oid(OID.data)] : [build.oid(OID.data), build.explicit(0, build.octets(content))]
  const signedData = build.sequence([
    build.int(1),
    build.set([algorithm(OID.sha256, false)]),
    build.sequence(encapsulated),
    certificatesField([certificate, ...(options.extraCertificates ?? []), ...signer.chain]),
    build.set([signerInfo]),
  ])
  return toDer(build.sequence([build.oid(OID.signedData), build.explicit(0, signedData)]))
}

function certificatesField(certificates: Certificate[]): Node {
  return asn1.create(TagClass.CONTEXT_SPECIFIC, 0, true, certificates.map((c) => build.raw(c.der)))
}

/** A `.p7c`: SignedData with certificates and nothing signed (RFC 8551 §3.6's certs-only message, RFC 5652 §5.2). */
export function certificatesOnly(certificates: Certificate[]): Buffer {
  const signedData = build.sequence([build.int(1), build.set([]), build.sequence([build.oid(OID.data)]), certificatesField(certificates), build.set([])])
  return toDer(build.sequence([build.oid(OID.signedData), build.explicit(0, signedData)]))
}

/** How a SignerInfo names its signer's certificate: by issuer and serial, or (RFC 5652 §5.3) by subject key identifier. */
export type SignerIdentifier = {issuer: Buffer; serialHex: string} | {subjectKeyIdentifier: Buffer}

/**
 * The signers of a CMS SignedData (DER or the BER that NSS writes), as its SignerInfos name them:
 * to check that a signature another program made (NSS's cmsutil) is the chosen certificate's.
 */
export function signerIdentifiers(signed: Buffer): SignerIdentifier[] {
  const [type, content] = sequence(parse(signed), 'ContentInfo')
  if (oid(type) !== OID.signedData) throw new Asn1Error('expected a CMS SignedData')
  const fields = sequence(explicit(content, 0, 'the SignedData'), 'SignedData')
  return set(fields.at(-1), 'SignerInfos').map((info) => {
    const sid = sequence(info, 'SignerInfo')[1]
    if (isContext(sid, 0)) return {subjectKeyIdentifier: contentBytes(sid!)}
    const [issuer, serial] = sequence(sid, 'IssuerAndSerialNumber')
    if (!issuer || !serial || typeof serial.value !== 'string') throw new Asn1Error('expected an IssuerAndSerialNumber')
    return {issuer: toDer(issuer), serialHex: Buffer.from(serial.value, 'binary').toString('hex')}
  })
}

/** Whether `identifier` names `certificate` (its issuer and serial; a key identifier by the certificate's own). */
export function namesCertificate(identifier: SignerIdentifier, certificate: Certificate): boolean {
  if ('subjectKeyIdentifier' in identifier) return identifier.subjectKeyIdentifier.toString('hex') === certificate.subjectKeyIdentifier?.toLowerCase()
  return identifier.issuer.equals(certificate.issuer.der) && identifier.serialHex === certificate.serialHex
}
