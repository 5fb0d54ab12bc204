/**
 * Password-based encryption of PKCS#12 contents: the PKCS#12 PBE schemes (RFC 7292 App. C: 3DES,
 * RC2, RC4 with the PKCS#12 KDF) and PBES2 (RFC 8018: PBKDF2 with AES or 3DES). node:crypto does
 * the work except for RC2 and RC4, which OpenSSL 3 only has in its legacy provider: RC2 comes from
 * node-forge, loaded only when a file needs it, and RC4 is small enough to keep here.
 */
import {createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes} from 'node:crypto'

import {Asn1Error, build, type Node, octets, oid, sequence, smallInt, Tag} from './der.js'
import {KdfPurpose, pkcs12Kdf} from './kdf.js'
import {HMAC_BY_OID, HMAC_OID, type HmacHashName, OID} from './oids.js'
import {bmpPasswordCandidates, utf8Password} from './password.js'

/** Past this, a file is treated as hostile rather than careful: NSS exports use 600,000. */
export const MAX_ITERATIONS = 10_000_000

export class UnsupportedAlgorithmError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsupportedAlgorithmError'
  }
}

/**
 * The file asks for more key-derivation rounds than any real producer writes. Refused before any work:
 * 2^31 - 1 rounds of the PKCS#12 KDF take hours.
 */
export class ExcessiveIterationsError extends Error {
  readonly iterations: number

  constructor(iterations: number) {
    super(`iteration count ${iterations} is beyond the ${MAX_ITERATIONS.toLocaleString('en')} that mailcert accepts`)
    this.name = 'ExcessiveIterationsError'
    this.iterations = iterations
  }
}

/** Decryption produced garbage: almost always a wrong password. */
export class DecryptionError extends Error {
  constructor() {
    super('decryption failed')
    this.name = 'DecryptionError'
  }
}

export interface EncryptionInfo {
  /** What people call it: "AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)", "3DES (PKCS#12 PBE, SHA-1)". */
  name: string
  cipher: 'AES-128-CBC' | 'AES-192-CBC' | 'AES-256-CBC' | '3DES' | '2-key 3DES' | 'RC2-40' | 'RC2-128' | 'RC4-40' | 'RC4-128'
  scheme: 'PBES2' | 'PKCS#12 PBE'
  prf?: HmacHashName
  iterations: number
}

interface Pkcs12PbeCipher {
  cipher: EncryptionInfo['cipher']
  keyLength: number
  ivLength: number
  /** The node:crypto name, or the algorithm we implement ourselves. */
  implementation: 'des-ede3-cbc' | 'des-ede-cbc' | 'rc2' | 'rc4'
}

const PKCS12_PBE: Record<string, Pkcs12PbeCipher> = {
  [OID.pbeSha1TripleDes3Key]: {cipher: '3DES', keyLength: 24, ivLength: 8, implementation: 'des-ede3-cbc'},
  [OID.pbeSha1TripleDes2Key]: {cipher: '2-key 3DES', keyLength: 16, ivLength: 8, implementation: 'des-ede-cbc'},
  [OID.pbeSha1Rc2_128]: {cipher: 'RC2-128', keyLength: 16, ivLength: 8, implementation: 'rc2'},
  [OID.pbeSha1Rc2_40]: {cipher: 'RC2-40', keyLength: 5, ivLength: 8, implementation: 'rc2'},
  [OID.pbeSha1Rc4_128]: {cipher: 'RC4-128', keyLength: 16, ivLength: 0, implementation: 'rc4'},
  [OID.pbeSha1Rc4_40]: {cipher: 'RC4-40', keyLength: 5, ivLength: 0, implementation: 'rc4'},
}

const PBES2_CIPHERS: Record<string, {cipher: EncryptionInfo['cipher']; nodeName: string; keyLength: number; ivLength: number}> = {
  [OID.aes128Cbc]: {cipher: 'AES-128-CBC', nodeName: 'aes-128-cbc', keyLength: 16, ivLength: 16},
  [OID.aes192Cbc]: {cipher: 'AES-192-CBC', nodeName: 'aes-192-cbc', keyLength: 24, ivLength: 16},
  [OID.aes256Cbc]: {cipher: 'AES-256-CBC', nodeName: 'aes-256-cbc', keyLength: 32, ivLength: 16},
  [OID.desEde3Cbc]: {cipher: '3DES', nodeName: 'des-ede3-cbc', keyLength: 24, ivLength: 8},
}

interface Pbes2Params {
  salt: Buffer
  iterations: number
  keyLength?: number
  prf: HmacHashName
  cipherOid: string
  iv: Buffer
}

/** Every iteration count in the file (encryption, PBKDF2, the MAC) passes here before it is used. */
export function checkIterations(iterations: number): number {
  if (iterations < 1) throw new Asn1Error('iteration count must be at least 1')
  if (iterations > MAX_ITERATIONS) throw new ExcessiveIterationsError(iterations)
  return iterations
}

/** PBKDF2-params (RFC 8018 A.2), shared by PBES2 and PBMAC1. */
export function parsePbkdf2Params(node: Node): {salt: Buffer; iterations: number; keyLength?: number; prf: HmacHashName} {
  const [saltNode, iterationsNode, ...rest] = sequence(node, 'PBKDF2 parameters')
  const salt = octets(saltNode, 'PBKDF2 salt (only a specified OCTET STRING salt is supported)')
  const iterations = checkIterations(smallInt(iterationsNode, 'PBKDF2 iteration count'))
  let keyLength: number | undefined
  let prf: HmacHashName = 'sha1'
  for (const item of rest) {
    if (item.type === Tag.INTEGER && keyLength === undefined) {
      keyLength = smallInt(item, 'PBKDF2 key length')
    } else {
      const [prfOid] = sequence(item, 'PBKDF2 PRF')
      const name = HMAC_BY_OID[oid(prfOid)]
      if (!name) throw new UnsupportedAlgorithmError(`PBKDF2 pseudo-random function ${oid(prfOid)}`)
      prf = name
    }
  }
  return {salt, iterations, keyLength, prf}
}

function parsePbes2(params: Node | undefined): Pbes2Params {
  const [kdf, scheme] = sequence(params, 'PBES2 parameters')
  const [kdfOid, kdfParams] = sequence(kdf, 'PBES2 key derivation function')
  if (oid(kdfOid) !== OID.pbkdf2) throw new UnsupportedAlgorithmError(`PBES2 key derivation ${oid(kdfOid)}`)
  const {salt, iterations, keyLength, prf} = parsePbkdf2Params(kdfParams)
  const [cipherOidNode, ivNode] = sequence(scheme, 'PBES2 encryption scheme')
  const cipherOid = oid(cipherOidNode)
  if (!PBES2_CIPHERS[cipherOid]) throw new UnsupportedAlgorithmError(`PBES2 cipher ${cipherOid}`)
  return {salt, iterations, keyLength, prf, cipherOid, iv: octets(ivNode, 'PBES2 IV')}
}

function parsePkcs12PbeParams(params: Node | undefined): {salt: Buffer; iterations: number} {
  const [saltNode, iterationsNode] = sequence(params, 'PKCS#12 PBE parameters')
  return {salt: octets(saltNode, 'PBE salt'), iterations: checkIterations(smallInt(iterationsNode, 'PBE iteration count'))}
}

/** Describe an AlgorithmIdentifier without decrypting anything (for `inspect`). */
export function describeEncryption(algorithm: Node): EncryptionInfo {
  const [algOid, params] = sequence(algorithm, 'AlgorithmIdentifier')
  const id = oid(algOid)
  if (id === OID.pbes2) {
    const p = parsePbes2(params)
    const cipher = PBES2_CIPHERS[p.cipherOid].cipher
    return {name: `${cipher} (PBES2, PBKDF2-HMAC-${p.prf.toUpperCase()})`, cipher, scheme: 'PBES2', prf: p.prf, iterations: p.iterations}
  }
  const pbe = PKCS12_PBE[id]
  if (pbe) {
    const {iterations} = parsePkcs12PbeParams(params)
    return {name: `${pbe.cipher} (PKCS#12 PBE, SHA-1)`, cipher: pbe.cipher, scheme: 'PKCS#12 PBE', iterations}
  }
  throw new UnsupportedAlgorithmError(`encryption algorithm ${id}`)
}

function nodeDecipher(name: string, key: Buffer, iv: Buffer, data: Buffer): Buffer {
  try {
    const decipher = createDecipheriv(name, key, iv)
    return Buffer.concat([decipher.update(data), decipher.final()])
  } catch {
    throw new DecryptionError()
  }
}

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({length: 256}, (_, i) => i)
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 0xff
    ;[s[i], s[j]] = [s[j], s[i]]
  }
  const out = Buffer.alloc(data.length)
  for (let n = 0, i = 0, j = 0; n < data.length; n++) {
    i = (i + 1) & 0xff
    j = (j + s[i]) & 0xff
    ;[s[i], s[j]] = [s[j], s[i]]
    out[n] = data[n] ^ s[(s[i] + s[j]) & 0xff]
  }
  return out
}

async function rc2Decipher(key: Buffer, iv: Buffer, data: Buffer): Promise<Buffer> {
  const {default: rc2} = await import('node-forge/lib/rc2.js')
  const {default: util} = await import('node-forge/lib/util.js')
  const decipher = rc2.createDecryptionCipher(key.toString('binary'), key.length * 8)
  decipher.start(util.createBuffer(iv.toString('binary')))
  decipher.update(util.createBuffer(data.toString('binary')))
  if (!decipher.finish()) throw new DecryptionError()
  return Buffer.from(decipher.output.getBytes(), 'binary')
}

async function decryptPkcs12Pbe(pbe: Pkcs12PbeCipher, params: Node | undefined, data: Buffer, password: string): Promise<Buffer> {
  const {salt, iterations} = parsePkcs12PbeParams(params)
  let lastError: Error = new DecryptionError()
  for (const encoded of bmpPasswordCandidates(password)) {
    const key = pkcs12Kdf('sha1', encoded, salt, iterations, KdfPurpose.key, pbe.keyLength)
    try {
      if (pbe.implementation === 'rc4') return rc4(key, data)
      const iv = pkcs12Kdf('sha1', encoded, salt, iterations, KdfPurpose.iv, pbe.ivLength)
      if (pbe.implementation === 'rc2') return await rc2Decipher(key, iv, data)
      return nodeDecipher(pbe.implementation, key, iv, data)
    } catch (error) {
      lastError = error as Error
    }
  }
  throw lastError
}

function decryptPbes2(params: Node | undefined, data: Buffer, password: string): Buffer {
  const p = parsePbes2(params)
  const cipher = PBES2_CIPHERS[p.cipherOid]
  if (p.keyLength !== undefined && p.keyLength !== cipher.keyLength) {
    throw new Asn1Error(`PBES2 key length ${p.keyLength} does not fit ${cipher.cipher}`)
  }
  const key = pbkdf2Sync(utf8Password(password), p.salt, p.iterations, cipher.keyLength, p.prf)
  return nodeDecipher(cipher.nodeName, key, p.iv, data)
}

/** Decrypt `data` encrypted with the AlgorithmIdentifier `algorithm`. Throws DecryptionError on a wrong password. */
export async function decrypt(algorithm: Node, data: Buffer, password: string): Promise<Buffer> {
  const [algOid, params] = sequence(algorithm, 'AlgorithmIdentifier')
  const id = oid(algOid)
  if (id === OID.pbes2) return decryptPbes2(params, data, password)
  const pbe = PKCS12_PBE[id]
  if (pbe) return decryptPkcs12Pbe(pbe, params, data, password)
  throw new UnsupportedAlgorithmError(`encryption algorithm ${id}`)
}

export type EncryptionProfile = 'legacy' | 'modern'

/**
 * Encrypt for writing. `legacy` is pbeWithSHAAnd3-KeyTripleDES-CBC, which every reader back to
 * Windows XP and macOS 10.x accepts; `modern` is PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC
 * (OpenSSL 3's default).
 */
export function encrypt(profile: EncryptionProfile, data: Buffer, password: string, iterations: number): {algorithm: Node; data: Buffer} {
  const salt = randomBytes(profile === 'legacy' ? 8 : 16)
  if (profile === 'legacy') {
    const encoded = bmpPasswordCandidates(password)[0]
    const key = pkcs12Kdf('sha1', encoded, salt, iterations, KdfPurpose.key, 24)
    const iv = pkcs12Kdf('sha1', encoded, salt, iterations, KdfPurpose.iv, 8)
    const cipher = createCipheriv('des-ede3-cbc', key, iv)
    return {
      algorithm: build.sequence([build.oid(OID.pbeSha1TripleDes3Key), build.sequence([build.octets(salt), build.int(iterations)])]),
      data: Buffer.concat([cipher.update(data), cipher.final()]),
    }
  }
  const iv = randomBytes(16)
  const key = pbkdf2Sync(utf8Password(password), salt, iterations, 32, 'sha256')
  const cipher = createCipheriv('aes-256-cbc', key, iv)
  const kdf = build.sequence([
    build.oid(OID.pbkdf2),
    build.sequence([build.octets(salt), build.int(iterations), build.sequence([build.oid(HMAC_OID.sha256), build.null()])]),
  ])
  const scheme = build.sequence([build.oid(OID.aes256Cbc), build.octets(iv)])
  return {
    algorithm: build.sequence([build.oid(OID.pbes2), build.sequence([kdf, scheme])]),
    data: Buffer.concat([cipher.update(data), cipher.final()]),
  }
}
