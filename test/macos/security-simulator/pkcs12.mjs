/**
 * Reading a PKCS#12 file as the Security framework's decoders do: first what the file is made of
 * (its MAC and the encryption of each part, so that a decoder can refuse what it does not know),
 * then the key and certificates, decrypted with the password. Everything is done here with
 * node:crypto; only RC2 (which Node's OpenSSL 3 keeps in its legacy provider) comes from node-forge.
 */
import {createDecipheriv, createHash, createHmac, pbkdf2Sync, timingSafeEqual} from 'node:crypto'
import {createRequire} from 'node:module'

import {children, DerError, expect, integer, octets, oid, parseDer, rawBytes, TAG, text} from './der.mjs'

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  pbmac1: '1.2.840.113549.1.5.14',
}

const DIGESTS = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
}

const PRFS = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
}

/** PKCS#12 PBE schemes (RFC 7292 appendix C): cipher, key length. */
const PKCS12_PBE = {
  '1.2.840.113549.1.12.1.1': {cipher: 'rc4-128', keyLength: 16},
  '1.2.840.113549.1.12.1.2': {cipher: 'rc4-40', keyLength: 5},
  '1.2.840.113549.1.12.1.3': {cipher: '3des', keyLength: 24},
  '1.2.840.113549.1.12.1.4': {cipher: '2des', keyLength: 16},
  '1.2.840.113549.1.12.1.5': {cipher: 'rc2-128', keyLength: 16},
  '1.2.840.113549.1.12.1.6': {cipher: 'rc2-40', keyLength: 5},
}

const PBES2_CIPHERS = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
}

/** The file is not PKCS#12 at all, or a part of it cannot be read. */
export class Pkcs12FormatError extends Error {}
/** The password does not open the file (MAC or decryption). */
export class Pkcs12PasswordError extends Error {}
/** A cipher the simulator itself cannot run (RC4): no decoder it models reads it either. */
export class Pkcs12UnsupportedError extends Error {}

function algorithmOf(node) {
  const [idNode, params] = children(node, 'AlgorithmIdentifier')
  const id = oid(idNode)
  if (PKCS12_PBE[id]) {
    const [salt, iterations] = children(params, 'PBE parameters')
    return {kind: 'pkcs12-pbe', oid: id, ...PKCS12_PBE[id], salt: octets(salt), iterations: integer(iterations)}
  }
  if (id === OID.pbes2) {
    const [kdf, scheme] = children(params, 'PBES2 parameters')
    const [kdfId, kdfParams] = children(kdf, 'keyDerivationFunc')
    if (oid(kdfId) !== OID.pbkdf2) return {kind: 'unknown', oid: oid(kdfId)}
    const [salt, iterations, ...rest] = children(kdfParams, 'PBKDF2 parameters')
    const keyLengthNode = rest.find((node) => node.tag === TAG.INTEGER)
    const prfNode = rest.find((node) => node.tag === TAG.SEQUENCE)
    const [cipherId, iv] = children(scheme, 'encryptionScheme')
    return {
      kind: 'pbes2',
      oid: id,
      cipher: PBES2_CIPHERS[oid(cipherId)] ?? `unknown ${oid(cipherId)}`,
      prf: prfNode ? (PRFS[oid(children(prfNode, 'prf')[0])] ?? 'unknown') : 'sha1',
      salt: octets(salt),
      iterations: integer(iterations),
      keyLength: keyLengthNode ? integer(keyLengthNode) : undefined,
      iv: octets(iv),
    }
  }
  return {kind: 'unknown', oid: id}
}

function bagAttributes(node) {
  const attributes = {}
  for (const attribute of node?.children ?? []) {
    const [type, values] = children(attribute, 'bag attribute')
    const value = values.children?.[0]
    if (!value) continue
    if (oid(type) === OID.friendlyName) attributes.friendlyName = text(value)
    if (oid(type) === OID.localKeyId) attributes.localKeyId = octets(value)
  }
  return attributes
}

/** The SafeBags of one SafeContents, key bags still encrypted. */
function readBags(bytes) {
  return children(parseDer(bytes), 'SafeContents').map((bag) => {
    const [typeNode, valueHolder, attributes] = children(bag, 'SafeBag')
    const type = oid(typeNode)
    const value = valueHolder.children[0]
    const entry = {type, ...bagAttributes(attributes)}
    if (type === OID.shroudedKeyBag) {
      const [algorithm, encrypted] = children(value, 'EncryptedPrivateKeyInfo')
      return {...entry, algorithm: algorithmOf(algorithm), encrypted: octets(encrypted)}
    }
    if (type === OID.keyBag) return {...entry, pkcs8: Buffer.from(rawBytes(bytes, value))}
    if (type === OID.certBag) {
      const [certType, certValue] = children(value, 'CertBag')
      return {...entry, certType: oid(certType), der: octets(certValue.children[0])}
    }
    return entry
  })
}

/**
 * The structure of a PFX, without the password: its MAC algorithm (null when it has none), each
 * part's encryption, and the bags of the parts that are not encrypted.
 */
export function inspectPfx(bytes) {
  try {
    const pfx = parseDer(bytes)
    const [version, authSafe, macData] = children(expect(pfx, TAG.SEQUENCE, 'PFX'), 'PFX')
    if (integer(version) !== 3) throw new Pkcs12FormatError('not a version 3 PFX')
    const [contentType, content] = children(authSafe, 'authSafe')
    if (oid(contentType) !== OID.data) throw new Pkcs12FormatError('the authSafe is not data')
    const authSafeBytes = octets(content.children[0])
    const parts = children(parseDer(authSafeBytes), 'AuthenticatedSafe').map((contentInfo) => {
      const [typeNode, holder] = children(contentInfo, 'ContentInfo')
      const type = oid(typeNode)
      if (type === OID.data) return {kind: 'data', bags: readBags(octets(holder.children[0]))}
      if (type === OID.encryptedData) {
        const [, encryptedContentInfo] = children(holder.children[0], 'EncryptedData')
        const [, algorithm, encrypted] = children(encryptedContentInfo, 'EncryptedContentInfo')
        return {kind: 'encrypted', algorithm: algorithmOf(algorithm), ciphertext: encrypted.constructed ? octets(encrypted) : Buffer.from(encrypted.contents)}
      }
      return {kind: 'unknown', oid: type}
    })
    let mac = null
    if (macData) {
      const [digestInfo, salt, iterations] = children(macData, 'MacData')
      const [algorithm, digest] = children(digestInfo, 'DigestInfo')
      const algorithmId = oid(children(algorithm, 'digestAlgorithm')[0])
      mac = {
        algorithm: algorithmId === OID.pbmac1 ? 'pbmac1' : (DIGESTS[algorithmId] ?? `unknown ${algorithmId}`),
        digest: octets(digest),
        salt: octets(salt),
        iterations: iterations ? integer(iterations) : 1,
      }
    }
    const algorithms = parts.flatMap((part) => (part.kind === 'encrypted' ? [part.algorithm] : part.kind === 'data' ? part.bags.filter((bag) => bag.algorithm).map((bag) => bag.algorithm) : []))
    return {mac, parts, authSafeBytes, algorithms}
  } catch (error) {
    if (error instanceof DerError) throw new Pkcs12FormatError(error.message)
    throw error
  }
}

/** RFC 7292 B.1: the password as a BMPString with its two-byte terminator. */
function bmpPassword(password) {
  const bytes = Buffer.alloc(password.length * 2 + 2)
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2)
  return bytes
}

const BLOCK_SIZE = {sha1: 64, sha224: 64, sha256: 64, sha384: 128, sha512: 128}

/** RFC 7292 B.2: the PKCS#12 key derivation. */
function pkcs12Kdf(hash, password, salt, id, iterations, length) {
  const v = BLOCK_SIZE[hash]
  const repeat = (source) => {
    if (source.length === 0) return Buffer.alloc(0)
    const out = Buffer.alloc(v * Math.ceil(source.length / v))
    for (let i = 0; i < out.length; i++) out[i] = source[i % source.length]
    return out
  }
  const input = Buffer.concat([repeat(salt), repeat(password)])
  const diversifier = Buffer.alloc(v, id)
  const result = []
  let produced = 0
  while (produced < length) {
    let a = createHash(hash).update(diversifier).update(input).digest()
    for (let i = 1; i < iterations; i++) a = createHash(hash).update(a).digest()
    result.push(a)
    produced += a.length
    const b = Buffer.alloc(v)
    for (let i = 0; i < v; i++) b[i] = a[i % a.length]
    for (let block = 0; block < input.length; block += v) {
      let carry = 1
      for (let i = v - 1; i >= 0; i--) {
        const sum = input[block + i] + b[i] + carry
        input[block + i] = sum & 0xff
        carry = sum >> 8
      }
    }
  }
  return Buffer.concat(result).subarray(0, length)
}

export function verifyMac(pfx, password) {
  const {mac} = pfx
  const length = createHash(mac.algorithm).digest().length
  const key = pkcs12Kdf(mac.algorithm, bmpPassword(password), mac.salt, 3, mac.iterations, length)
  const computed = createHmac(mac.algorithm, key).update(pfx.authSafeBytes).digest()
  return computed.length === mac.digest.length && timingSafeEqual(computed, mac.digest)
}

function rc2Decrypt(key, iv, ciphertext, bits) {
  // Loaded only for RC2, and only forge's RC2: the whole of node-forge costs a start-up per call.
  const require = createRequire(import.meta.url)
  const forge = {rc2: require('node-forge/lib/rc2.js'), util: require('node-forge/lib/util.js')}
  const cipher = forge.rc2.createDecryptionCipher(forge.util.createBuffer(key.toString('binary')), bits)
  cipher.start(forge.util.createBuffer(iv.toString('binary')))
  cipher.update(forge.util.createBuffer(ciphertext.toString('binary')))
  if (!cipher.finish()) throw new Pkcs12PasswordError('bad padding')
  return Buffer.from(cipher.output.getBytes(), 'binary')
}

function decrypt(algorithm, password, ciphertext) {
  try {
    if (algorithm.kind === 'pkcs12-pbe') {
      const bmp = bmpPassword(password)
      const key = pkcs12Kdf('sha1', bmp, algorithm.salt, 1, algorithm.iterations, algorithm.keyLength)
      const iv = pkcs12Kdf('sha1', bmp, algorithm.salt, 2, algorithm.iterations, 8)
      if (algorithm.cipher === 'rc2-40' || algorithm.cipher === 'rc2-128') return rc2Decrypt(key, iv, ciphertext, algorithm.keyLength * 8)
      if (algorithm.cipher === '3des') {
        const decipher = createDecipheriv('des-ede3-cbc', key, iv)
        return Buffer.concat([decipher.update(ciphertext), decipher.final()])
      }
      throw new Pkcs12UnsupportedError(`the simulator cannot run ${algorithm.cipher}`)
    }
    if (algorithm.kind === 'pbes2' && !algorithm.cipher.startsWith('unknown') && algorithm.prf !== 'unknown') {
      const keyLength = {'aes-128-cbc': 16, 'aes-192-cbc': 24, 'aes-256-cbc': 32, 'des-ede3-cbc': 24}[algorithm.cipher]
      const key = pbkdf2Sync(Buffer.from(password, 'utf8'), algorithm.salt, algorithm.iterations, keyLength, algorithm.prf)
      const decipher = createDecipheriv(algorithm.cipher, key, algorithm.iv)
      return Buffer.concat([decipher.update(ciphertext), decipher.final()])
    }
  } catch (error) {
    if (error instanceof Pkcs12UnsupportedError || error instanceof Pkcs12PasswordError) throw error
    throw new Pkcs12PasswordError(error.message)
  }
  throw new Pkcs12UnsupportedError(`unknown encryption ${algorithm.oid}`)
}

/** The keys (PKCS#8 DER) and certificates (DER) of the file, each with its friendlyName and localKeyID. */
export function openPfx(pfx, password) {
  const bags = []
  for (const part of pfx.parts) {
    if (part.kind === 'data') bags.push(...part.bags)
    if (part.kind === 'encrypted') {
      const plain = decrypt(part.algorithm, password, part.ciphertext)
      try {
        bags.push(...readBags(plain))
      } catch (error) {
        if (error instanceof DerError) throw new Pkcs12PasswordError('decrypted contents do not parse')
        throw error
      }
    }
  }
  const keys = []
  const certificates = []
  for (const bag of bags) {
    const attributes = {friendlyName: bag.friendlyName, localKeyId: bag.localKeyId}
    if (bag.type === OID.shroudedKeyBag) keys.push({pkcs8: decrypt(bag.algorithm, password, bag.encrypted), ...attributes, algorithm: bag.algorithm})
    else if (bag.type === OID.keyBag) keys.push({pkcs8: bag.pkcs8, ...attributes})
    else if (bag.type === OID.certBag && bag.certType === OID.x509Certificate) certificates.push({der: bag.der, ...attributes})
  }
  return {keys, certificates}
}
