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

export type KeyAlgorithm =
  | 'RSA'
  | 'EC'
  | 'Ed25519'
  | 'Ed448'
  | 'X25519'
  | 'X448'
  | 'ML-DSA'
  | 'SLH-DSA'
  | 'ML-KEM'
  | 'GOST'
  | 'DSA'
  | 'unknown'

export interface PublicKeyInfo {
  algorithm: KeyAlgorithm
  /** RSA modulus size, or the curve's field size for EC. */
  bits?: number
  /** NIST name for EC curves: P-256, P-384, P-521 (or the OID when unknown). */
  curve?: string
  /** The key the way mailcert shows it, on screen and in JSON alike: "RSA 2048 bits", "EC P-256", "ML-DSA-44". */
  name: string
  /** The AlgorithmIdentifier's OID, for keys that node:crypto cannot load. */
  oid?: string
}

/** Where in the certificate an address was written. */
export type MailboxSource = 'rfc822Name' | 'SmtpUTF8Mailbox' | 'subject'

/** A value written where an address belongs that is not one address (several, separated by spaces, or none). */
export interface MalformedAddress {
  value: string
  source: MailboxSource
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
  /**
   * Every address a mail client accepts the certificate for, and so what account matching uses: the SAN's
   * rfc822Names, then its SmtpUTF8Mailbox otherNames, then the subject's emailAddress attributes, which
   * Thunderbird (NSS), Outlook and Apple Mail all count even beside a SAN. Order kept, duplicates removed
   * (case-insensitive), values that are not one address left out (see `malformedAddresses`).
   */
  emails: string[]
  /** Where each address came from, parallel to `emails`. NSS (Thunderbird) does not read SmtpUTF8Mailbox. */
  emailSources: MailboxSource[]
  /** Values in those places that are not one address; no account can match them. */
  malformedAddresses: MalformedAddress[]
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
