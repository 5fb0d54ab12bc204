/** Object identifiers that mailcert reads from certificates, with the names people and OpenSSL use for them. */

/** X.520 and PKCS#9 name attributes, keyed by OID; the value is the short name used in `NameAttribute.type`. */
export const NAME_ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'surname',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.13': 'description',
  '2.5.4.15': 'businessCategory',
  '2.5.4.16': 'postalAddress',
  '2.5.4.17': 'postalCode',
  '2.5.4.18': 'postOfficeBox',
  '2.5.4.20': 'telephoneNumber',
  '2.5.4.41': 'name',
  '2.5.4.42': 'givenName',
  '2.5.4.43': 'initials',
  '2.5.4.44': 'generationQualifier',
  '2.5.4.45': 'x500UniqueIdentifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.3.6.1.4.1.311.60.2.1.1': 'jurisdictionL',
  '1.3.6.1.4.1.311.60.2.1.2': 'jurisdictionST',
  '1.3.6.1.4.1.311.60.2.1.3': 'jurisdictionC',
}

export const NAME_ATTRIBUTE = {
  commonName: '2.5.4.3',
  surname: '2.5.4.4',
  organizationName: '2.5.4.10',
  givenName: '2.5.4.42',
  pseudonym: '2.5.4.65',
  emailAddress: '1.2.840.113549.1.9.1',
} as const

export const EXTENSION = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
  extendedKeyUsage: '2.5.29.37',
} as const

/** otherName type for an internationalised mailbox address in a SAN (RFC 8398). */
export const SMTP_UTF8_MAILBOX = '1.3.6.1.5.5.7.8.9'

export const EXTENDED_KEY_USAGE = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  anyExtendedKeyUsage: '2.5.29.37.0',
  documentSigning: '1.3.6.1.5.5.7.3.36',
  microsoftDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
  adobeAuthenticDocumentsTrust: '1.2.840.113583.1.1.5',
} as const

/** The CA/Browser Forum S/MIME arc; reserved policy OIDs are `2.23.140.1.5.<type>.<generation>`. */
export const CABF_SMIME_POLICY_ARC = '2.23.140.1.5'

export const PUBLIC_KEY_ALGORITHM = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  x25519: '1.3.101.110',
  x448: '1.3.101.111',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
} as const

export type HashName = 'MD5' | 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512'

export interface SignatureAlgorithmInfo {
  name: string
  hash?: HashName
}

/** Signature algorithms by OID, named as OpenSSL names them. RSASSA-PSS carries its hash in parameters. */
export const SIGNATURE_ALGORITHMS: Readonly<Record<string, SignatureAlgorithmInfo>> = {
  '1.2.840.113549.1.1.4': {name: 'md5WithRSAEncryption', hash: 'MD5'},
  '1.2.840.113549.1.1.5': {name: 'sha1WithRSAEncryption', hash: 'SHA-1'},
  '1.2.840.113549.1.1.10': {name: 'RSASSA-PSS'},
  '1.2.840.113549.1.1.11': {name: 'sha256WithRSAEncryption', hash: 'SHA-256'},
  '1.2.840.113549.1.1.12': {name: 'sha384WithRSAEncryption', hash: 'SHA-384'},
  '1.2.840.113549.1.1.13': {name: 'sha512WithRSAEncryption', hash: 'SHA-512'},
  '1.2.840.113549.1.1.14': {name: 'sha224WithRSAEncryption', hash: 'SHA-224'},
  '1.2.840.10045.4.1': {name: 'ecdsa-with-SHA1', hash: 'SHA-1'},
  '1.2.840.10045.4.3.1': {name: 'ecdsa-with-SHA224', hash: 'SHA-224'},
  '1.2.840.10045.4.3.2': {name: 'ecdsa-with-SHA256', hash: 'SHA-256'},
  '1.2.840.10045.4.3.3': {name: 'ecdsa-with-SHA384', hash: 'SHA-384'},
  '1.2.840.10045.4.3.4': {name: 'ecdsa-with-SHA512', hash: 'SHA-512'},
  '1.2.840.10040.4.3': {name: 'dsa-with-SHA1', hash: 'SHA-1'},
  '2.16.840.1.101.3.4.3.2': {name: 'dsa-with-SHA256', hash: 'SHA-256'},
  '1.3.101.112': {name: 'Ed25519'},
  '1.3.101.113': {name: 'Ed448'},
  '2.16.840.1.101.3.4.3.17': {name: 'ML-DSA-44'},
  '2.16.840.1.101.3.4.3.18': {name: 'ML-DSA-65'},
  '2.16.840.1.101.3.4.3.19': {name: 'ML-DSA-87'},
}

/** Digest algorithms by OID, for RSASSA-PSS parameters. */
export const HASH_ALGORITHMS: Readonly<Record<string, HashName>> = {
  '1.2.840.113549.2.5': 'MD5',
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.4': 'SHA-224',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
}
