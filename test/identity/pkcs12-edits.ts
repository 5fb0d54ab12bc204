/**
 * PKCS#12 files for cases no tool on this machine writes, made from real bytes: the committed fixtures,
 * edited in one place, and the ML-DSA key and certificate that scripts/make-fixtures.mjs made with
 * python3's cryptography (OpenSSL 3.0 cannot put an ML-DSA key into a PKCS#12 file).
 */
import asn1 from 'node-forge/lib/asn1.js'
import type * as forge from 'node-forge'

import {certificatesFromPem} from '../../src/identity/certificate.js'
import {encodePfx} from '../../src/identity/pkcs12/encode.js'
import {fixture} from '../helpers/fixtures.js'

type Asn1 = forge.asn1.Asn1

const parse = (bytes: Buffer | string): Asn1 => asn1.fromDer(typeof bytes === 'string' ? bytes : bytes.toString('binary'))
const toBinary = (node: Asn1): string => asn1.toDer(node).getBytes()
const integer = (value: number): Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes())
const items = (node: Asn1): Asn1[] => node.value as Asn1[]

/** MacData ::= SEQUENCE { mac DigestInfo, macSalt OCTET STRING, iterations INTEGER }: the count set to `iterations`. */
export function withMacIterations(pfxBytes: Buffer, iterations: number): Buffer {
  const pfx = parse(pfxBytes)
  const macData = items(pfx)[2]
  items(macData)[2] = integer(iterations)
  return Buffer.from(toBinary(pfx), 'binary')
}

/**
 * The PBKDF2 iteration count of the first EncryptedData (the certificates, in an OpenSSL 3 file), set to
 * `iterations`. The MAC no longer matches, but the count is read (and must be refused) before the MAC is checked.
 */
export function withCertificateIterations(pfxBytes: Buffer, iterations: number): Buffer {
  const pfx = parse(pfxBytes)
  // PFX.authSafe is ContentInfo { data, [0] OCTET STRING AuthenticatedSafe }.
  const authSafeOctets = items(items(items(pfx)[1])[1])[0]
  const authSafe = parse(authSafeOctets.value as string)
  const encryptedData = items(items(items(authSafe)[0])[1])[0]
  const algorithm = items(items(encryptedData)[1])[1]
  // AlgorithmIdentifier { pbes2, PBES2-params { keyDerivationFunc { pbkdf2, PBKDF2-params {salt, iterationCount, ...} }, ... } }
  const pbkdf2Params = items(items(items(algorithm)[1])[0])[1]
  items(pbkdf2Params)[1] = integer(iterations)
  authSafeOctets.value = toBinary(authSafe)
  return Buffer.from(toBinary(pfx), 'binary')
}

function pemBody(name: string): Buffer {
  const text = fixture(name).toString('utf8')
  return Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64')
}

/** The ML-DSA-44 identity as an ordinary PKCS#12 file (password `test`, AES, MAC): key, certificate, the extra root. */
export function mlDsaPkcs12(): Buffer {
  const certificates = ['certs/mldsa44.pem', 'ca/extra-root.pem'].map((name) => certificatesFromPem(fixture(name).toString('utf8'))[0])
  return encodePfx({privateKey: pemBody('keys/mldsa44.key.pem'), certificates, friendlyName: 'Alice Example'}, 'test', {profile: 'modern'})
}
