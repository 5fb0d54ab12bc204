/**
 * Apple property lists: reading XML and binary (`bplist00`) plists, writing XML ones. No dependency,
 * no file access: bytes in, values out. Files come from other programs (an app's Info.plist), so
 * every length, offset and reference is checked before it is used, and malformed input is refused
 * with a PlistFormatError that says what is wrong and where, never with a stack overflow or a hang.
 *
 * How plist types map to values:
 * - `<integer>`: a number when it is a safe integer (|n| < 2^53), otherwise a bigint. Writing: a
 *   bigint, or a number that is a safe integer (and not -0), becomes `<integer>`.
 * - `<real>`: a number. Writing: every other number (fractions, -0, NaN, ±Infinity, integers too
 *   large to be exact) becomes `<real>`. So a real whose value is whole (2.0) reads as 2 and is
 *   written back as `<integer>2</integer>`: the one change a round trip makes.
 * - `<date>`: a Date (binary dates keep their milliseconds; XML ones are whole seconds).
 * - `<data>`: a Buffer. `<string>`: a string. `<true/>`, `<false/>`: booleans.
 * - `<array>`: an array; `<dict>`: a plain object whose own keys are the dict's keys, in order
 *   (a `__proto__` key is an ordinary own property).
 * - A binary plist's UID (NSKeyedArchiver's object references): a number.
 */

export type PlistValue = string | number | bigint | boolean | Date | Buffer | PlistValue[] | {[key: string]: PlistValue}

export type PlistDict = {[key: string]: PlistValue}

/** The input is not a property list this reader accepts; the message says what and where. */
export class PlistFormatError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlistFormatError'
  }
}

/** Nesting deeper than this is refused: real plists nest a handful of levels. */
export const MAX_PLIST_DEPTH = 256
/**
 * A binary plist may reference one array from many places, so a few bytes can stand for billions of
 * values. A file that shares nothing expands to one value per reference it holds; twice as many as
 * its bytes have room for, and at least this many, are allowed.
 */
export const MIN_PLIST_VALUE_LIMIT = 100_000

/** Seconds from the Unix epoch to Apple's, 2001-01-01T00:00:00Z. */
const APPLE_EPOCH_MS = Date.UTC(2001, 0, 1)

function setKey(dict: PlistDict, key: string, value: PlistValue, where: () => string): void {
  if (Object.prototype.hasOwnProperty.call(dict, key)) throw new PlistFormatError(`duplicate key ${JSON.stringify(key)} in a dict ${where()}`)
  Object.defineProperty(dict, key, {value, enumerable: true, writable: true, configurable: true})
}

function integerValue(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
}

/** Reads an XML or a binary property list. */
export function parsePlist(bytes: Buffer): PlistValue {
  if (bytes.subarray(0, 6).toString('latin1') === 'bplist') return parseBinaryPlist(bytes)
  return parseXmlPlist(decodeXmlText(bytes))
}

// ---------------------------------------------------------------------------------------------
// Binary plists (the format of CFBinaryPList.c): "bplist00", objects, an offset table, a trailer.

function parseBinaryPlist(bytes: Buffer): PlistValue {
  const version = bytes.subarray(0, 8).toString('latin1')
  if (version !== 'bplist00') throw new PlistFormatError(`binary plist version ${JSON.stringify(version.slice(6))} is not supported (only bplist00)`)
  if (bytes.length < 8 + 32) throw new PlistFormatError(`binary plist too short (${bytes.length} bytes) to hold its trailer`)

  const trailer = bytes.length - 32
  const offsetSize = bytes[trailer + 6]
  const refSize = bytes[trailer + 7]
  const count = bytes.readBigUInt64BE(trailer + 8)
  const top = bytes.readBigUInt64BE(trailer + 16)
  const tableStart = bytes.readBigUInt64BE(trailer + 24)
  if (offsetSize < 1 || offsetSize > 8) throw new PlistFormatError(`binary plist trailer: offset size ${offsetSize} is not 1 to 8 bytes`)
  if (refSize < 1 || refSize > 8) throw new PlistFormatError(`binary plist trailer: object reference size ${refSize} is not 1 to 8 bytes`)
  if (count < 1n || count > BigInt(trailer)) throw new PlistFormatError(`binary plist trailer: ${count} objects cannot fit in ${bytes.length} bytes`)
  if (top >= count) throw new PlistFormatError(`binary plist trailer: top object ${top} is not one of the ${count} objects`)
  if (tableStart < 9n || tableStart + count * BigInt(offsetSize) > BigInt(trailer)) {
    throw new PlistFormatError(`binary plist trailer: the offset table (at ${tableStart}, ${count} × ${offsetSize} bytes) lies outside the file`)
  }
  const objectCount = Number(count)
  const table = Number(tableStart)

  const readUnsigned = (at: number, size: number): number => {
    let value = 0
    for (let i = 0; i < size; i++) value = value * 256 + bytes[at + i]
    if (!Number.isSafeInteger(value)) throw new PlistFormatError(`binary plist: a ${size}-byte offset or reference at byte ${at} is too large`)
    return value
  }

  const offsets: number[] = []
  for (let i = 0; i < objectCount; i++) {
    const offset = readUnsigned(table + i * offsetSize, offsetSize)
    if (offset < 8 || offset >= table) throw new PlistFormatError(`binary plist: object ${i} at offset ${offset} lies outside the object area`)
    offsets.push(offset)
  }

  const need = (at: number, length: number, what: string): void => {
    if (length < 0 || at + length > table) throw new PlistFormatError(`binary plist: ${what} at byte ${at} runs past the object area`)
  }

  const readInt = (at: number, widthLog: number): bigint => {
    if (widthLog > 4) throw new PlistFormatError(`binary plist: an integer of 2^${widthLog} bytes at byte ${at} is not supported`)
    const width = 1 << widthLog
    need(at, width, 'an integer')
    if (width <= 4) return BigInt(readUnsigned(at, width))
    if (width === 8) return bytes.readBigInt64BE(at)
    // 16 bytes: a signed 128-bit integer; CF writes unsigned 64-bit values beyond 2^63 this way.
    return (bytes.readBigInt64BE(at) << 64n) | bytes.readBigUInt64BE(at + 8)
  }

  /** The object's length: the marker's low nibble, or an integer object after it when the nibble is 0xF. */
  const readLength = (at: number): {length: number; start: number} => {
    const nibble = bytes[at] & 0x0f
    if (nibble !== 0x0f) return {length: nibble, start: at + 1}
    need(at + 1, 1, 'a length')
    const marker = bytes[at + 1]
    if (marker >> 4 !== 0x1) throw new PlistFormatError(`binary plist: the length of the object at byte ${at} is not an integer`)
    const length = readInt(at + 2, marker & 0x0f)
    if (length < 0n || length > BigInt(table)) throw new PlistFormatError(`binary plist: the object at byte ${at} claims a length of ${length}`)
    return {length: Number(length), start: at + 2 + (1 << (marker & 0x0f))}
  }

  const readRef = (at: number): number => {
    need(at, refSize, 'an object reference')
    const ref = readUnsigned(at, refSize)
    if (ref >= objectCount) throw new PlistFormatError(`binary plist: reference to object ${ref} at byte ${at}, of ${objectCount} objects`)
    return ref
  }

  const valueLimit = Math.max(MIN_PLIST_VALUE_LIMIT, 2 * Math.floor((table - 8) / refSize))
  let produced = 0
  const onPath = new Set<number>()

  const readObject = (index: number, depth: number): PlistValue => {
    if (++produced > valueLimit) throw new PlistFormatError(`binary plist expands to more than ${valueLimit} values`)
    if (depth > MAX_PLIST_DEPTH) throw new PlistFormatError(`binary plist nests deeper than ${MAX_PLIST_DEPTH} levels`)
    const at = offsets[index]
    const marker = bytes[at]
    const type = marker >> 4
    switch (type) {
      case 0x0: {
        if (marker === 0x08) return false
        if (marker === 0x09) return true
        throw new PlistFormatError(`binary plist: object ${index} (marker 0x${marker.toString(16).padStart(2, '0')}) is not a value (null and fill are not supported)`)
      }
      case 0x1:
        return integerValue(readInt(at + 1, marker & 0x0f))
      case 0x2: {
        const widthLog = marker & 0x0f
        if (widthLog === 2) {
          need(at + 1, 4, 'a real')
          return bytes.readFloatBE(at + 1)
        }
        if (widthLog === 3) {
          need(at + 1, 8, 'a real')
          return bytes.readDoubleBE(at + 1)
        }
        throw new PlistFormatError(`binary plist: a real of 2^${widthLog} bytes at byte ${at} is not supported`)
      }
      case 0x3: {
        if (marker !== 0x33) throw new PlistFormatError(`binary plist: unknown date marker 0x${marker.toString(16)} at byte ${at}`)
        need(at + 1, 8, 'a date')
        const date = new Date(APPLE_EPOCH_MS + bytes.readDoubleBE(at + 1) * 1000)
        if (Number.isNaN(date.getTime())) throw new PlistFormatError(`binary plist: the date at byte ${at} is out of range`)
        return date
      }
      case 0x4: {
        const {length, start} = readLength(at)
        need(start, length, 'data')
        return Buffer.from(bytes.subarray(start, start + length))
      }
      case 0x5: {
        const {length, start} = readLength(at)
        need(start, length, 'an ASCII string')
        const raw = bytes.subarray(start, start + length)
        if (raw.some((byte) => byte > 0x7f)) throw new PlistFormatError(`binary plist: the ASCII string at byte ${at} holds a byte above 0x7F`)
        return raw.toString('latin1')
      }
      case 0x6: {
        const {length, start} = readLength(at)
        need(start, length * 2, 'a UTF-16 string')
        const units = Buffer.from(bytes.subarray(start, start + length * 2))
        return units.swap16().toString('utf16le')
      }
      case 0x8: {
        const width = (marker & 0x0f) + 1
        if (width > 8) throw new PlistFormatError(`binary plist: a UID of ${width} bytes at byte ${at} is not supported`)
        need(at + 1, width, 'a UID')
        return readUnsigned(at + 1, width)
      }
      case 0xa:
      case 0xd: {
        if (onPath.has(index)) throw new PlistFormatError(`binary plist: object ${index} contains itself`)
        const {length, start} = readLength(at)
        const refs = type === 0xa ? length : length * 2
        need(start, refs * refSize, type === 0xa ? 'an array' : 'a dict')
        onPath.add(index)
        try {
          if (type === 0xa) {
            const array: PlistValue[] = []
            for (let i = 0; i < length; i++) array.push(readObject(readRef(start + i * refSize), depth + 1))
            return array
          }
          const dict: PlistDict = {}
          for (let i = 0; i < length; i++) {
            const key = readObject(readRef(start + i * refSize), depth + 1)
            if (typeof key !== 'string') throw new PlistFormatError(`binary plist: a key of the dict at byte ${at} is not a string`)
            const value = readObject(readRef(start + (length + i) * refSize), depth + 1)
            setKey(dict, key, value, () => `at byte ${at}`)
          }
          return dict
        } finally {
          onPath.delete(index)
        }
      }
      default:
        throw new PlistFormatError(`binary plist: object ${index} has an unknown or unsupported type (marker 0x${marker.toString(16).padStart(2, '0')} at byte ${at})`)
    }
  }

  return readObject(Number(top), 0)
}

// ---------------------------------------------------------------------------------------------
// XML plists: Apple's DTD, read by a small parser that knows only what plists use.

function decodeXmlText(bytes: Buffer): string {
  let encoding: 'utf-8' | 'utf-16le' | 'utf-16be' = 'utf-8'
  let body = bytes
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) body = bytes.subarray(3)
  else if (bytes[0] === 0xff && bytes[1] === 0xfe) [encoding, body] = ['utf-16le', bytes.subarray(2)]
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) [encoding, body] = ['utf-16be', bytes.subarray(2)]
  try {
    return new TextDecoder(encoding, {fatal: true}).decode(body)
  } catch {
    throw new PlistFormatError(`not a property list: the text is not valid ${encoding.toUpperCase()}`)
  }
}

const VALUE_ELEMENTS = new Set(['dict', 'array', 'string', 'integer', 'real', 'date', 'data', 'true', 'false'])

/** Where character content stops: markup or a reference (global, so the search starts at lastIndex). */
const MARKUP = /[<&]/g

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}

function parseXmlPlist(text: string): PlistValue {
  let pos = 0

  const where = (at = pos): string => {
    const before = text.slice(0, at)
    const line = before.split('\n').length
    return `at line ${line}, column ${at - before.lastIndexOf('\n')}`
  }
  function fail(message: string, at = pos): never {
    throw new PlistFormatError(`XML plist: ${message} ${where(at)}`)
  }

  /** Whitespace, comments and processing instructions, which may stand between elements. */
  const skipMisc = (): void => {
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos])) pos++
      if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4)
        if (end < 0) fail('unterminated comment')
        pos = end + 3
      } else if (text.startsWith('<?', pos)) {
        const end = text.indexOf('?>', pos + 2)
        if (end < 0) fail('unterminated processing instruction')
        pos = end + 2
      } else {
        return
      }
    }
  }

  const skipDoctype = (): void => {
    if (!text.startsWith('<!DOCTYPE', pos)) return
    const end = text.indexOf('>', pos)
    if (end < 0) fail('unterminated DOCTYPE')
    // An internal subset could define entities; no plist needs one, and expanding them is a known attack.
    if (text.slice(pos, end).includes('[')) fail('a DOCTYPE with an internal subset is not supported')
    pos = end + 1
  }

  /** `<name attr="…">` or `<name/>`: the name and whether the element is empty. */
  const openTag = (): {name: string; empty: boolean; at: number} => {
    const at = pos
    if (text[pos] !== '<') fail(`expected an element, found ${JSON.stringify(text.slice(pos, pos + 20) || 'the end of the text')}`)
    const match = /^<([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/.exec(text.slice(pos, pos + 512))
    if (!match) fail('malformed start tag')
    pos += match[0].length
    return {name: match[1], empty: match[3] === '/', at}
  }

  const closeTag = (name: string): void => {
    const match = new RegExp(`^</${name}\\s*>`).exec(text.slice(pos, pos + name.length + 64))
    if (!match) fail(`expected </${name}>`)
    pos += match[0].length
  }

  /** Character content up to `</name>`: text, entity and character references, CDATA; no child elements. */
  const textContent = (name: string): string => {
    let out = ''
    for (;;) {
      MARKUP.lastIndex = pos
      const next = MARKUP.exec(text)
      if (!next) fail(`unterminated <${name}>`)
      out += text.slice(pos, next.index)
      pos = next.index
      if (text[pos] === '&') {
        const match = /^&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);/.exec(text.slice(pos, pos + 16))
        if (!match) fail('malformed entity reference')
        const ref = match[1]
        if (ref.startsWith('#')) {
          const code = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10)
          if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) || code === 0) fail(`character reference &${ref}; is not a character`)
          out += String.fromCodePoint(code)
        } else {
          if (!(ref in ENTITIES)) fail(`unknown entity &${ref};`)
          out += ENTITIES[ref]
        }
        pos += match[0].length
      } else if (text.startsWith('<![CDATA[', pos)) {
        const end = text.indexOf(']]>', pos + 9)
        if (end < 0) fail('unterminated CDATA section')
        out += text.slice(pos + 9, end)
        pos = end + 3
      } else if (text.startsWith('<!--', pos)) {
        const end = text.indexOf('-->', pos + 4)
        if (end < 0) fail('unterminated comment')
        pos = end + 3
      } else if (text.startsWith('</', pos)) {
        closeTag(name)
        return out
      } else {
        fail(`an element inside <${name}>, which holds only text`)
      }
    }
  }

  const scalar = (name: string, raw: string, at: number): PlistValue => {
    const trimmed = raw.trim()
    switch (name) {
      case 'string':
        return raw
      case 'integer': {
        const match = /^([+-]?)(?:0x([0-9A-Fa-f]+)|(\d+))$/.exec(trimmed)
        if (!match) return fail(`<integer> holds ${JSON.stringify(trimmed)}, not an integer`, at)
        const magnitude = match[2] !== undefined ? BigInt(`0x${match[2]}`) : BigInt(match[3])
        return integerValue(match[1] === '-' ? -magnitude : magnitude)
      }
      case 'real': {
        const special = /^([+-]?)(nan|inf|infinity)$/i.exec(trimmed)
        if (special) return special[2].toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity
        if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(trimmed)) return fail(`<real> holds ${JSON.stringify(trimmed)}, not a number`, at)
        return Number(trimmed)
      }
      case 'date': {
        const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/.exec(trimmed)
        if (!match) return fail(`<date> holds ${JSON.stringify(trimmed)}, not an ISO 8601 UTC date (YYYY-MM-DDTHH:MM:SSZ)`, at)
        const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number)
        const ms = match[7] ? Math.round(Number(match[7]) * 1000) : 0
        const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms))
        date.setUTCFullYear(year)
        if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
          return fail(`<date> holds ${JSON.stringify(trimmed)}, which is not a real date`, at)
        }
        return date
      }
      case 'data': {
        const compact = raw.replace(/\s+/g, '')
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return fail('<data> does not hold base64', at)
        return Buffer.from(compact, 'base64')
      }
    }
    return fail(`<${name}> is not a plist value`, at)
  }

  const value = (depth: number): PlistValue => {
    if (depth > MAX_PLIST_DEPTH) fail(`nesting deeper than ${MAX_PLIST_DEPTH} levels`)
    const tag = openTag()
    if (!VALUE_ELEMENTS.has(tag.name)) fail(`<${tag.name}> is not a plist value`, tag.at)
    if (tag.name === 'true' || tag.name === 'false') {
      if (!tag.empty) closeTag(tag.name)
      return tag.name === 'true'
    }
    if (tag.name === 'array') {
      const array: PlistValue[] = []
      if (tag.empty) return array
      for (;;) {
        skipMisc()
        if (text.startsWith('</', pos)) {
          closeTag('array')
          return array
        }
        array.push(value(depth + 1))
      }
    }
    if (tag.name === 'dict') {
      const dict: PlistDict = {}
      if (tag.empty) return dict
      for (;;) {
        skipMisc()
        if (text.startsWith('</', pos)) {
          closeTag('dict')
          return dict
        }
        const keyTag = openTag()
        if (keyTag.name !== 'key') fail(`<${keyTag.name}> where a dict needs a <key>`, keyTag.at)
        const key = keyTag.empty ? '' : textContent('key')
        skipMisc()
        if (text.startsWith('</', pos)) fail(`the key ${JSON.stringify(key)} has no value`)
        setKey(dict, key, value(depth + 1), () => where(keyTag.at))
      }
    }
    return scalar(tag.name, tag.empty ? '' : textContent(tag.name), tag.at)
  }

  skipMisc()
  skipDoctype()
  skipMisc()
  if (pos >= text.length || text[pos] !== '<') throw new PlistFormatError('not a property list: neither an XML nor a binary plist')
  let result: PlistValue
  const rootAt = pos
  if (text.startsWith('<plist', pos)) {
    const root = openTag()
    if (root.name !== 'plist') fail(`<${root.name}> is not a plist value`, rootAt)
    if (root.empty) fail('<plist/> holds no value', rootAt)
    skipMisc()
    result = value(1)
    skipMisc()
    closeTag('plist')
  } else {
    result = value(0)
  }
  skipMisc()
  if (pos < text.length) fail('text after the end of the plist')
  return result
}

// ---------------------------------------------------------------------------------------------
// Writing XML, laid out as Apple's tools and Python's plistlib lay it out.

const XML_HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n'

/** Characters XML 1.0 cannot carry at all (controls other than tab and line breaks, lone surrogates, U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

function escapeText(text: string, path: string): string {
  const bad = NOT_XML.exec(text)
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    throw new TypeError(`the string at ${path} holds U+${code}, which an XML plist cannot carry`)
  }
  // A raw CR would come back as LF (XML normalises line ends); a character reference keeps it.
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
}

function formatDate(date: Date, path: string): string {
  const time = date.getTime()
  if (Number.isNaN(time)) throw new TypeError(`the date at ${path} is invalid`)
  const year = date.getUTCFullYear()
  if (year < 0 || year > 9999) throw new TypeError(`the date at ${path} is outside the years 0 to 9999`)
  const two = (n: number): string => String(n).padStart(2, '0')
  return `${String(year).padStart(4, '0')}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}Z`
}

function formatReal(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (value === Infinity) return '+infinity'
  if (value === -Infinity) return '-infinity'
  if (Object.is(value, -0)) return '-0.0'
  const text = String(value)
  // "1e+21" and "5" are valid reals too, but a decimal point says "real" to every reader at a glance.
  return /[.e]/.test(text) ? text : `${text}.0`
}

function isPlainObject(value: object): value is PlistDict {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** An XML plist of `value`: Apple's header and DOCTYPE, tab indentation, base64 data wrapped to fit 76 columns. */
export function xmlPlist(value: PlistValue): string {
  const lines: string[] = []
  const seen = new Set<object>()

  const write = (item: PlistValue, level: number, path: string): void => {
    const indent = '\t'.repeat(level)
    if (typeof item === 'string') return void lines.push(`${indent}<string>${escapeText(item, path)}</string>`)
    if (typeof item === 'boolean') return void lines.push(`${indent}<${item}/>`)
    if (typeof item === 'bigint') return void lines.push(`${indent}<integer>${item}</integer>`)
    if (typeof item === 'number') {
      if (Number.isSafeInteger(item) && !Object.is(item, -0)) return void lines.push(`${indent}<integer>${item}</integer>`)
      return void lines.push(`${indent}<real>${formatReal(item)}</real>`)
    }
    if (item instanceof Date) return void lines.push(`${indent}<date>${formatDate(item, path)}</date>`)
    if (Buffer.isBuffer(item)) {
      // plistlib's rule: the base64 lines stand at the <data> tag's indentation and end by column 76.
      const width = Math.max(16, 76 - 8 * level)
      const chunk = Math.floor(width / 4) * 3
      lines.push(`${indent}<data>`)
      for (let i = 0; i < item.length; i += chunk) lines.push(`${indent}${item.subarray(i, i + chunk).toString('base64')}`)
      return void lines.push(`${indent}</data>`)
    }
    if (item === null || typeof item !== 'object') throw new TypeError(`the value at ${path} (${item === null ? 'null' : typeof item}) has no plist type`)
    if (seen.has(item)) throw new TypeError(`the value at ${path} contains itself`)
    seen.add(item)
    if (Array.isArray(item)) {
      if (item.length === 0) lines.push(`${indent}<array/>`)
      else {
        lines.push(`${indent}<array>`)
        item.forEach((element, i) => write(element, level + 1, `${path}[${i}]`))
        lines.push(`${indent}</array>`)
      }
    } else {
      if (!isPlainObject(item)) throw new TypeError(`the value at ${path} (${(item as object).constructor?.name ?? 'an object'}) has no plist type`)
      const keys = Object.keys(item)
      if (keys.length === 0) lines.push(`${indent}<dict/>`)
      else {
        lines.push(`${indent}<dict>`)
        for (const key of keys) {
          const keyPath = `${path}.${key}`
          lines.push(`${indent}\t<key>${escapeText(key, keyPath)}</key>`)
          write(item[key], level + 1, keyPath)
        }
        lines.push(`${indent}</dict>`)
      }
    }
    seen.delete(item)
  }

  write(value, 0, '(top)')
  return `${XML_HEADER}${lines.join('\n')}\n</plist>\n`
}
