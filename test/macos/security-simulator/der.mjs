/**
 * A small DER/BER reader for the simulator: enough to walk PKCS#12 files (which NSS writes in BER,
 * with indefinite lengths and constructed OCTET STRINGs) and X.509 certificates, keeping the exact
 * bytes of every part.
 */

export class DerError extends Error {}

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  SET: 0x31,
}

/** One TLV at `offset`: `contents` are the value bytes, `children` the parsed parts of a constructed value. */
export function readNode(buffer, offset = 0) {
  let position = offset
  const next = () => {
    if (position >= buffer.length) throw new DerError('truncated')
    return buffer[position++]
  }
  const tag = next()
  let tagNumber = tag & 0x1f
  if (tagNumber === 0x1f) {
    tagNumber = 0
    let byte
    do {
      byte = next()
      tagNumber = tagNumber * 128 + (byte & 0x7f)
    } while (byte & 0x80)
  }
  const constructed = (tag & 0x20) !== 0
  const lengthByte = next()
  const contentStart = position
  if (lengthByte === 0x80) {
    if (!constructed) throw new DerError('indefinite length on a primitive value')
    const children = []
    let cursor = contentStart
    while (!(buffer[cursor] === 0 && buffer[cursor + 1] === 0)) {
      if (cursor >= buffer.length) throw new DerError('truncated')
      const child = readNode(buffer, cursor)
      children.push(child)
      cursor = child.end
    }
    return {tag, tagNumber, tagClass: tag >> 6, constructed, start: offset, end: cursor + 2, contents: buffer.subarray(contentStart, cursor), children}
  }
  let length = lengthByte
  if (lengthByte > 0x80) {
    const count = lengthByte & 0x7f
    if (count > 4) throw new DerError('length too large')
    length = 0
    for (let i = 0; i < count; i++) length = length * 256 + next()
  }
  const end = position + length
  if (end > buffer.length) throw new DerError('truncated')
  const contents = buffer.subarray(position, end)
  const node = {tag, tagNumber, tagClass: tag >> 6, constructed, start: offset, end, contents}
  if (constructed) node.children = readChildren(buffer, position, end)
  return node
}

function readChildren(buffer, start, end) {
  const children = []
  let cursor = start
  while (cursor < end) {
    const child = readNode(buffer, cursor)
    if (child.end > end) throw new DerError('child overruns its parent')
    children.push(child)
    cursor = child.end
  }
  return children
}

export function parseDer(buffer) {
  return readNode(buffer, 0)
}

/** The whole TLV, header included. */
export function rawBytes(buffer, node) {
  return buffer.subarray(node.start, node.end)
}

export function expect(node, tag, what) {
  if (!node || node.tag !== tag) throw new DerError(`${what}: expected tag 0x${tag.toString(16)}, found ${node ? `0x${node.tag.toString(16)}` : 'nothing'}`)
  return node
}

export function children(node, what) {
  if (!node?.children) throw new DerError(`${what}: not a constructed value`)
  return node.children
}

/** The bytes of an OCTET STRING, joining the pieces of a constructed (BER) one. */
export function octets(node) {
  if (!node.constructed) return Buffer.from(node.contents)
  return Buffer.concat(node.children.map((child) => octets(child)))
}

export function oid(node) {
  expect(node, TAG.OID, 'OBJECT IDENTIFIER')
  const bytes = node.contents
  const parts = []
  let value = 0
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      if (parts.length === 0) {
        const first = value < 80 ? Math.floor(value / 40) : 2
        parts.push(first, value - first * 40)
      } else {
        parts.push(value)
      }
      value = 0
    }
  }
  return parts.join('.')
}

export function integer(node) {
  expect(node, TAG.INTEGER, 'INTEGER')
  let value = 0
  for (const byte of node.contents) value = value * 256 + byte
  return value
}

/** A string value (UTF8String, PrintableString, IA5String, T61String, BMPString, UniversalString). */
export function text(node) {
  const bytes = node.contents
  switch (node.tag) {
    case 0x0c:
      return bytes.toString('utf8')
    case 0x1e: {
      const swapped = Buffer.from(bytes)
      swapped.swap16()
      return swapped.toString('utf16le')
    }
    case 0x1c: {
      let result = ''
      for (let i = 0; i + 3 < bytes.length; i += 4) result += String.fromCodePoint(bytes.readUInt32BE(i))
      return result
    }
    default:
      return bytes.toString('latin1')
  }
}
