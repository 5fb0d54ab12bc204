/**
 * Writing a PKCS#12 file for any key type (node-forge's writer takes RSA keys only). Two profiles:
 * `legacy` (3DES for key and certificates, HMAC-SHA1 MAC: what macOS before 15 and Windows before
 * 10 1709 read) and `modern` (PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256, HMAC-SHA256 MAC: OpenSSL
 * 3's default).
 */
import {createHash} from 'node:crypto'

import {build, type Node, toDer} from './der.js'
import {buildMacData, buildPbmac1MacData} from './mac.js'
import {OID} from './oids.js'
import {encrypt, type EncryptionProfile} from './pbe.js'

export type Pkcs12Profile = EncryptionProfile

export interface Pkcs12Input {
  /** PKCS#8 PrivateKeyInfo, DER. */
  privateKey: Buffer
  /** DER certificates, the key's certificate first. */
  certificates: Buffer[]
  friendlyName?: string
}

export interface EncodeOptions {
  profile: Pkcs12Profile
  iterations?: number
  /** Tests use PBMAC1 to produce files that OpenSSL 3.0 cannot. */
  mac?: 'default' | 'pbmac1'
}

const DEFAULT_ITERATIONS = 2048

function bagAttributes(friendlyName: string | undefined, localKeyId: Buffer): Node {
  const attributes = [build.sequence([build.oid(OID.localKeyId), build.set([build.octets(localKeyId)])])]
  if (friendlyName !== undefined && friendlyName !== '') {
    attributes.unshift(build.sequence([build.oid(OID.friendlyName), build.set([build.bmp(friendlyName)])]))
  }
  return build.set(attributes)
}

function safeBag(bagId: string, value: Node, attributes?: Node): Node {
  const items = [build.oid(bagId), build.explicit(0, value)]
  if (attributes) items.push(attributes)
  return build.sequence(items)
}

function dataContentInfo(bytes: Buffer): Node {
  return build.sequence([build.oid(OID.data), build.explicit(0, build.octets(bytes))])
}

function encryptedDataContentInfo(algorithm: Node, ciphertext: Buffer): Node {
  const encryptedContentInfo = build.sequence([build.oid(OID.data), algorithm, build.implicitOctets(0, ciphertext)])
  return build.sequence([build.oid(OID.encryptedData), build.explicit(0, build.sequence([build.int(0), encryptedContentInfo]))])
}

export function encodePfx(input: Pkcs12Input, password: string, options: EncodeOptions): Buffer {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS
  const [leaf] = input.certificates
  // OpenSSL's convention: the localKeyID is the SHA-1 of the key's certificate.
  const localKeyId = createHash('sha1').update(leaf ?? input.privateKey).digest()

  const certBags = input.certificates.map((der, index) =>
    safeBag(
      OID.certBag,
      build.sequence([build.oid(OID.x509Certificate), build.explicit(0, build.octets(der))]),
      index === 0 ? bagAttributes(input.friendlyName, localKeyId) : undefined,
    ),
  )
  const certContents = toDer(build.sequence(certBags))
  const encryptedCerts = encrypt(options.profile, certContents, password, iterations)

  const encryptedKey = encrypt(options.profile, input.privateKey, password, iterations)
  const keyBag = safeBag(
    OID.pkcs8ShroudedKeyBag,
    build.sequence([encryptedKey.algorithm, build.octets(encryptedKey.data)]),
    bagAttributes(input.friendlyName, localKeyId),
  )

  const authSafe = toDer(
    build.sequence([encryptedDataContentInfo(encryptedCerts.algorithm, encryptedCerts.data), dataContentInfo(toDer(build.sequence([keyBag])))]),
  )
  const macData =
    options.mac === 'pbmac1'
      ? buildPbmac1MacData(authSafe, password, iterations)
      : buildMacData(options.profile === 'legacy' ? 'sha1' : 'sha256', authSafe, password, iterations)

  return toDer(build.sequence([build.int(3), dataContentInfo(authSafe), macData]))
}
