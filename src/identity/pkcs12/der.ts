/**
 * Thin typed helpers over node-forge's ASN.1 module, which parses both DER and the BER that NSS
 * writes (indefinite lengths, constructed OCTET STRINGs). Only forge's ASN.1 part is loaded: the
 * package's entry point would load all of forge (tens of milliseconds at every start).
 */
import asn1 from 'node-forge/lib/asn1.js'
import type forge from 'node-forge'

export type Node = forge.asn1.Asn1

export const Tag = asn1.Type
export const TagClass = asn1.Class

export class Asn1Error extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'Asn1Error'
  }
}

export function parse(bytes: Buffer): Node {
  try {
    // @types/node-forge only knows the older boolean form of the options.
    const options = {strict: true, parseAllBytes: true, decodeBitStrings: false} as unknown as boolean
    return asn1.fromDer(bytes.toString('binary'), options)
  } catch (error) {
    throw new Asn1Error(`not valid ASN.1: ${(error as Error).message}`)
  }
}

export function toDer(node: Node): Buffer {
  return Buffer.from(asn1.toDer(node).getBytes(), 'binary')
}

function children(node: Node): Node[] {
  if (!Array.isArray(node.value)) throw new Asn1Error('expected a constructed ASN.1 value')
  return node.value
}

function expectUniversal(node: Node | undefined, type: number, what: string): Node {
  if (!node || node.tagClass !== TagClass.UNIVERSAL || node.type !== type) throw new Asn1Error(`expected ${what}`)
  return node
}

export function sequence(node: Node | undefined, what = 'SEQUENCE'): Node[] {
  return children(expectUniversal(node, Tag.SEQUENCE, what))
}

export function set(node: Node | undefined, what = 'SET'): Node[] {
  return children(expectUniversal(node, Tag.SET, what))
}

export function oid(node: Node | undefined): string {
  const n = expectUniversal(node, Tag.OID, 'OBJECT IDENTIFIER')
  return asn1.derToOid(n.value as string)
}

/** A non-negative INTEGER that fits a JavaScript number (versions, iteration counts, key lengths). */
export function smallInt(node: Node | undefined, what = 'INTEGER'): number {
  const n = expectUniversal(node, Tag.INTEGER, what)
  const bytes = Buffer.from(n.value as string, 'binary')
  if (bytes.length === 0 || bytes.length > 6 || (bytes[0] & 0x80) !== 0) throw new Asn1Error(`${what} out of range`)
  return bytes.readUIntBE(0, bytes.length)
}

/** The contents of an OCTET STRING, joining the pieces of a BER constructed one. */
export function octets(node: Node | undefined, what = 'OCTET STRING'): Buffer {
  const n = expectUniversal(node, Tag.OCTETSTRING, what)
  return contentBytes(n)
}

/** The content bytes of a primitive or constructed (BER) string-like node, whatever its tag. */
export function contentBytes(node: Node): Buffer {
  if (typeof node.value === 'string') return Buffer.from(node.value, 'binary')
  return Buffer.concat(children(node).map((part) => contentBytes(part)))
}

/** The single element inside a context-specific [n] EXPLICIT tag. */
export function explicit(node: Node | undefined, tagNumber: number, what: string): Node {
  if (!node || node.tagClass !== TagClass.CONTEXT_SPECIFIC || node.type !== tagNumber) throw new Asn1Error(`expected ${what}`)
  const inner = children(node)
  if (inner.length !== 1) throw new Asn1Error(`expected one value inside ${what}`)
  return inner[0]
}

export function isContext(node: Node | undefined, tagNumber: number): boolean {
  return node?.tagClass === TagClass.CONTEXT_SPECIFIC && node.type === tagNumber
}

/** forge already decodes a primitive BMPString into a JavaScript string. */
export function bmpString(node: Node | undefined): string {
  const n = expectUniversal(node, Tag.BMPSTRING, 'BMPString')
  if (typeof n.value === 'string') return n.value
  return children(n).map((part) => bmpString(part)).join('')
}

// Builders for the encoder. Values are forge's binary strings.
export const build = {
  sequence: (items: Node[]): Node => asn1.create(TagClass.UNIVERSAL, Tag.SEQUENCE, true, items),
  set: (items: Node[]): Node => asn1.create(TagClass.UNIVERSAL, Tag.SET, true, items),
  oid: (dotted: string): Node => asn1.create(TagClass.UNIVERSAL, Tag.OID, false, asn1.oidToDer(dotted).getBytes()),
  int: (value: number): Node => asn1.create(TagClass.UNIVERSAL, Tag.INTEGER, false, asn1.integerToDer(value).getBytes()),
  octets: (bytes: Buffer): Node => asn1.create(TagClass.UNIVERSAL, Tag.OCTETSTRING, false, bytes.toString('binary')),
  null: (): Node => asn1.create(TagClass.UNIVERSAL, Tag.NULL, false, ''),
  bmp: (text: string): Node => asn1.create(TagClass.UNIVERSAL, Tag.BMPSTRING, false, text),
  explicit: (tagNumber: number, inner: Node): Node => asn1.create(TagClass.CONTEXT_SPECIFIC, tagNumber, true, [inner]),
  implicitOctets: (tagNumber: number, bytes: Buffer): Node =>
    asn1.create(TagClass.CONTEXT_SPECIFIC, tagNumber, false, bytes.toString('binary')),
  raw: (der: Buffer): Node => parse(der),
}
