/**
 * The signed message a person sends so that others can encrypt to them: RFC 8551 multipart/signed
 * (protocol application/pkcs7-signature, micalg sha-256) with a short text, signed with their key.
 * A mail client that opens it shows it as signed and keeps the certificate it carries; the signed
 * attributes say which ciphers the sender reads (SMIMECapabilities) and which certificate to
 * encrypt to (SMIMEEncryptionKeyPreference, and Microsoft's own attribute for Outlook).
 * One MIME assembly (signedMimeMessage) serves both signers: the key from a .p12 file (signedMessage,
 * node:crypto) and the key in an NSS database (stored-signer.ts, NSS's cmsutil).
 */
import {randomBytes} from 'node:crypto'

import asn1 from 'node-forge/lib/asn1.js'

import {attribute, cmsSignedData, issuerAndSerialNumber} from '../identity/cms-signed-data.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {Identity} from '../identity/identity.js'
import {build, TagClass} from '../identity/pkcs12/der.js'

const SMIME_CAPABILITIES = '1.2.840.113549.1.9.15'
const ENCRYPTION_KEY_PREFERENCE = '1.2.840.113549.1.9.16.2.11'
const MICROSOFT_ENCRYPTION_KEY_PREFERENCE = '1.3.6.1.4.1.311.16.4'
/** The ciphers to encrypt to the sender with, strongest first (RFC 8551 §2.7: AES-128 CBC must be read, AES-256 should). */
const CIPHERS = ['2.16.840.1.101.3.4.1.42', '2.16.840.1.101.3.4.1.2', '1.2.840.113549.3.7']

const CRLF = '\r\n'

export interface SignedMessageOptions {
  now: Date
  /** The certificate others are to encrypt to; the signer's own by default (a separate encryption certificate otherwise). */
  encryptionCertificate?: Certificate
  /** For tests: the MIME boundary and Message-ID part; random otherwise. */
  unique?: string
}

/** 76 characters a line, as MIME's base64 wants (RFC 2045 §6.8). */
function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF)
}

function smimeAttributes(encryption: Certificate): Buffer[] {
  const capabilities = build.sequence(CIPHERS.map((cipher) => build.sequence([build.oid(cipher)])))
  const preference = asn1.create(TagClass.CONTEXT_SPECIFIC, 0, true, issuerAndSerialNumber(encryption))
  return [
    attribute(SMIME_CAPABILITIES, capabilities),
    attribute(ENCRYPTION_KEY_PREFERENCE, preference),
    attribute(MICROSOFT_ENCRYPTION_KEY_PREFERENCE, build.sequence(issuerAndSerialNumber(encryption))),
  ]
}

/** The text of the message: what it is, and what the reader can do now. */
export function messageText(certificate: Certificate, address = certificate.emails[0] ?? ''): string {
  return [
    'Hello,',
    '',
    `this message is signed with my S/MIME certificate for ${address}.`,
    'Your mail program should show it as signed, and it now has my certificate:',
    'when you reply or write to me, you can encrypt the message.',
    '',
    'If your mail program asks, accept the certificate it carries. You can also',
    'import the attached signature (smime.p7s) or the .cer file I sent as my certificate.',
    '',
    `Certificate: ${certificate.subject.text}`,
    `SHA-256 fingerprint: ${certificate.fingerprints.sha256}`,
    `Valid until: ${certificate.notAfter.toISOString().slice(0, 10)}`,
    '',
  ].join(CRLF)
}

/** RFC 5322's Date: `Wed, 02 Dec 2026 20:00:00 +0000`. */
function mailDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000')
}

/**
 * What is signed: the first body part, headers included, exactly as it goes between the boundaries
 * (RFC 8551 §3.5.1), in canonical form (CRLF, ASCII). Whoever signs it (node:crypto here, NSS's
 * cmsutil for an identity in a store) signs these bytes, and signedMimeMessage carries them as they are.
 */
export function signedPart(certificate: Certificate, address = certificate.emails[0]!): string {
  return ['Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: 7bit', '', messageText(certificate, address)].join(CRLF)
}

export interface SignedMimeMessage {
  /** The sender's address (From). */
  address: string
  /** signedPart(), exactly as it was signed. */
  part: string
  /** The detached CMS SignedData over `part`, DER. */
  signature: Buffer
  now: Date
  /** For tests: the MIME boundary and Message-ID part; random otherwise. */
  unique?: string
}

/** The whole message (CRLF line ends, ASCII): multipart/signed around the part and its detached signature. */
export function signedMimeMessage(message: SignedMimeMessage): string {
  const unique = message.unique ?? randomBytes(12).toString('hex')
  const boundary = `----mailcert-${unique}`
  return [
    'MIME-Version: 1.0',
    `From: <${message.address}>`,
    'Subject: My certificate for encrypted mail',
    `Date: ${mailDate(message.now)}`,
    `Message-ID: <${unique}.certificate@mailcert.invalid>`,
    `Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="${boundary}"`,
    '',
    'This is an S/MIME signed message.',
    '',
    `--${boundary}`,
    message.part,
    `--${boundary}`,
    'Content-Type: application/pkcs7-signature; name="smime.p7s"',
    'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7s"',
    'Content-Description: S/MIME Cryptographic Signature',
    '',
    base64Lines(message.signature),
    `--${boundary}--`,
    '',
  ].join(CRLF)
}

/** The whole message, signed by `identity` (its key in memory, from a .p12 file). */
export function signedMessage(identity: Identity, options: SignedMessageOptions): string {
  const certificate = identity.certificate
  const address = certificate.emails[0]!
  const part = signedPart(certificate, address)
  const signature = cmsSignedData(Buffer.from(part, 'ascii'), identity, {
    now: options.now,
    detached: true,
    attributes: smimeAttributes(options.encryptionCertificate ?? certificate),
    // The certificate others are to encrypt to travels with the signature: that is how they get it.
    extraCertificates: options.encryptionCertificate && options.encryptionCertificate !== certificate ? [options.encryptionCertificate] : [],
  })
  return signedMimeMessage({address, part, signature, now: options.now, unique: options.unique})
}
