import {execFileSync} from 'node:child_process'

import * as plist from 'plist'
import {beforeAll, describe, expect, it} from 'vitest'

import {MAX_PLIST_DEPTH, parsePlist, PlistFormatError, type PlistValue, xmlPlist} from '../../src/system/plist.js'

/**
 * Python's plistlib writes the binary and XML plists these tests read (one python3 run for the file),
 * and reads back what xmlPlist writes: it must load it, and dump it again byte for byte as we wrote it.
 */
const PYTHON = String.raw`
import base64, datetime, json, plistlib, sys

def cases():
    types = {
        "ascii": "CFBundleShortVersionString",
        "unicode": "Grüße, 日本語 😀",
        "empty": "",
        "ints": [0, 1, 255, 256, 65535, 65536, 2**32 - 1, 2**32, -1, -2**63, 2**53, 2**63 - 1, 2**64 - 1],
        "reals": [0.5, -1.25, 1e300, float("inf")],
        "date": datetime.datetime(2024, 2, 29, 12, 34, 56),
        "dateWithMs": datetime.datetime(2001, 1, 1, 0, 0, 0, 250000),
        "oldDate": datetime.datetime(1970, 1, 1),
        "data": bytes(range(100)),
        "shortData": b"\x00\xff",
        "yes": True,
        "no": False,
        "nested": [[], {}, [{"k": [1, "two", 3.5]}]],
    }
    binary_only = dict(types, uid=plistlib.UID(7), bigUid=plistlib.UID(300))
    many = list(range(1000, 1300))
    big = {"blob": bytes(i % 251 for i in range(70000)), "after": "end"}
    return {
        "types": {"binary": plistlib.dumps(binary_only, fmt=plistlib.FMT_BINARY), "xml": plistlib.dumps(types)},
        "many": {"binary": plistlib.dumps(many, fmt=plistlib.FMT_BINARY), "xml": plistlib.dumps(many)},
        "big": {"binary": plistlib.dumps(big, fmt=plistlib.FMT_BINARY), "xml": plistlib.dumps(big)},
        "string": {"binary": plistlib.dumps("top", fmt=plistlib.FMT_BINARY), "xml": plistlib.dumps("top")},
    }

ours = [base64.b64decode(doc) for doc in json.load(sys.stdin)]
checked = []
for doc in ours:
    value = plistlib.loads(doc)
    checked.append({
        "sameBytes": plistlib.dumps(value, sort_keys=False) == doc,
        "binary": base64.b64encode(plistlib.dumps(value, fmt=plistlib.FMT_BINARY, sort_keys=False)).decode(),
    })
out = {name: {fmt: base64.b64encode(b).decode() for fmt, b in c.items()} for name, c in cases().items()}
json.dump({"cases": out, "checked": checked}, sys.stdout)
`

const TYPES: Record<string, PlistValue> = {
  ascii: 'CFBundleShortVersionString',
  unicode: 'Grüße, 日本語 😀',
  empty: '',
  ints: [0, 1, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -(2n ** 63n), 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n],
  reals: [0.5, -1.25, 1e300, Infinity],
  date: new Date('2024-02-29T12:34:56Z'),
  dateWithMs: new Date('2001-01-01T00:00:00.250Z'),
  oldDate: new Date('1970-01-01T00:00:00Z'),
  data: Buffer.from(Array.from({length: 100}, (_, i) => i)),
  shortData: Buffer.from([0, 255]),
  yes: true,
  no: false,
  nested: [[], {}, [{k: [1, 'two', 3.5]}]],
}

/** What xmlPlist writes and plistlib must read back unchanged (no fractions of seconds, no reals plistlib formats otherwise). */
const WRITTEN: PlistValue[] = [
  {
    PayloadContent: [
      {
        PayloadContent: Buffer.from(Array.from({length: 700}, (_, i) => (i * 7) % 256)),
        PayloadType: 'com.apple.security.pkcs12',
        PayloadVersion: 1,
        Name: 'alice@example.com & <bob>',
      },
    ],
    PayloadScope: 'User',
    Removal: new Date('2030-06-01T08:00:00Z'),
    Flags: [true, false, [], {}],
    Reals: [0.5, -2.75, 9007199254740994],
    Ints: [-7, 0, 2n ** 63n - 1n, -(2n ** 63n)],
    Empty: '',
    Unicode: 'Grüße 😀',
  },
  'just a string',
  [Buffer.alloc(0), Buffer.from('x')],
]

interface PythonOutput {
  cases: Record<string, {binary: string; xml: string}>
  checked: Array<{sameBytes: boolean; binary: string}>
}

let python: PythonOutput
const written = WRITTEN.map((value) => xmlPlist(value))

beforeAll(() => {
  const input = JSON.stringify(written.map((text) => Buffer.from(text).toString('base64')))
  python = JSON.parse(execFileSync('python3', ['-c', PYTHON], {input, encoding: 'utf8'}))
})

function pythonCase(name: string, format: 'binary' | 'xml'): Buffer {
  return Buffer.from(python.cases[name][format], 'base64')
}

/** A binary plist put together by hand, for what plistlib never writes: one-byte references, given objects. */
function bplist(objects: Buffer[], options: {top?: number; refSize?: number; count?: number} = {}): Buffer {
  const offsets: number[] = []
  let at = 8
  for (const object of objects) {
    offsets.push(at)
    at += object.length
  }
  const offsetSize = at > 0xff ? 2 : 1
  const table = Buffer.concat(offsets.map((offset) => (offsetSize === 1 ? Buffer.from([offset]) : Buffer.from([offset >> 8, offset & 0xff]))))
  const trailer = Buffer.alloc(32)
  trailer[6] = offsetSize
  trailer[7] = options.refSize ?? 1
  trailer.writeBigUInt64BE(BigInt(options.count ?? objects.length), 8)
  trailer.writeBigUInt64BE(BigInt(options.top ?? 0), 16)
  trailer.writeBigUInt64BE(BigInt(at), 24)
  return Buffer.concat([Buffer.from('bplist00'), ...objects, table, trailer])
}

const ascii = (text: string): Buffer => Buffer.concat([Buffer.from([0x50 | text.length]), Buffer.from(text, 'latin1')])

describe('parsePlist: binary plists written by plistlib', () => {
  it('reads every type: ints of 1 to 16 bytes, reals, dates, data, ASCII and UTF-16 strings, arrays, dicts, booleans, UIDs', () => {
    expect(parsePlist(pythonCase('types', 'binary'))).toEqual({...TYPES, uid: 7, bigUid: 300})
  })

  it('reads two-byte object references (300 objects) and four-byte offsets (a 70 kB file)', () => {
    expect(parsePlist(pythonCase('many', 'binary'))).toEqual(Array.from({length: 300}, (_, i) => 1000 + i))
    const big = parsePlist(pythonCase('big', 'binary')) as {blob: Buffer; after: string}
    expect(big.blob.length).toBe(70000)
    expect(big.blob[69999]).toBe(69999 % 251)
    expect(big.after).toBe('end')
  })

  it('reads a plist whose top object is a string', () => {
    expect(parsePlist(pythonCase('string', 'binary'))).toBe('top')
  })

  it('reads what plistlib never writes: four-byte reals and integers of 2 and 4 bytes with their high bit set', () => {
    const float32 = Buffer.from([0x22, 0, 0, 0, 0])
    float32.writeFloatBE(1.5, 1)
    const array = Buffer.from([0xa3, 1, 2, 3])
    expect(parsePlist(bplist([array, float32, Buffer.from([0x11, 0xff, 0xfe]), Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff])]))).toEqual([1.5, 65534, 2 ** 32 - 1])
  })
})

describe('parsePlist: XML plists', () => {
  it('reads what plistlib writes', () => {
    // XML dates are whole seconds: plistlib drops the 250 ms.
    expect(parsePlist(pythonCase('types', 'xml'))).toEqual({...TYPES, dateWithMs: new Date('2001-01-01T00:00:00Z')})
    expect(parsePlist(pythonCase('many', 'xml'))).toEqual(parsePlist(pythonCase('many', 'binary')))
    const [fromXml, fromBinary] = [parsePlist(pythonCase('big', 'xml')), parsePlist(pythonCase('big', 'binary'))] as Array<{blob: Buffer; after: string}>
    // Buffer.equals: toEqual compares 70 000 bytes one by one, slowly.
    expect(fromXml.blob.equals(fromBinary.blob)).toBe(true)
    expect(fromXml.after).toBe('end')
  })

  it('reads what people write by hand: comments, CDATA, character references, hex integers, empty elements, a UTF-16 file', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>
<!-- an Info.plist -->
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
  <key>CFBundleShortVersionString</key> <!-- the version --> <string>16.0</string>
  <key>cdata</key><string><![CDATA[a <b> & c]]></string>
  <key>refs</key><string>&#x1F600;&#233;&lt;&amp;&gt;&quot;&apos;</string>
  <key>hex</key><integer> 0x1F </integer>
  <key>neg</key><integer>-12</integer>
  <key>empty</key><string/>
  <key>yes</key><true></true>
  <key>e</key><real>2.5E3</real>
  <key>nan</key><real>nan</real>
  <key>__proto__</key><string>own</string>
</dict></plist>`
    const value = parsePlist(Buffer.from(text)) as Record<string, PlistValue>
    expect(value).toMatchObject({CFBundleShortVersionString: '16.0', cdata: 'a <b> & c', refs: '😀é<&>"\'', hex: 31, neg: -12, empty: '', yes: true, e: 2500})
    expect(value.nan).toBeNaN()
    expect(Object.keys(value)).toContain('__proto__')
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<plist version="1.0"><string>Mail ✉</string></plist>', 'utf16le')])
    expect(parsePlist(utf16)).toBe('Mail ✉')
  })
})

describe('parsePlist refuses malformed input with a PlistFormatError that says what is wrong', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['an empty file', Buffer.alloc(0), /neither an XML nor a binary plist/],
    ['an OpenStep plist', Buffer.from('{ CFBundleName = Mail; }'), /neither an XML nor a binary plist/],
    ['invalid UTF-8', Buffer.from([0x3c, 0x70, 0xff, 0xfe, 0x3e]), /not valid UTF-8/],
    ['an unclosed element', Buffer.from('<plist><dict><key>a</key><string>b</string>'), /expected an element/],
    ['an unknown element', Buffer.from('<plist><map/></plist>'), /<map> is not a plist value/],
    ['a key without a value', Buffer.from('<plist><dict><key>a</key></dict></plist>'), /the key "a" has no value/],
    ['a duplicate key', Buffer.from('<plist><dict><key>a</key><true/><key>a</key><false/></dict></plist>'), /duplicate key "a"/],
    ['a value where a key belongs', Buffer.from('<plist><dict><string>a</string></dict></plist>'), /where a dict needs a <key>/],
    ['a bad integer', Buffer.from('<plist><integer>12a</integer></plist>'), /not an integer at line 1/],
    ['a bad date', Buffer.from('<plist><date>2024-02-30T00:00:00Z</date></plist>'), /not a real date/],
    ['bad base64', Buffer.from('<plist><data>@@@@</data></plist>'), /does not hold base64/],
    ['an element inside a string', Buffer.from('<plist><string>a<b/></string></plist>'), /holds only text/],
    ['an unknown entity', Buffer.from('<plist><string>&nbsp;</string></plist>'), /unknown entity &nbsp;/],
    ['an internal DTD subset', Buffer.from('<!DOCTYPE plist [<!ENTITY x "y">]><plist><string>&x;</string></plist>'), /internal subset/],
    ['text after the end', Buffer.from('<plist><true/></plist>junk'), /text after the end/],
    ['XML nested too deep', Buffer.from(`<plist>${'<array>'.repeat(MAX_PLIST_DEPTH + 2)}</plist>`), /deeper than 256/],
    ['a newer binary version', Buffer.from('bplist15 and more bytes than a trailer needs, 40 of them'), /version "15" is not supported/],
    ['a truncated binary plist', Buffer.from('bplist00\x08'), /too short/],
  ]
  it.each(cases)('%s', (_name, bytes, message) => {
    expect(() => parsePlist(bytes)).toThrow(PlistFormatError)
    expect(() => parsePlist(bytes)).toThrow(message)
  })

  it('binary: damaged trailers, offsets and references', () => {
    const good = pythonCase('types', 'binary')
    const withTrailerByte = (index: number, byte: number): Buffer => {
      const copy = Buffer.from(good)
      copy[copy.length - 32 + index] = byte
      return copy
    }
    expect(() => parsePlist(withTrailerByte(7, 0))).toThrow(/object reference size 0/)
    expect(() => parsePlist(withTrailerByte(6, 9))).toThrow(/offset size 9/)
    expect(() => parsePlist(withTrailerByte(23, 0xff))).toThrow(/top object 255 is not one of/)
    expect(() => parsePlist(Buffer.concat([good.subarray(0, 100), good.subarray(good.length - 32)]))).toThrow(/offset table .* lies outside the file/)
    expect(() => parsePlist(bplist([Buffer.from([0xa1, 5])]))).toThrow(/reference to object 5 at byte 9, of 1 objects/)
    expect(() => parsePlist(bplist([Buffer.from([0x5f, 0x10, 0x30]), Buffer.from('abc')]))).toThrow(/the object at byte 8 claims a length of 48/)
    expect(() => parsePlist(bplist([Buffer.from([0x55, 0x41, 0x42])]))).toThrow(/an ASCII string at byte 9 runs past the object area/)
  })

  it('binary: objects that are not values, or not of the right kind', () => {
    expect(() => parsePlist(bplist([Buffer.from([0x00])]))).toThrow(/null and fill are not supported/)
    expect(() => parsePlist(bplist([Buffer.from([0x71, 0x41])]))).toThrow(/unknown or unsupported type \(marker 0x71/)
    expect(() => parsePlist(bplist([Buffer.from([0x52, 0x41, 0xc3])]))).toThrow(/byte above 0x7F/)
    expect(() => parsePlist(bplist([Buffer.from([0xd1, 1, 1]), Buffer.from([0x10, 0x01])]))).toThrow(/a key of the dict at byte 8 is not a string/)
    expect(() => parsePlist(bplist([Buffer.from([0xd2, 1, 1, 2, 2]), ascii('k'), Buffer.from([0x09])]))).toThrow(/duplicate key "k"/)
  })

  it('binary: an array that contains itself, nesting too deep, and references that expand without end', () => {
    expect(() => parsePlist(bplist([Buffer.from([0xa1, 0])]))).toThrow(/object 0 contains itself/)

    const chain = Array.from({length: MAX_PLIST_DEPTH + 2}, (_, i) => (i === MAX_PLIST_DEPTH + 1 ? Buffer.from([0x09]) : Buffer.from([0xa1, (i + 1) >> 8, (i + 1) & 0xff])))
    expect(() => parsePlist(bplist(chain, {refSize: 2}))).toThrow(/nests deeper than 256 levels/)

    // Each array holds the next one twice: 2^40 values from 41 objects.
    const bomb = Array.from({length: 41}, (_, i) => (i === 40 ? Buffer.from([0x08]) : Buffer.from([0xa2, i + 1, i + 1])))
    expect(() => parsePlist(bplist(bomb))).toThrow(/expands to more than 100000 values/)
  })
})

describe('xmlPlist', () => {
  it("writes Apple's header and DOCTYPE, tab indentation, dates without milliseconds, and escapes", () => {
    expect(xmlPlist({Name: 'a<b>&c', When: new Date('2024-05-06T07:08:09.999Z'), Version: 1, Ratio: 0.25, Off: false, List: []})).toBe(
      `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>Name</key>
\t<string>a&lt;b&gt;&amp;c</string>
\t<key>When</key>
\t<date>2024-05-06T07:08:09Z</date>
\t<key>Version</key>
\t<integer>1</integer>
\t<key>Ratio</key>
\t<real>0.25</real>
\t<key>Off</key>
\t<false/>
\t<key>List</key>
\t<array/>
</dict>
</plist>
`,
    )
  })

  it('wraps base64 so that no line passes column 76 (a tab counts 8)', () => {
    const text = xmlPlist({a: [{b: Buffer.alloc(1000, 7)}]})
    const lines = text.split('\n').filter((line) => /^\t*[A-Za-z0-9+/=]+$/.test(line))
    expect(lines.length).toBeGreaterThan(10)
    for (const line of lines) expect(line.replace(/\t/g, ' '.repeat(8)).length).toBeLessThanOrEqual(76)
  })

  it('plistlib reads what it writes, and would write the same bytes', () => {
    expect(python.checked.map((c) => c.sameBytes)).toEqual(WRITTEN.map(() => true))
    // plistlib's own binary plist of what it read: the same values again.
    python.checked.forEach((c, i) => expect(parsePlist(Buffer.from(c.binary, 'base64'))).toEqual(WRITTEN[i]))
  })

  it('the npm plist package reads what it writes', () => {
    const normalise = (value: unknown): unknown => {
      if (value instanceof Uint8Array) return Buffer.from(value)
      if (Array.isArray(value)) return value.map(normalise)
      if (value instanceof Date || value === null || typeof value !== 'object') return value
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]))
    }
    // plist.js reads integers as JavaScript numbers, so it gets only the one without big integers exactly.
    for (const index of [1, 2]) expect(normalise(plist.parse(written[index]))).toEqual(WRITTEN[index])
    const first = normalise(plist.parse(written[0])) as Record<string, unknown>
    expect({...first, Ints: undefined}).toEqual({...(WRITTEN[0] as object), Ints: undefined})
  })

  it('round-trips through parsePlist, and reads what the npm plist package writes, XML and binary', () => {
    for (const value of WRITTEN) expect(parsePlist(Buffer.from(xmlPlist(value)))).toEqual(value)
    const value = {s: 'é😀', n: 42, r: 1.5, d: new Date('2020-01-02T03:04:05Z'), b: Buffer.from('bytes'), a: [true, {x: ''}]}
    expect(parsePlist(Buffer.from(plist.build(value)))).toEqual(value)
    expect(parsePlist(Buffer.from(plist.buildBinary(value)))).toEqual(value)
  })

  it('maps numbers as documented: safe integers and bigints to <integer>, everything else to <real>', () => {
    const text = xmlPlist([3, 3n, 2 ** 53, -0, 0.1, Number.NaN, -Infinity])
    expect(text).toContain('<integer>3</integer>\n\t<integer>3</integer>\n\t<real>9007199254740992.0</real>\n\t<real>-0.0</real>\n\t<real>0.1</real>\n\t<real>nan</real>\n\t<real>-infinity</real>')
    // The one change a round trip makes: a whole real comes back as an integer.
    expect(parsePlist(Buffer.from('<plist><real>2.0</real></plist>'))).toBe(2)
    expect(xmlPlist(2)).toContain('<integer>2</integer>')
    // A carriage return survives (a raw one would come back as a line feed).
    expect(parsePlist(Buffer.from(xmlPlist('a\r\nb')))).toBe('a\r\nb')
  })

  it('refuses what an XML plist cannot hold', () => {
    expect(() => xmlPlist('bell\u0007')).toThrow(/U\+0007, which an XML plist cannot carry/)
    expect(() => xmlPlist({k: '\uD800'})).toThrow(/the string at \(top\)\.k holds U\+D800/)
    expect(() => xmlPlist({k: undefined as unknown as PlistValue})).toThrow(/\(top\)\.k \(undefined\) has no plist type/)
    expect(() => xmlPlist(new Map() as unknown as PlistValue)).toThrow(/\(Map\) has no plist type/)
    expect(() => xmlPlist(new Date(Number.NaN))).toThrow(/invalid/)
    const loop: PlistValue[] = []
    loop.push(loop)
    expect(() => xmlPlist(loop)).toThrow(/contains itself/)
  })
})
