/**
 * Reading a PKCS#12 file (RFC 7292) in two stages: `parsePfx` reads its structure without the
 * password (enough for `inspect` to describe the protection), `openPfx` checks the password and
 * decrypts. Each part is decrypted with the password encoded the way its own algorithm wants, which
 * is why this does not hand the file to node-forge's pkcs12 reader (one encoding for every part).
 */
import {Asn1Error, bmpString, contentBytes, explicit, isContext, type Node, octets, oid, parse, sequence, set, smallInt, toDer} from './der.js'
import {describeMac, type MacInfo, parseMacData, verifyMac} from './mac.js'
import {OID} from './oids.js'
import {decrypt, DecryptionError, describeEncryption, type EncryptionInfo, UnsupportedAlgorithmError} from './pbe.js'

export {ExcessiveIterationsError, MAX_ITERATIONS} from './pbe.js'

export class Pkcs12FormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Pkcs12FormatError'
  }
}

export class WrongPasswordError extends Error {
  constructor() {
    super('wrong password')
    this.name = 'WrongPasswordError'
  }
}

/** The password decrypts the contents but the MAC does not match: the file was damaged or altered. */
export class IntegrityError extends Error {
  constructor() {
    super('integrity check failed')
    this.name = 'IntegrityError'
  }
}

export class UnsupportedPkcs12Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsupportedPkcs12Error'
  }
}

type AuthSafePart =
  | {kind: 'plain'; contents: Buffer}
  | {kind: 'encrypted'; algorithm: Node; data: Buffer; encryption: EncryptionInfo}

export interface PfxStructure {
  mac: MacInfo | null
  /** The octets the MAC covers. */
  macContent: Buffer
  parts: AuthSafePart[]
}

export interface BagAttributes {
  friendlyName?: string
  localKeyId?: Buffer
}

export interface DecodedKey extends BagAttributes {
  /** PKCS#8 PrivateKeyInfo, DER. */
  pkcs8: Buffer
  encryption: EncryptionInfo | null
}

export interface DecodedCertificate extends BagAttributes {
  der: Buffer
}

export interface Pkcs12Contents {
  keys: DecodedKey[]
  certificates: DecodedCertificate[]
  /** How the certificates were protected: null when stored in the clear. */
  certificateEncryption: EncryptionInfo | null
}

export interface ProtectionSummary {
  mac: string | null
  macIterations: number | null
  certificateEncryption: string | null
  certificateIterations: number | null
}

function asFormatError<T>(work: () => T): T {
  try {
    return work()
  } catch (error) {
    if (error instanceof Asn1Error) throw new Pkcs12FormatError(error.message)
    if (error instanceof UnsupportedAlgorithmError) throw new UnsupportedPkcs12Error(error.message)
    throw error
  }
}

function contentInfo(node: Node): {type: string; content: Node | undefined} {
  const [typeNode, content] = sequence(node, 'ContentInfo')
  return {type: oid(typeNode), content: content === undefined ? undefined : explicit(content, 0, 'ContentInfo content')}
}

function authSafePart(node: Node): AuthSafePart {
  const {type, content} = contentInfo(node)
  if (type === OID.data) return {kind: 'plain', contents: octets(content, 'SafeContents data')}
  if (type === OID.encryptedData) {
    const [, encryptedContentInfo] = sequence(content, 'EncryptedData')
    const [, algorithm, encrypted] = sequence(encryptedContentInfo, 'EncryptedContentInfo')
    if (!isContext(encrypted, 0) || encrypted === undefined) throw new Asn1Error('EncryptedData has no content')
    return {kind: 'encrypted', algorithm, data: contentBytes(encrypted), encryption: describeEncryption(algorithm)}
  }
  if (type === OID.envelopedData) throw new UnsupportedAlgorithmError('public-key encrypted (enveloped) contents')
  throw new Asn1Error(`unexpected content type ${type}`)
}

/** Read the structure of a PKCS#12 file. Throws Pkcs12FormatError for anything that is not one. */
export function parsePfx(bytes: Buffer): PfxStructure {
  return asFormatError(() => {
    const [versionNode, authSafe, macData] = sequence(parse(bytes), 'PFX')
    if (smallInt(versionNode, 'PFX version') !== 3) throw new Asn1Error('not PKCS#12 version 3')
    const {type, content} = contentInfo(authSafe)
    if (type === OID.signedData) throw new UnsupportedAlgorithmError('public-key integrity mode (signed contents)')
    if (type !== OID.data) throw new Asn1Error('the contents are not PKCS#7 data')
    const macContent = octets(content, 'authenticated safe')
    const parts = sequence(parse(macContent), 'AuthenticatedSafe').map((part) => authSafePart(part))
    return {mac: macData === undefined ? null : parseMacData(macData), macContent, parts}
  })
}

function attributes(node: Node | undefined): BagAttributes {
  const result: BagAttributes = {}
  if (node === undefined) return result
  for (const attribute of set(node, 'bag attributes')) {
    const [typeNode, values] = sequence(attribute, 'bag attribute')
    const [first] = set(values, 'bag attribute values')
    const type = oid(typeNode)
    if (type === OID.friendlyName && first) result.friendlyName = bmpString(first)
    if (type === OID.localKeyId && first) result.localKeyId = octets(first, 'localKeyID')
  }
  return result
}

interface BagSink {
  keys: Array<Omit<DecodedKey, 'pkcs8' | 'encryption'> & {pkcs8?: Buffer; shrouded?: {algorithm: Node; data: Buffer}}>
  certificates: DecodedCertificate[]
}

function collectBags(safeContents: Buffer, sink: BagSink): void {
  for (const bag of sequence(parse(safeContents), 'SafeContents')) {
    const [idNode, valueNode, attributesNode] = sequence(bag, 'SafeBag')
    const id = oid(idNode)
    const value = explicit(valueNode, 0, 'SafeBag value')
    const attrs = attributes(attributesNode)
    if (id === OID.keyBag) {
      // A keyBag and a nested SafeContents are embedded ASN.1 rather than OCTET STRINGs.
      sink.keys.push({...attrs, pkcs8: toDer(value)})
    } else if (id === OID.pkcs8ShroudedKeyBag) {
      const [algorithm, data] = sequence(value, 'EncryptedPrivateKeyInfo')
      sink.keys.push({...attrs, shrouded: {algorithm, data: octets(data, 'encrypted key')}})
    } else if (id === OID.certBag) {
      const [typeNode, certValue] = sequence(value, 'CertBag')
      if (oid(typeNode) !== OID.x509Certificate) continue // SDSI certificates: nothing a mail client reads.
      sink.certificates.push({...attrs, der: octets(explicit(certValue, 0, 'certificate value'), 'certificate')})
    } else if (id === OID.safeContentsBag) {
      collectBags(toDer(value), sink)
    }
    // CRL and secret bags carry nothing a mail client uses.
  }
}

async function decryptParts(structure: PfxStructure, password: string): Promise<Pkcs12Contents> {
  const sink: BagSink = {keys: [], certificates: []}
  let certificateEncryption: EncryptionInfo | null = null
  for (const part of structure.parts) {
    if (part.kind === 'plain') {
      collectBags(part.contents, sink)
    } else {
      const clear = await decrypt(part.algorithm, part.data, password)
      try {
        collectBags(clear, sink)
      } catch (error) {
        // Garbage that happened to end in valid padding: the password was wrong.
        if (error instanceof Asn1Error) throw new DecryptionError()
        throw error
      }
      certificateEncryption ??= part.encryption
    }
  }

  const keys: DecodedKey[] = []
  for (const key of sink.keys) {
    if (key.pkcs8) {
      keys.push({friendlyName: key.friendlyName, localKeyId: key.localKeyId, pkcs8: key.pkcs8, encryption: null})
      continue
    }
    const shrouded = key.shrouded!
    const pkcs8 = await decrypt(shrouded.algorithm, shrouded.data, password)
    try {
      sequence(parse(pkcs8), 'PrivateKeyInfo')
    } catch {
      throw new DecryptionError()
    }
    keys.push({friendlyName: key.friendlyName, localKeyId: key.localKeyId, pkcs8, encryption: describeEncryption(shrouded.algorithm)})
  }
  return {keys, certificates: sink.certificates, certificateEncryption}
}

/**
 * Check the password and decrypt. A MAC that fails while the password still decrypts everything
 * means the file was changed after it was made (IntegrityError), not that the password is wrong.
 */
export async function openPfx(structure: PfxStructure, password: string): Promise<Pkcs12Contents> {
  const macOk = structure.mac === null ? null : asFormatError(() => verifyMac(structure.mac!, structure.macContent, password))
  const hasEncryption = structure.parts.some((part) => part.kind === 'encrypted')

  try {
    const contents = await asFormatErrorAsync(() => decryptParts(structure, password))
    if (macOk === false) {
      const decryptedSomething = hasEncryption || contents.keys.some((key) => key.encryption !== null)
      throw decryptedSomething ? new IntegrityError() : new WrongPasswordError()
    }
    return contents
  } catch (error) {
    if (error instanceof DecryptionError) {
      if (macOk === true) throw new Pkcs12FormatError('the password is right but the contents do not decrypt: the file is damaged')
      throw new WrongPasswordError()
    }
    throw error
  }
}

async function asFormatErrorAsync<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof Asn1Error) throw new Pkcs12FormatError(error.message)
    if (error instanceof UnsupportedAlgorithmError) throw new UnsupportedPkcs12Error(error.message)
    throw error
  }
}

export function summarizeProtection(structure: PfxStructure): ProtectionSummary {
  const encrypted = structure.parts.find((part) => part.kind === 'encrypted')
  return {
    mac: structure.mac ? describeMac(structure.mac) : null,
    macIterations: structure.mac ? structure.mac.iterations : null,
    certificateEncryption: encrypted?.kind === 'encrypted' ? encrypted.encryption.name : null,
    certificateIterations: encrypted?.kind === 'encrypted' ? encrypted.encryption.iterations : null,
  }
}
