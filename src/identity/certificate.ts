import {X509Certificate} from 'node:crypto'
import asn1 from 'node-forge/lib/asn1.js'
import type * as forge from 'node-forge'

import type {
  Certificate,
  DistinguishedName,
  KeyUsageName,
  MailboxSource,
  NameAttribute,
  PublicKeyInfo,
} from './certificate-types.js'
import {describeKeyAlgorithmOid, describeKeyObject} from './key-algorithms.js'
import {EXTENSION, HASH_ALGORITHMS, NAME_ATTRIBUTE_NAMES, SIGNATURE_ALGORITHMS, SMTP_UTF8_MAILBOX} from './oids.js'

type Asn1 = forge.asn1.Asn1

/*
 * node:crypto parses the certificate as OpenSSL does and gives fingerprints, the public key and signature
 * checks; node-forge's ASN.1 reader gives everything node:crypto hides or gets wrong (exact name bytes,
 * the serial's leading zero, SmtpUTF8Mailbox, key usage bits; `X509Certificate.keyUsage` is really EKU).
 */

// ---------------------------------------------------------------------------------------------------
// Public API

/**
 * The bytes are not a certificate, or one part of it cannot be read. `part` says which, in words for people
 * ("its subjectAltName extension"); a damaged file is the user's to replace, never a bug.
 */
export class CertificateFormatError extends Error {
  readonly part: string

  constructor(part: string, detail: string) {
    super(`Not an X.509 certificate: ${part} cannot be read (${detail})`)
    this.name = 'CertificateFormatError'
    this.part = part
  }
}

/** Every certificate in a PEM text, as DER. Tolerates the `X509 CERTIFICATE` and OpenSSL `TRUSTED CERTIFICATE` labels. */
export function certificatesFromPem(text: string): Buffer[] {
  const block = /-----BEGIN ((?:X509 |TRUSTED )?CERTIFICATE)-----([\s\S]*?)-----END \1-----/g
  const certificates: Buffer[] = []
  for (const match of text.matchAll(block)) {
    const bytes = Buffer.from(match[2].replace(/\s+/g, ''), 'base64')
    // A TRUSTED CERTIFICATE appends OpenSSL's trust settings after the certificate; keep the certificate only.
    certificates.push(leadingElement(bytes) ?? bytes)
  }
  return certificates
}

/**
 * Cheap structural test: an outer SEQUENCE whose first element is a SEQUENCE (the TBSCertificate) that starts
 * with the [0] version or the serial INTEGER. A PKCS#12 file fails it: its first element is INTEGER 3.
 */
export function looksLikeCertificate(der: Buffer): boolean {
  try {
    const outer = readTlv(der, 0)
    if (outer.tag !== TAG.SEQUENCE) return false
    const tbs = readTlv(der, outer.contentStart, outer.end)
    if (tbs.tag !== TAG.SEQUENCE) return false
    const first = readTlv(der, tbs.contentStart, tbs.end)
    return first.tag === TAG.VERSION || first.tag === TAG.INTEGER
  } catch {
    return false
  }
}

/** Reads the parts of an X.509 certificate mailcert needs. Throws CertificateFormatError, naming the damaged part, on other bytes. */
export function parseCertificate(input: Buffer): Certificate {
  if (!looksLikeCertificate(input)) throw new CertificateFormatError('its structure', 'the bytes do not have the structure of a DER certificate')
  const der = Buffer.from(leadingElement(input) ?? input)
  const x509 = readPart('its structure', () => new X509Certificate(der))
  const fields = readPart('its structure', () => readTbsFields(der))
  const extensions = readPart('its list of extensions', () => readExtensions(fields.extensions))

  const subject = readPart('its subject name', () => readName(fields.subject, fields.subjectDer))
  const issuer = readPart('its issuer name', () => readName(fields.issuer, fields.issuerDer))
  const keyUsage = extensionValue(extensions, EXTENSION.keyUsage, readKeyUsage)
  const sanMailboxes = extensionValue(extensions, EXTENSION.subjectAltName, readSanMailboxes) ?? []
  const {emails, emailSources, malformedAddresses} = collectEmails(sanMailboxes, subject)

  return {
    der,
    subject,
    issuer,
    serialHex: readPart('its serial number', () => binaryToHex(primitiveBytes(fields.serial))),
    notBefore: readPart('its validity dates', () => readTime(fields.validity[0])),
    notAfter: readPart('its validity dates', () => readTime(fields.validity[1])),
    emails,
    emailSources,
    malformedAddresses,
    keyUsage: keyUsage ?? null,
    keyUsageCritical: extensions.get(EXTENSION.keyUsage)?.critical ?? false,
    extendedKeyUsage: extensionValue(extensions, EXTENSION.extendedKeyUsage, readOidSequence) ?? null,
    basicConstraints: extensionValue(extensions, EXTENSION.basicConstraints, readBasicConstraints) ?? null,
    policies: extensionValue(extensions, EXTENSION.certificatePolicies, readPolicies) ?? [],
    publicKey: readPart('its public key', () => readPublicKey(x509, fields.subjectPublicKeyInfo)),
    signatureAlgorithm: readPart('its signature algorithm', () => readSignatureAlgorithm(fields.signatureAlgorithm)),
    subjectKeyIdentifier: extensionValue(extensions, EXTENSION.subjectKeyIdentifier, readSubjectKeyIdentifier),
    authorityKeyIdentifier: extensionValue(extensions, EXTENSION.authorityKeyIdentifier, readAuthorityKeyIdentifier),
    selfSigned: subject.der.equals(issuer.der) && signedByOwnKey(x509),
    fingerprints: {sha1: plainHex(x509.fingerprint), sha256: plainHex(x509.fingerprint256)},
  }
}

/**
 * Runs one reader over untrusted bytes. Whatever a malformed structure makes it throw (forge's "Too few
 * bytes", a wrong tag, an invalid date) means that part of the certificate is damaged.
 */
function readPart<T>(part: string, read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (error instanceof CertificateFormatError) throw error
    throw new CertificateFormatError(part, error instanceof Error ? error.message : String(error))
  }
}

// ---------------------------------------------------------------------------------------------------
// Raw DER walking, for exact byte ranges (forge re-encodes instead of keeping offsets)

const TAG = {
  INTEGER: 0x02,
  SEQUENCE: 0x30,
  VERSION: 0xa0,
} as const

interface Tlv {
  tag: number
  start: number
  contentStart: number
  end: number
}

function readTlv(der: Buffer, offset: number, limit = der.length): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER')
  const tag = der[offset]
  const firstLength = der[offset + 1]
  let length = firstLength
  let contentStart = offset + 2
  if (firstLength & 0x80) {
    const lengthBytes = firstLength & 0x7f
    // 0x80 is BER's indefinite length; more than 4 length bytes cannot describe a real certificate.
    if (lengthBytes === 0 || lengthBytes > 4) throw new Error('unsupported DER length')
    if (contentStart + lengthBytes > limit) throw new Error('truncated DER')
    length = der.readUIntBE(contentStart, lengthBytes)
    contentStart += lengthBytes
  }
  const end = contentStart + length
  if (end > limit) throw new Error('truncated DER')
  return {tag, start: offset, contentStart, end}
}

/** The first DER element of the bytes, without whatever follows it; undefined when it is not readable. */
function leadingElement(bytes: Buffer): Buffer | undefined {
  try {
    return bytes.subarray(0, readTlv(bytes, 0).end)
  } catch {
    return undefined
  }
}

/** Exact DER of the issuer and subject Names, found by walking the TBSCertificate's fields. */
function nameSlices(der: Buffer): {issuerDer: Buffer; subjectDer: Buffer} {
  const outer = readTlv(der, 0)
  const tbs = readTlv(der, outer.contentStart, outer.end)
  const fields: Tlv[] = []
  for (let offset = tbs.contentStart; offset < tbs.end && fields.length < 6; ) {
    const field = readTlv(der, offset, tbs.end)
    fields.push(field)
    offset = field.end
  }
  // Fields: [version], serial, signature, issuer, validity, subject.
  const skip = fields[0]?.tag === TAG.VERSION ? 1 : 0
  const issuer = fields[skip + 2]
  const subject = fields[skip + 4]
  if (!issuer || !subject) throw new Error('the TBSCertificate is missing its names')
  return {
    issuerDer: der.subarray(issuer.start, issuer.end),
    subjectDer: der.subarray(subject.start, subject.end),
  }
}

// ---------------------------------------------------------------------------------------------------
// forge ASN.1 helpers

// Universal tag numbers that @types/node-forge's `asn1.Type` enum leaves out.
const UNIVERSAL = {
  BOOLEAN: 1,
  INTEGER: 2,
  BIT_STRING: 3,
  OCTET_STRING: 4,
  OID: 6,
  UTF8_STRING: 12,
  SEQUENCE: 16,
  SET: 17,
  NUMERIC_STRING: 18,
  PRINTABLE_STRING: 19,
  TELETEX_STRING: 20,
  VIDEOTEX_STRING: 21,
  IA5_STRING: 22,
  UTC_TIME: 23,
  GENERALIZED_TIME: 24,
  GRAPHIC_STRING: 25,
  VISIBLE_STRING: 26,
  GENERAL_STRING: 27,
  UNIVERSAL_STRING: 28,
  BMP_STRING: 30,
} as const

interface FromDerOptions {
  strict?: boolean
  parseAllBytes?: boolean
  decodeBitStrings?: boolean
}

// forge 1.x takes an options object; @types/node-forge only knows the older boolean `strict` argument.
const forgeFromDer = asn1.fromDer as unknown as (bytes: string, options: FromDerOptions) => Asn1

/** Parses DER bytes (a forge binary string); BIT STRINGs stay opaque, because forge's guess at nested DER inside them is unreliable. */
function fromDer(binary: string): Asn1 {
  return forgeFromDer(binary, {strict: true, parseAllBytes: true, decodeBitStrings: false})
}

function isUniversal(node: Asn1 | undefined, tagNumber: number): node is Asn1 {
  return node !== undefined && node.tagClass === asn1.Class.UNIVERSAL && tagNumberOf(node) === tagNumber
}

function isContext(node: Asn1 | undefined, tagNumber: number): node is Asn1 {
  return node !== undefined && node.tagClass === asn1.Class.CONTEXT_SPECIFIC && tagNumberOf(node) === tagNumber
}

function tagNumberOf(node: Asn1): number {
  return node.type
}

function children(node: Asn1): Asn1[] {
  if (!Array.isArray(node.value)) throw new Error(`expected a constructed ASN.1 element, found tag ${tagNumberOf(node)}`)
  return node.value
}

function primitiveBytes(node: Asn1): string {
  if (typeof node.value !== 'string') throw new Error(`expected a primitive ASN.1 element, found tag ${tagNumberOf(node)}`)
  return node.value
}

function expectUniversal(node: Asn1 | undefined, tagNumber: number, what: string): Asn1 {
  if (!isUniversal(node, tagNumber)) throw new Error(`${what} is missing or has the wrong type`)
  return node
}

function readOid(node: Asn1 | undefined, what = 'object identifier'): string {
  return asn1.derToOid(primitiveBytes(expectUniversal(node, UNIVERSAL.OID, what)))
}

function binaryToHex(binary: string): string {
  return Buffer.from(binary, 'binary').toString('hex')
}

function binaryToUtf8(binary: string): string {
  return Buffer.from(binary, 'binary').toString('utf8')
}

// ---------------------------------------------------------------------------------------------------
// Certificate structure

interface TbsFields {
  serial: Asn1
  signatureAlgorithm: Asn1
  issuer: Asn1
  issuerDer: Buffer
  validity: [Asn1, Asn1]
  subject: Asn1
  subjectDer: Buffer
  subjectPublicKeyInfo: Asn1
  extensions: Asn1 | undefined
}

function readTbsFields(der: Buffer): TbsFields {
  const certificate = fromDer(der.toString('binary'))
  const [tbs, signatureAlgorithm] = children(certificate)
  const fields = children(expectUniversal(tbs, UNIVERSAL.SEQUENCE, 'TBSCertificate'))
  const rest = isContext(fields[0], 0) ? fields.slice(1) : fields
  const [serial, , issuer, validity, subject, subjectPublicKeyInfo, ...optional] = rest
  const [notBefore, notAfter] = children(expectUniversal(validity, UNIVERSAL.SEQUENCE, 'validity'))
  return {
    serial: expectUniversal(serial, UNIVERSAL.INTEGER, 'serial number'),
    signatureAlgorithm: expectUniversal(signatureAlgorithm, UNIVERSAL.SEQUENCE, 'signature algorithm'),
    issuer: expectUniversal(issuer, UNIVERSAL.SEQUENCE, 'issuer'),
    validity: [notBefore, notAfter],
    subject: expectUniversal(subject, UNIVERSAL.SEQUENCE, 'subject'),
    subjectPublicKeyInfo: expectUniversal(subjectPublicKeyInfo, UNIVERSAL.SEQUENCE, 'subject public key info'),
    extensions: optional.find((node) => isContext(node, 3)),
    ...nameSlices(der),
  }
}

function readTime(node: Asn1 | undefined): Date {
  let date: Date | undefined
  if (isUniversal(node, UNIVERSAL.UTC_TIME)) date = asn1.utcTimeToDate(primitiveBytes(node))
  if (isUniversal(node, UNIVERSAL.GENERALIZED_TIME)) date = asn1.generalizedTimeToDate(primitiveBytes(node))
  if (date === undefined) throw new Error('a validity date is missing or has the wrong type')
  // forge turns digits it cannot read into an Invalid Date rather than an error.
  if (Number.isNaN(date.getTime())) throw new Error('a validity date is not a date')
  return date
}

// ---------------------------------------------------------------------------------------------------
// Names

interface RelativeName {
  attributes: NameAttribute[]
}

function readName(name: Asn1, der: Buffer): DistinguishedName {
  const rdns: RelativeName[] = children(name).map((rdn) => ({
    attributes: children(expectUniversal(rdn, UNIVERSAL.SET, 'relative distinguished name')).map(readAttribute),
  }))
  return {
    attributes: rdns.flatMap((rdn) => rdn.attributes),
    text: nameText(rdns),
    der: Buffer.from(der),
  }
}

function readAttribute(typeAndValue: Asn1): NameAttribute {
  const [type, value] = children(expectUniversal(typeAndValue, UNIVERSAL.SEQUENCE, 'name attribute'))
  const oid = readOid(type, 'name attribute type')
  return {type: NAME_ATTRIBUTE_NAMES[oid] ?? oid, oid, value: value === undefined ? '' : readDirectoryString(value)}
}

/** Text of any ASN.1 string type; other values as RFC 4514's `#` and the hex of their DER. */
function readDirectoryString(node: Asn1): string {
  if (node.tagClass !== asn1.Class.UNIVERSAL || node.constructed) return `#${binaryToHex(asn1.toDer(node).getBytes())}`
  const bytes = primitiveBytes(node)
  switch (tagNumberOf(node)) {
    case UNIVERSAL.UTF8_STRING:
      return binaryToUtf8(bytes)
    case UNIVERSAL.BMP_STRING:
      // forge already turned the UTF-16BE code units into a JavaScript string.
      return bytes
    case UNIVERSAL.UNIVERSAL_STRING:
      return decodeUtf32Be(bytes)
    case UNIVERSAL.PRINTABLE_STRING:
    case UNIVERSAL.IA5_STRING:
    case UNIVERSAL.VISIBLE_STRING:
    case UNIVERSAL.NUMERIC_STRING:
    case UNIVERSAL.TELETEX_STRING:
    case UNIVERSAL.VIDEOTEX_STRING:
    case UNIVERSAL.GRAPHIC_STRING:
    case UNIVERSAL.GENERAL_STRING:
      // T.61 is not Latin-1, but every real-world TeletexString is written as if it were.
      return bytes
    default:
      return `#${binaryToHex(asn1.toDer(node).getBytes())}`
  }
}

function decodeUtf32Be(binary: string): string {
  const bytes = Buffer.from(binary, 'binary')
  let text = ''
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) text += String.fromCodePoint(bytes.readUInt32BE(offset))
  return text
}

/** RFC 4514 order (most significant RDN last) and escaping, so that commas inside values stay unambiguous. */
function nameText(rdns: RelativeName[]): string {
  return rdns
    .map((rdn) => rdn.attributes.map((attribute) => `${attribute.type}=${escapeNameValue(attribute.value)}`).join('+'))
    .reverse()
    .join(', ')
}

function escapeNameValue(value: string): string {
  if (value.startsWith('#') && /^#[0-9a-f]*$/.test(value)) return value
  return value
    .replace(/[\\",+;<>]/g, (character) => `\\${character}`)
    .replace(/\0/g, '\\00')
    .replace(/^[ #]/, (character) => `\\${character}`)
    .replace(/ $/, '\\ ')
}

// ---------------------------------------------------------------------------------------------------
// Extensions

interface RawExtension {
  critical: boolean
  /** The extnValue's content, as a forge binary string. */
  value: string
}

function readExtensions(wrapper: Asn1 | undefined): Map<string, RawExtension> {
  const extensions = new Map<string, RawExtension>()
  if (wrapper === undefined) return extensions
  const [list] = children(wrapper)
  for (const extension of list === undefined ? [] : children(list)) {
    const [id, second, third] = children(extension)
    const oid = readOid(id, 'extension id')
    const hasCritical = isUniversal(second, UNIVERSAL.BOOLEAN)
    const critical = hasCritical && primitiveBytes(second) !== '\x00'
    const value = primitiveBytes(expectUniversal(hasCritical ? third : second, UNIVERSAL.OCTET_STRING, 'extension value'))
    // RFC 5280 forbids repeating an extension; the first one is the one OpenSSL reads.
    if (!extensions.has(oid)) extensions.set(oid, {critical, value})
  }
  return extensions
}

const EXTENSION_NAMES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(EXTENSION).map(([name, oid]) => [oid, name]))

/** Decodes one extension lazily, so that a malformed extension mailcert does not read cannot fail the parse. */
function extensionValue<T>(extensions: Map<string, RawExtension>, oid: string, read: (value: Asn1) => T): T | undefined {
  const extension = extensions.get(oid)
  if (extension === undefined) return undefined
  return readPart(`its ${EXTENSION_NAMES[oid] ?? oid} extension`, () => read(fromDer(extension.value)))
}

const KEY_USAGE_BITS: KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
]

function readKeyUsage(value: Asn1): KeyUsageName[] {
  // BIT STRING content: one byte counting the unused trailing bits, then the bits, most significant first.
  const bits = Buffer.from(primitiveBytes(expectUniversal(value, UNIVERSAL.BIT_STRING, 'keyUsage')), 'binary').subarray(1)
  return KEY_USAGE_BITS.filter((_, index) => ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0)
}

function readOidSequence(value: Asn1): string[] {
  return children(expectUniversal(value, UNIVERSAL.SEQUENCE, 'OID list')).map((node) => readOid(node))
}

function readBasicConstraints(value: Asn1): {ca: boolean; pathLength?: number} {
  const fields = children(expectUniversal(value, UNIVERSAL.SEQUENCE, 'basicConstraints'))
  const caFlag = fields.find((node) => isUniversal(node, UNIVERSAL.BOOLEAN))
  const pathLength = fields.find((node) => isUniversal(node, UNIVERSAL.INTEGER))
  const constraints: {ca: boolean; pathLength?: number} = {ca: caFlag !== undefined && primitiveBytes(caFlag) !== '\x00'}
  if (pathLength !== undefined) constraints.pathLength = asn1.derToInteger(primitiveBytes(pathLength))
  return constraints
}

function readPolicies(value: Asn1): string[] {
  return children(expectUniversal(value, UNIVERSAL.SEQUENCE, 'certificatePolicies')).map((policy) =>
    readOid(children(expectUniversal(policy, UNIVERSAL.SEQUENCE, 'policy information'))[0], 'policy identifier'),
  )
}

function readSubjectKeyIdentifier(value: Asn1): string {
  return binaryToHex(primitiveBytes(expectUniversal(value, UNIVERSAL.OCTET_STRING, 'subjectKeyIdentifier')))
}

function readAuthorityKeyIdentifier(value: Asn1): string | undefined {
  const keyIdentifier = children(expectUniversal(value, UNIVERSAL.SEQUENCE, 'authorityKeyIdentifier')).find(
    (node) => isContext(node, 0) && !node.constructed,
  )
  return keyIdentifier === undefined ? undefined : binaryToHex(primitiveBytes(keyIdentifier))
}

interface SanMailbox {
  address: string
  source: MailboxSource
}

function readSanMailboxes(value: Asn1): SanMailbox[] {
  const rfc822Names: SanMailbox[] = []
  const smtpUtf8Mailboxes: SanMailbox[] = []
  for (const name of children(expectUniversal(value, UNIVERSAL.SEQUENCE, 'subjectAltName'))) {
    if (isContext(name, 1) && !name.constructed) {
      rfc822Names.push({address: primitiveBytes(name), source: 'rfc822Name'})
    } else if (isContext(name, 0) && name.constructed) {
      const address = readSmtpUtf8Mailbox(name)
      if (address !== undefined) smtpUtf8Mailboxes.push({address, source: 'SmtpUTF8Mailbox'})
    }
  }
  return [...rfc822Names, ...smtpUtf8Mailboxes]
}

/** otherName ::= SEQUENCE { type-id OID, value [0] EXPLICIT ANY }; RFC 8398 makes the value a UTF8String. */
function readSmtpUtf8Mailbox(otherName: Asn1): string | undefined {
  const [typeId, explicitValue] = children(otherName)
  if (readOid(typeId, 'otherName type') !== SMTP_UTF8_MAILBOX || !isContext(explicitValue, 0)) return undefined
  const [mailbox] = children(explicitValue)
  return binaryToUtf8(primitiveBytes(expectUniversal(mailbox, UNIVERSAL.UTF8_STRING, 'SmtpUTF8Mailbox')))
}

/**
 * The addresses mail clients accept: the SAN's, then the subject's emailAddress. NSS (Thunderbird) reads
 * the subject's address even when a SAN is present (certdb.c, cert_GetCertificateEmailAddresses), and so do
 * Outlook and Apple Mail; a certificate whose subject names a fourth address works for four accounts.
 */
function collectEmails(
  sanMailboxes: SanMailbox[],
  subject: DistinguishedName,
): Pick<Certificate, 'emails' | 'emailSources' | 'malformedAddresses'> {
  const subjectMailboxes = subject.attributes
    .filter((attribute) => attribute.type === 'emailAddress')
    .map((attribute) => ({address: attribute.value, source: 'subject' as const}))
  const seen = new Set<string>()
  const result: Pick<Certificate, 'emails' | 'emailSources' | 'malformedAddresses'> = {emails: [], emailSources: [], malformedAddresses: []}
  for (const {address, source} of [...sanMailboxes, ...subjectMailboxes]) {
    const key = address.toLowerCase()
    if (address === '' || seen.has(key)) continue
    seen.add(key)
    if (isOneAddress(address)) {
      result.emails.push(address)
      result.emailSources.push(source)
    } else {
      result.malformedAddresses.push({value: address, source})
    }
  }
  return result
}

/** A mailbox has no spaces, commas, semicolons or angle brackets: a value with them is a list or a display form. */
function isOneAddress(value: string): boolean {
  return !/[\s,;<>]/.test(value)
}

// ---------------------------------------------------------------------------------------------------
// Keys and signatures

function readPublicKey(x509: X509Certificate, subjectPublicKeyInfo: Asn1): PublicKeyInfo {
  let key: ReturnType<typeof describeKeyObject> | undefined
  try {
    key = describeKeyObject(x509.publicKey)
  } catch {
    // OpenSSL 3.0 (Node 20) cannot load some keys, such as ML-DSA or ML-KEM; the OIDs still say what they are.
  }
  return key === undefined || key.algorithm === 'unknown' ? publicKeyFromSpki(subjectPublicKeyInfo) : key
}

function publicKeyFromSpki(subjectPublicKeyInfo: Asn1): PublicKeyInfo {
  const [algorithm] = children(subjectPublicKeyInfo)
  const [id, parameters] = children(expectUniversal(algorithm, UNIVERSAL.SEQUENCE, 'public key algorithm'))
  const curveOid = isUniversal(parameters, UNIVERSAL.OID) ? readOid(parameters, 'named curve') : undefined
  return describeKeyAlgorithmOid(readOid(id, 'public key algorithm'), curveOid)
}

function readSignatureAlgorithm(algorithmIdentifier: Asn1): Certificate['signatureAlgorithm'] {
  const [id, parameters] = children(algorithmIdentifier)
  const oid = readOid(id, 'signature algorithm')
  const known = SIGNATURE_ALGORITHMS[oid]
  if (known === undefined) return {oid, name: oid}
  const hash = known.hash ?? (known.name === 'RSASSA-PSS' ? pssHash(parameters) : undefined)
  return hash === undefined ? {oid, name: known.name} : {oid, name: known.name, hash}
}

/** RSASSA-PSS-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, ... } (RFC 4055). */
function pssHash(parameters: Asn1 | undefined): Certificate['signatureAlgorithm']['hash'] {
  if (!isUniversal(parameters, UNIVERSAL.SEQUENCE)) return 'SHA-1'
  const explicitHash = children(parameters).find((node) => isContext(node, 0))
  if (explicitHash === undefined) return 'SHA-1'
  const [hashAlgorithm] = children(explicitHash)
  return HASH_ALGORITHMS[readOid(children(expectUniversal(hashAlgorithm, UNIVERSAL.SEQUENCE, 'PSS hash'))[0])]
}

function signedByOwnKey(x509: X509Certificate): boolean {
  try {
    return x509.verify(x509.publicKey)
  } catch {
    return false
  }
}

/** node:crypto gives `AB:CD:…`; scripts and Windows thumbprints want plain hex, people get colons from the UI. */
function plainHex(colonSeparated: string): string {
  return colonSeparated.replaceAll(':', '').toLowerCase()
}
