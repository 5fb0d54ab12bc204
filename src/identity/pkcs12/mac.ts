/**
 * The integrity MAC of a PKCS#12 file: the classic HMAC keyed by the PKCS#12 KDF (RFC 7292 App. B)
 * and PBMAC1 (RFC 9579), which node-forge does not know. RFC 9579 §5 requires an explicit PBKDF2
 * key length and recommends refusing short ones: a one-byte key is a known authentication bypass.
 */
import {createHmac, pbkdf2Sync, randomBytes, timingSafeEqual} from 'node:crypto'

import {Asn1Error, build, type Node, octets, oid, sequence, smallInt} from './der.js'
import {KdfPurpose, pkcs12Kdf} from './kdf.js'
import {DIGEST_BY_OID, DIGEST_OID, HMAC_BY_OID, HMAC_OID, type HashName, type HmacHashName, OID} from './oids.js'
import {bmpPasswordCandidates, utf8Password} from './password.js'
import {checkIterations, parsePbkdf2Params, UnsupportedAlgorithmError} from './pbe.js'

const MIN_PBMAC1_KEY_LENGTH = 20
/** HMAC keys longer than the hash's block (128 bytes for SHA-512) are hashed first; nothing real asks for more than this. */
const MAX_PBMAC1_KEY_LENGTH = 1024

export type MacInfo =
  | {kind: 'classic'; hash: HashName; iterations: number; salt: Buffer; digest: Buffer}
  | {
      kind: 'pbmac1'
      hash: HmacHashName
      prf: HmacHashName
      iterations: number
      keyLength: number
      salt: Buffer
      digest: Buffer
    }

export function describeMac(mac: MacInfo): string {
  return mac.kind === 'pbmac1'
    ? `PBMAC1 HMAC-${mac.hash.toUpperCase()} (PBKDF2-HMAC-${mac.prf.toUpperCase()})`
    : `HMAC-${mac.hash.toUpperCase()}`
}

/** Parse MacData; the checks that RFC 9579 asks of a reader happen here, before any password is tried. */
export function parseMacData(node: Node): MacInfo {
  const [digestInfo, saltNode, iterationsNode] = sequence(node, 'MacData')
  const [algorithm, digestNode] = sequence(digestInfo, 'MAC DigestInfo')
  const [algOid, params] = sequence(algorithm, 'MAC algorithm')
  const digest = octets(digestNode, 'MAC digest')
  const id = oid(algOid)

  if (id === OID.pbmac1) {
    const [kdf, macAlgorithm] = sequence(params, 'PBMAC1 parameters')
    const [kdfOid, kdfParams] = sequence(kdf, 'PBMAC1 key derivation function')
    if (oid(kdfOid) !== OID.pbkdf2) throw new UnsupportedAlgorithmError(`PBMAC1 key derivation ${oid(kdfOid)}`)
    const {salt, iterations, keyLength, prf} = parsePbkdf2Params(kdfParams)
    if (keyLength === undefined) throw new Asn1Error('PBMAC1 parameters lack the key length that RFC 9579 requires')
    if (keyLength < MIN_PBMAC1_KEY_LENGTH) throw new Asn1Error(`PBMAC1 key length ${keyLength} is too short to protect the file`)
    if (keyLength > MAX_PBMAC1_KEY_LENGTH) throw new Asn1Error(`PBMAC1 key length ${keyLength} is longer than any HMAC key`)
    const [macOid] = sequence(macAlgorithm, 'PBMAC1 MAC algorithm')
    const hash = HMAC_BY_OID[oid(macOid)]
    if (!hash) throw new UnsupportedAlgorithmError(`PBMAC1 MAC algorithm ${oid(macOid)}`)
    return {kind: 'pbmac1', hash, prf, iterations, keyLength, salt, digest}
  }

  const hash = DIGEST_BY_OID[id]
  if (!hash) throw new UnsupportedAlgorithmError(`MAC digest ${id}`)
  const iterations = iterationsNode === undefined ? 1 : checkIterations(smallInt(iterationsNode, 'MAC iteration count'))
  return {kind: 'classic', hash, iterations, salt: octets(saltNode, 'MAC salt'), digest}
}

function hmac(hash: HashName, key: Buffer, content: Buffer): Buffer {
  return createHmac(hash, key).update(content).digest()
}

const HASH_LENGTH: Record<HashName, number> = {md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/** True when `password` reproduces the file's MAC over `content` (the authSafe's data octets). */
export function verifyMac(mac: MacInfo, content: Buffer, password: string): boolean {
  if (mac.kind === 'pbmac1') {
    const key = pbkdf2Sync(utf8Password(password), mac.salt, mac.iterations, mac.keyLength, mac.prf)
    return same(hmac(mac.hash, key, content), mac.digest)
  }
  return bmpPasswordCandidates(password).some((encoded) => {
    const key = pkcs12Kdf(mac.hash, encoded, mac.salt, mac.iterations, KdfPurpose.mac, HASH_LENGTH[mac.hash])
    return same(hmac(mac.hash, key, content), mac.digest)
  })
}

/** Build MacData for the writer: a classic HMAC with the PKCS#12 KDF (what every reader accepts). */
export function buildMacData(hash: 'sha1' | 'sha256', content: Buffer, password: string, iterations: number): Node {
  const salt = randomBytes(hash === 'sha1' ? 8 : 16)
  const key = pkcs12Kdf(hash, bmpPasswordCandidates(password)[0], salt, iterations, KdfPurpose.mac, HASH_LENGTH[hash])
  const digest = hmac(hash, key, content)
  return build.sequence([
    build.sequence([build.sequence([build.oid(DIGEST_OID[hash]), build.null()]), build.octets(digest)]),
    build.octets(salt),
    build.int(iterations),
  ])
}

/** Build PBMAC1 MacData (RFC 9579), used by tests to make files that OpenSSL 3.0 cannot. */
export function buildPbmac1MacData(content: Buffer, password: string, iterations: number): Node {
  const salt = randomBytes(16)
  const key = pbkdf2Sync(utf8Password(password), salt, iterations, 32, 'sha256')
  const digest = hmac('sha256', key, content)
  const prf = build.sequence([build.oid(HMAC_OID.sha256), build.null()])
  const kdf = build.sequence([build.oid(OID.pbkdf2), build.sequence([build.octets(salt), build.int(iterations), build.int(32), prf])])
  const params = build.sequence([kdf, build.sequence([build.oid(HMAC_OID.sha256), build.null()])])
  return build.sequence([
    build.sequence([build.sequence([build.oid(OID.pbmac1), params]), build.octets(digest)]),
    // RFC 9579 §3: the MacData salt and iterations are ignored with PBMAC1; "NOT USED" by convention.
    build.octets(Buffer.from('NOT USED')),
    build.int(1),
  ])
}

