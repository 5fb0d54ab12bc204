/**
 * Signing a profile: CMS SignedData (RFC 5652) in DER, with the profile as its content (what
 * `security cms -S` and `openssl smime -sign -nodetach -outform der` write), signed attributes
 * (content type, signing time, message digest), and the signer's certificate and chain, so that macOS
 * can show who signed it. Made with node:crypto rather than node-forge's pkcs7, which signs with RSA
 * keys only: this signs with RSA (PKCS#1 v1.5) and EC (ECDSA) keys alike, with SHA-256.
 */
import {createHash, createPrivateKey, sign} from 'node:crypto'

import asn1 from 'node-forge/lib/asn1.js'

import {ExitCode, UserError} from '../errors.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {Identity} from '../identity/identity.js'
import {build, type Node, Tag, TagClass, toDer} from '../identity/pkcs12/der.js'
import {OID} from '../identity/pkcs12/oids.js'

const ATTRIBUTE = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const

const SIGNATURE = {
  RSA: {oid: '1.2.840.113549.1.1.1', parameters: true},
  EC: {oid: '1.2.840.10045.4.3.2', parameters: false},
} as const

/** The signer's key cannot sign a profile (no key, another kind of key, not its certificate's). */
export function unusableSigner(message: string): UserError {
  return new UserError(message, {
    code: 'signer-unusable',
    exitCode: ExitCode.usage,
    hints: ['Sign with a .p12 that holds an RSA or EC private key and its certificate (a code-signing or S/MIME identity of your organisation).'],
  })
}

function algorithm(oid: string, nullParameters: boolean): Node {
  return build.sequence(nullParameters ? [build.oid(oid), build.null()] : [build.oid(oid)])
}

/** An INTEGER from its DER content octets (a certificate's serial, kept byte for byte). */
function integerFromContent(hex: string): Node {
  return asn1.create(TagClass.UNIVERSAL, Tag.INTEGER, false, Buffer.from(hex, 'hex').toString('binary'))
}

/** RFC 5280's rule: UTCTime for 1950 to 2049, GeneralizedTime otherwise. */
function time(date: Date): Node {
  const iso = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z')
  const year = date.getUTCFullYear()
  if (year >= 1950 && year < 2050) return asn1.create(TagClass.UNIVERSAL, Tag.UTCTIME, false, iso.slice(2))
  return asn1.create(TagClass.UNIVERSAL, Tag.GENERALIZEDTIME, false, iso)
}

function attribute(type: string, value: Node): Buffer {
  return toDer(build.sequence([build.oid(type), build.set([value])]))
}

/** DER's SET OF: the elements in the order of their encodings. */
function derSetOf(encodings: Buffer[]): Buffer {
  return toDer(build.set([...encodings].sort(Buffer.compare).map((der) => build.raw(der))))
}

function signatureKind(signer: Identity): keyof typeof SIGNATURE {
  if (signer.privateKey === null) throw unusableSigner('The signing file holds no private key, only certificates: it cannot sign.')
  if (signer.keyMatchesCertificate === false) throw unusableSigner('The private key in the signing file does not belong to its certificate.')
  const kind = signer.key?.algorithm
  if (kind !== 'RSA' && kind !== 'EC') {
    throw unusableSigner(`The signing key is ${signer.key?.name ?? 'of an unknown kind'}; profiles can be signed with RSA and EC keys only.`)
  }
  return kind
}

/** `content` (the profile's XML) wrapped in CMS SignedData by `signer`, DER. */
export function signProfile(content: Buffer, signer: Identity, now: Date): Buffer {
  const kind = signatureKind(signer)
  const certificate: Certificate = signer.certificate

  const signedAttributes = derSetOf([
    attribute(ATTRIBUTE.contentType, build.oid(OID.data)),
    attribute(ATTRIBUTE.signingTime, time(now)),
    attribute(ATTRIBUTE.messageDigest, build.octets(createHash('sha256').update(content).digest())),
  ])
  // The signature covers the attributes as a SET (tag 0x31); SignerInfo holds them as [0] IMPLICIT.
  const key = createPrivateKey({key: signer.privateKey!, format: 'der', type: 'pkcs8'})
  const signature = sign('sha256', signedAttributes, {key, dsaEncoding: 'der'})
  const implicitAttributes = Buffer.from(signedAttributes)
  implicitAttributes[0] = 0xa0

  const signerInfo = build.sequence([
    build.int(1),
    build.sequence([build.raw(certificate.issuer.der), integerFromContent(certificate.serialHex)]),
    algorithm(OID.sha256, false),
    build.raw(implicitAttributes),
    algorithm(SIGNATURE[kind].oid, SIGNATURE[kind].parameters),
    build.octets(signature),
  ])

  const certificates = [certificate, ...signer.chain].map((c) => build.raw(c.der))
  const signedData = build.sequence([
    build.int(1),
    build.set([algorithm(OID.sha256, false)]),
    build.sequence([build.oid(OID.data), build.explicit(0, build.octets(content))]),
    asn1.create(TagClass.CONTEXT_SPECIFIC, 0, true, certificates),
    build.set([signerInfo]),
  ])
  return toDer(build.sequence([build.oid(OID.signedData), build.explicit(0, signedData)]))
}
