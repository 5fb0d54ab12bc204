/**
 * A correspondent's public certificate, from what people send each other: the certificate alone
 * (.cer DER, .pem/.crt PEM, perhaps with its chain), a certs-only PKCS#7 (.p7c/.p7b, DER or PEM),
 * or a signed message (.eml) whose signature carries the signer's certificate. Recognised by the
 * content, not the name. Pure: bytes in, certificates out, or one sentence (exit 4) saying why not.
 */
import {ExitCode, UserError} from '../errors.js'
import {CertificateFormatError, certificatesFromPem, looksLikeCertificate, parseCertificate} from '../identity/certificate.js'
import type {Certificate} from '../identity/certificate-types.js'
import {buildChain} from '../identity/identity.js'
import {encryptionKeyUsage} from '../identity/key-usage.js'
import {EXTENDED_KEY_USAGE} from '../identity/oids.js'
import {Asn1Error, isContext, oid, parse, sequence, toDer} from '../identity/pkcs12/der.js'
import {parsePfx, Pkcs12FormatError} from '../identity/pkcs12/decode.js'
import {OID} from '../identity/pkcs12/oids.js'
import {sameAddress} from '../identity/same-address.js'

export type ContactFormat = 'DER certificate' | 'PEM certificate' | 'PKCS#7 certificates' | 'signed message'

export interface ContactCertificate {
  /** The correspondent's own certificate. */
  certificate: Certificate
  /** Its issuers found in the input, nearest first (the root, when there, last). */
  chain: Certificate[]
  format: ContactFormat
  /** The From address of a signed message. */
  from?: string
}

/** What the input is not, in one sentence (exit 4). */
function refused(code: string, message: string, hints: string[] = []): UserError {
  return new UserError(message, {code, exitCode: ExitCode.unreadableInput, hints})
}

const ASK_FOR_CERTIFICATE = 'Ask them for their certificate (a .cer, .pem or .p7c file), or for a message they signed, and import that.'
const SEND_PUBLIC_PART = 'Ask them to send only their certificate (for example `mailcert share` writes it, or their mail program exports it as .cer), never the file with their private key.'

function privateKeyRefusal(what: string): UserError {
  return refused('contact-private-key', `This file holds a private key (${what}), which is no one's to pass on: only the public certificate is needed to encrypt to someone.`, [SEND_PUBLIC_PART])
}

function parseAll(ders: Buffer[]): Certificate[] {
  try {
    return ders.map((der) => parseCertificate(der))
  } catch (error) {
    if (error instanceof CertificateFormatError) throw refused('contact-unreadable', `A certificate in this file is damaged: ${error.part} cannot be read.`, [ASK_FOR_CERTIFICATE])
    throw error
  }
}

/** The certificates of a PKCS#7/CMS SignedData (ContentInfo), as DER. */
function signedDataCertificates(der: Buffer): Buffer[] {
  const [type, content] = sequence(parse(der), 'ContentInfo')
  if (oid(type) !== OID.signedData || !isContext(content, 0)) throw new Asn1Error('not PKCS#7 signed data')
  const signedData = sequence((content.value as ReturnType<typeof parse>[])[0], 'SignedData')
  // version, digestAlgorithms, encapContentInfo, then [0] IMPLICIT certificates when there are any.
  const certificates = signedData.find((node) => isContext(node, 0))
  if (!certificates || !Array.isArray(certificates.value)) return []
  // Only the plain certificates of the CertificateChoices (not attribute or other certificates).
  return certificates.value.filter((node) => node.tagClass === 0 && node.type === 16).map((node) => toDer(node))
}

/** CMS EnvelopedData and AuthEnvelopedData (RFC 5652 §6, RFC 5083): an encrypted message. */
const ENVELOPED = new Set([OID.envelopedData, '1.2.840.113549.1.9.16.1.23'])

function isEnveloped(der: Buffer): boolean {
  try {
    return ENVELOPED.has(oid(sequence(parse(der), 'ContentInfo')[0]))
  } catch {
    return false
  }
}

function encryptedRefusal(): UserError {
  return refused('contact-encrypted-message', 'This message is encrypted, not signed, so it carries no certificate of its sender.', ['Ask them to send you a message they signed (unencrypted), or their certificate.'])
}

function fromSignedData(der: Buffer, what: 'file' | 'signature'): Certificate[] {
  // An encrypted message whose Content-Type lacks smime-type (or a .p7m file of one) is encrypted, not damaged.
  if (isEnveloped(der)) throw encryptedRefusal()
  let ders: Buffer[]
  try {
    ders = signedDataCertificates(der)
  } catch (error) {
    if (!(error instanceof Asn1Error)) throw error
    throw refused('contact-unreadable', what === 'file' ? 'This PKCS#7 file cannot be read: it is damaged or not certificates.' : 'The signature of this message cannot be read: it is damaged.', [ASK_FOR_CERTIFICATE])
  }
  if (ders.length === 0) {
    throw refused('contact-no-certificate', what === 'file' ? 'This PKCS#7 file holds no certificate.' : 'The signature of this message carries no certificate, so there is nothing to import.', [ASK_FOR_CERTIFICATE])
  }
  return parseAll(ders)
}

function isCa(certificate: Certificate): boolean {
  return certificate.basicConstraints?.ca === true
}

function allowsEmailProtection(certificate: Certificate): boolean {
  const eku = certificate.extendedKeyUsage
  return eku === null || eku.includes(EXTENDED_KEY_USAGE.emailProtection) || eku.includes(EXTENDED_KEY_USAGE.anyExtendedKeyUsage)
}

/** The correspondent's certificate and its chain out of a pool, `first` chosen when it is given. */
function contactOf(pool: Certificate[], format: ContactFormat, chosen: Certificate, from?: string): ContactCertificate {
  const {chain} = buildChain(chosen, pool)
  return {certificate: chosen, chain, format, ...(from === undefined ? {} : {from})}
}

// ---- signed messages -----------------------------------------------------------------------------

interface MimeEntity {
  headers: Map<string, string>
  body: string
}

function parseEntity(text: string): MimeEntity {
  const split = /\r?\n\r?\n/.exec(text)
  const head = split ? text.slice(0, split.index) : text
  const body = split ? text.slice(split.index + split[0].length) : ''
  const headers = new Map<string, string>()
  // Folded header lines (starting with white space) continue the one before.
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  return {headers, body}
}

/** The media type (lower case) and the parameters of a Content-Type value. */
function contentType(value: string | undefined): {type: string; parameters: Map<string, string>} {
  const [type, ...rest] = (value ?? 'text/plain').split(';')
  const parameters = new Map<string, string>()
  for (const part of rest) {
    const equals = part.indexOf('=')
    if (equals > 0) parameters.set(part.slice(0, equals).trim().toLowerCase(), part.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1'))
  }
  return {type: type.trim().toLowerCase(), parameters}
}

function parts(entity: MimeEntity, boundary: string): MimeEntity[] {
  const delimiter = `--${boundary}`
  const pieces = entity.body.split(new RegExp(`\\r?\\n?${delimiter.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`))
  // Before the first delimiter is the preamble; after the last, the epilogue.
  return pieces.slice(1, -1).map((piece) => parseEntity(piece))
}

function decodedBody(entity: MimeEntity): Buffer {
  const encoding = (entity.headers.get('content-transfer-encoding') ?? '').toLowerCase()
  // S/MIME parts are base64 (RFC 8551 §3.1.3); a binary one is passed on as it is.
  if (encoding === 'binary' || encoding === '8bit') return Buffer.from(entity.body, 'latin1')
  return Buffer.from(entity.body.replace(/\s+/g, ''), 'base64')
}

const PKCS7_SIGNATURE = /^application\/(x-)?pkcs7-signature$/
const PKCS7_MIME = /^application\/(x-)?pkcs7-mime$/

/** The CMS SignedData of a signed entity: a multipart/signed's signature part, or an opaque signed pkcs7-mime. */
function findSignature(entity: MimeEntity, depth = 0): Buffer | null {
  const {type, parameters} = contentType(entity.headers.get('content-type'))
  if (PKCS7_MIME.test(type)) {
    const smimeType = parameters.get('smime-type')?.toLowerCase()
    if (smimeType === 'enveloped-data' || smimeType === 'authenveloped-data') throw encryptedRefusal()
    return decodedBody(entity)
  }
  const boundary = parameters.get('boundary')
  if (!type.startsWith('multipart/') || !boundary || depth > 4) return null
  const children = parts(entity, boundary)
  if (type === 'multipart/signed') {
    const signature = children.find((child) => PKCS7_SIGNATURE.test(contentType(child.headers.get('content-type')).type))
    if (signature) return decodedBody(signature)
  }
  for (const child of children) {
    const found = findSignature(child, depth + 1)
    if (found) return found
  }
  return null
}

function fromAddress(value: string | undefined): string | undefined {
  if (!value) return undefined
  const angle = /<([^<>@\s]+@[^<>\s]+)>/.exec(value)
  if (angle) return angle[1]
  return /([^\s<>"',;:]+@[^\s<>"',;:]+)/.exec(value)?.[1]
}

function looksLikeMessage(text: string): boolean {
  const head = parseEntity(text).headers
  // A plain RFC 5322 message (no MIME headers) has a From beside its Date, To or Subject.
  if (head.has('from') && (head.has('date') || head.has('to') || head.has('subject'))) return true
  return head.has('content-type') && (head.has('mime-version') || head.has('from') || head.has('subject'))
}

/**
 * The person's certificate: the one for the From address, else the end entity allowed for e-mail. Of
 * several (a separate signing and encryption certificate, both sent along), the one mail can be encrypted to.
 */
function signerOf(pool: Certificate[], from: string | undefined): Certificate {
  const leaves = pool.filter((c) => !isCa(c))
  const encryptable = (list: Certificate[]) => list.find((c) => encryptionObstacle(c) === null) ?? list[0]
  return (
    (from === undefined ? undefined : encryptable(leaves.filter((c) => c.emails.some((email) => sameAddress(email, from))))) ??
    encryptable(leaves.filter((c) => c.emails.length > 0 && allowsEmailProtection(c))) ??
    leaves.find((c) => c.emails.length > 0) ??
    leaves[0] ??
    pool[0]
  )
}

function fromMessage(text: string): ContactCertificate {
  const message = parseEntity(text)
  const signature = findSignature(message)
  if (!signature) throw refused('contact-unsigned-message', 'This message is not signed with S/MIME, so it carries no certificate of its sender.', ['Ask them to send you a message they signed, or their certificate.'])
  const pool = fromSignedData(signature, 'signature')
  const from = fromAddress(message.headers.get('from'))
  return contactOf(pool, 'signed message', signerOf(pool, from), from)
}

// ---- files ---------------------------------------------------------------------------------------

function isText(bytes: Buffer): boolean {
  return !bytes.subarray(0, 4096).some((byte) => byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte > 0x7e)
}

function fromPem(text: string): ContactCertificate {
  if (/-----BEGIN (ENCRYPTED |RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----/.test(text)) throw privateKeyRefusal('a PEM private key')
  const pkcs7 = /-----BEGIN (PKCS7|CMS)-----([\s\S]*?)-----END \1-----/.exec(text)
  if (pkcs7) return fromPkcs7(Buffer.from(pkcs7[2].replace(/\s+/g, ''), 'base64'))
  const certificates = parseAll(certificatesFromPem(text))
  if (certificates.length === 0) throw refused('contact-no-certificate', 'This PEM file holds no certificate.', [ASK_FOR_CERTIFICATE])
  // The first end-entity certificate is the correspondent's; the others are its chain.
  return contactOf(certificates, 'PEM certificate', certificates.find((c) => !isCa(c)) ?? certificates[0])
}

function fromPkcs7(der: Buffer): ContactCertificate {
  const pool = fromSignedData(der, 'file')
  return contactOf(pool, 'PKCS#7 certificates', signerOf(pool, undefined))
}

function isPkcs12(bytes: Buffer): boolean {
  try {
    parsePfx(bytes)
    return true
  } catch (error) {
    // A PKCS#12 file whose parts mailcert cannot read is still one.
    return !(error instanceof Pkcs12FormatError)
  }
}

/** An outer SEQUENCE whose first element is a SEQUENCE (the TBSCertificate); PKCS#12 and PKCS#7 start with an INTEGER or an OID. */
function startsLikeCertificate(bytes: Buffer): boolean {
  const header = bytes[1] < 0x80 ? 2 : 2 + (bytes[1] & 0x7f)
  return bytes[0] === 0x30 && bytes[header] === 0x30
}

function fromDer(bytes: Buffer): ContactCertificate {
  if (looksLikeCertificate(bytes)) {
    const [certificate] = parseAll([bytes])
    return contactOf([certificate], 'DER certificate', certificate)
  }
  if (startsLikeCertificate(bytes)) throw refused('contact-unreadable', 'This certificate is damaged (cut short or changed), so it cannot be read.', [ASK_FOR_CERTIFICATE])
  if (isPkcs12(bytes)) throw privateKeyRefusal('a PKCS#12 .p12/.pfx file')
  return fromPkcs7(bytes)
}

/** The correspondent's certificate in `bytes`. Throws a UserError (exit 4) for anything else. */
export function readContactInput(bytes: Buffer): ContactCertificate {
  if (bytes.length === 0) throw refused('contact-unreadable', 'The file is empty.', [ASK_FOR_CERTIFICATE])
  if (bytes[0] === 0x30) {
    try {
      return fromDer(bytes)
    } catch (error) {
      if (error instanceof UserError) throw error
      throw refused('contact-unreadable', 'This file is not a certificate, a PKCS#7 file or a signed message.', [ASK_FOR_CERTIFICATE])
    }
  }
  const text = bytes.toString('latin1')
  // A message first: its text may quote a PEM block that is not the sender's.
  if (looksLikeMessage(text)) return fromMessage(text)
  if (text.includes('-----BEGIN')) return fromPem(text)
  if (isText(bytes)) {
    // Base64 of a DER file, as some programs export a .cer.
    const compact = text.replace(/\s+/g, '')
    if (compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
      const decoded = Buffer.from(compact, 'base64')
      if (decoded[0] === 0x30) return readContactInput(decoded)
    }
  }
  throw refused('contact-unreadable', 'This file is not a certificate, a PKCS#7 file or a signed message.', [ASK_FOR_CERTIFICATE])
}

// ---- whether it can be encrypted to --------------------------------------------------------------

const EKU_NAMES = new Map<string, string>(Object.entries(EXTENDED_KEY_USAGE).map(([name, value]) => [value, name]))

/** Why mail cannot be encrypted to this certificate, in a phrase ("its key usage ... does not include keyEncipherment"), or null. */
export function encryptionObstacle(certificate: Certificate): string | null {
  const needed = encryptionKeyUsage(certificate)
  if (needed === null) return `its key (${certificate.publicKey.name}) can only sign`
  const usage = certificate.keyUsage
  if (usage !== null && !usage.includes(needed)) return `its key usage (${usage.join(', ') || 'none'}) does not include ${needed}`
  if (!allowsEmailProtection(certificate)) {
    const names = (certificate.extendedKeyUsage ?? []).map((o) => EKU_NAMES.get(o) ?? o)
    return `its extended key usage (${names.join(', ') || 'none'}) does not include emailProtection`
  }
  return null
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/** The name a person knows the certificate by: its CN, else its first address, else the subject. */
export function displayName(certificate: Certificate): string {
  return certificate.subject.attributes.find((a) => a.type === 'CN')?.value ?? certificate.emails[0] ?? certificate.subject.text
}

/** Refuses (exit 4, one sentence) a certificate that no one can encrypt mail to now. */
export function refuseUnusableContact(contact: ContactCertificate, now: Date): void {
  const certificate = contact.certificate
  const name = displayName(certificate)
  if (isCa(certificate)) {
    throw refused('contact-is-ca', `This is the certificate of a certificate authority (${name}), not a person's, so mail cannot be encrypted to it.`, [ASK_FOR_CERTIFICATE])
  }
  if (certificate.notAfter < now) {
    throw refused('contact-expired', `The certificate of ${name} expired on ${day(certificate.notAfter)}, so mail can no longer be encrypted to it.`, ['Ask them for their current certificate.'])
  }
  if (certificate.notBefore > now) {
    throw refused('contact-not-yet-valid', `The certificate of ${name} is not valid before ${day(certificate.notBefore)}, so mail cannot be encrypted to it yet.`, ['Import it again on or after that day, or check this computer\'s clock.'])
  }
  if (certificate.emails.length === 0) {
    throw refused('contact-no-email', `The certificate of ${name} names no e-mail address, so no mail program can match it to a recipient.`, ['Ask them for their S/MIME (e-mail) certificate.'])
  }
  const obstacle = encryptionObstacle(certificate)
  if (obstacle) {
    throw refused('contact-not-for-encryption', `The certificate of ${name} cannot be used to encrypt mail to them: ${obstacle}.`, ['Ask them for a certificate made for e-mail encryption (some people have a separate one for it).'])
  }
}
