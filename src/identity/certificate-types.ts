/** The parts of an X.509 certificate that mailcert reasons about, read once from its DER bytes. */

export interface NameAttribute {
  /** Short name when known (CN, O, OU, C, L, ST, emailAddress, givenName, surname, pseudonym, serialNumber, organizationIdentifier, title, ...), otherwise the dotted OID. */
  type: string
  oid: string
  value: string
}

export interface DistinguishedName {
  attributes: NameAttribute[]
  /** One-line form for people, most significant last as OpenSSL prints it: `CN=Alice Example, O=Example, C=DE`. */
  text: string
  /** The exact DER bytes of the Name (needed for NSS's dbKey). */
  der: Buffer
}

export type KeyAlgorithm = 'RSA' | 'EC' | 'Ed25519' | 'Ed448' | 'unknown'

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm
  /** RSA modulus size, or the curve's field size for EC. */
  bits?: number
  /** NIST name for EC curves: P-256, P-384, P-521 (or the OID when unknown). */
  curve?: string
}

/** RFC 5280 keyUsage bit names. */
export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly'

export interface Certificate {
  der: Buffer
  subject: DistinguishedName
  issuer: DistinguishedName
  /** DER INTEGER content octets of the serial, leading 0x00 kept, as hex (lower case). */
  serialHex: string
  notBefore: Date
  notAfter: Date
  /** rfc822Name SANs, then SmtpUTF8Mailbox otherName SANs; the subject's emailAddress only when there is no SAN e-mail at all. Order kept, duplicates removed (case-insensitive). */
  emails: string[]
  /** Where each address came from, parallel to `emails`. */
  emailSources: Array<'rfc822Name' | 'SmtpUTF8Mailbox' | 'subject'>
  /** null when the extension is absent. */
  keyUsage: KeyUsageName[] | null
  keyUsageCritical: boolean
  /** Dotted OIDs; null when the extension is absent. */
  extendedKeyUsage: string[] | null
  /** null when basicConstraints is absent. */
  basicConstraints: {ca: boolean; pathLength?: number} | null
  /** certificatePolicies OIDs, in order; empty when absent. */
  policies: string[]
  publicKey: PublicKeyInfo
  signatureAlgorithm: {oid: string; name: string; hash?: 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512'}
  subjectKeyIdentifier?: string
  authorityKeyIdentifier?: string
  /** Issuer and subject names are byte-identical and the signature verifies with the certificate's own key. */
  selfSigned: boolean
  /** SHA-1 and SHA-256 of the DER, lower-case hex without separators. */
  fingerprints: {sha1: string; sha256: string}
}
