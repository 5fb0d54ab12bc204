/**
 * Reading and minimally editing Thunderbird's `prefs.js` and `user.js`.
 *
 * The grammar is Gecko's libpref parser (`modules/libpref/parser/src/lib.rs`):
 *
 *   <pref-file>   = <pref>*
 *   <pref>        = <pref-spec> "(" <string> "," <pref-value> <pref-attrs> ")" ";"
 *   <pref-spec>   = "user_pref" | "pref" | "sticky_pref"
 *   <pref-value>  = <string> | "true" | "false" | ("+" | "-")? <int>
 *   <pref-attrs>  = ("," ("sticky" | "locked"))*    in default pref files; empty in user pref files
 *
 * Strings are single- or double-quoted bytes with the escapes \" \' \\ \n \r \xNN \uNNNN (a UTF-16 unit, surrogate
 * pairs as two escapes); \x00, \u0000, a lone surrogate and any other escape are errors, raw line breaks are
 * allowed. Integers are decimal, fit in 32 bits, and may not run into a letter. Comments are `//`, `#` and
 * non-nesting `/* *\/`; blanks are space, \t, \v, \f; a line break is \n, \r\n or a lone \r. A leading UTF-8 BOM is
 * skipped. Sign and digits are separate tokens, so `- /*x*\/ 5` is the integer -5.
 *
 * Deliberate differences from libpref, all in the direction of refusing a file rather than guessing:
 * - libpref recovers from an error by skipping to the next `;` and keeps the rest, then Gecko copies the file aside
 *   to `Invalidprefs.js`; we throw {@link PrefsSyntaxError} at the first error.
 * - libpref treats a NUL byte as the end of the file and silently ignores what follows, so anything appended after
 *   it would never be read; we reject any NUL byte.
 * - Current upstream Gecko accepts only `user_pref` in user pref files, but the Thunderbird 153 that Debian ships
 *   (its libpref is not quite upstream's: it also knows a `lock_pref` keyword) still reads `pref` and
 *   `sticky_pref` in prefs.js and user.js as default values, reporting nothing and keeping the file (tested). We
 *   accept those two everywhere, never write them, and refuse `lock_pref`, which no upstream libpref reads.
 *
 * Byte preservation: the file is handled as bytes (a latin1 string, one character per byte), so a file that is not
 * valid UTF-8 survives an edit unchanged outside the statements that the caller changes. Names and string values
 * are decoded as UTF-8 only for the caller.
 */

/** Thunderbird's settings files are far smaller; a bigger one (or a link to /dev/zero) is refused, not read. */
export const MAX_PREFS_BYTES = 64 * 1024 * 1024

export type PrefValue = string | number | boolean

/** How the statement was written; only `user_pref` holds a user value, the others set default values. */
export type PrefStatementKind = 'user_pref' | 'pref' | 'sticky_pref'

/** `user` for prefs.js and user.js; `default` for the app's default pref files, which may carry attributes. */
export type PrefsFileKind = 'user' | 'default'

export type LineBreak = '\n' | '\r\n' | '\r'

/** Byte offsets into the file, end exclusive. */
export interface ByteSpan {
  start: number
  end: number
}

export interface PrefEntry {
  kind: PrefStatementKind
  name: string
  value: PrefValue
  /** The string value's bytes as libpref stores them (possibly not UTF-8); null for integers and booleans. */
  stringBytes: Buffer | null
  sticky: boolean
  locked: boolean
  /** From the first byte of `user_pref` to the `;` inclusive. */
  statement: ByteSpan
  /** The value literal, including a sign and anything between sign and digits. */
  valueSpan: ByteSpan
  /** 1-based line of the statement's first byte. */
  line: number
}

export interface PrefsFile {
  readonly kind: PrefsFileKind
  readonly source: Buffer
  readonly entries: readonly PrefEntry[]
  /** The file's most common line break; null when it has none. */
  readonly lineBreak: LineBreak | null
  readonly endsWithLineBreak: boolean
  readonly hasByteOrderMark: boolean
}

export class PrefsSyntaxError extends Error {
  /** 1-based, counted the way libpref counts (\n, \r\n and a lone \r each end a line). */
  readonly line: number
  /** 1-based, in bytes from the start of the line. */
  readonly column: number
  readonly offset: number
  /** libpref's wording of the problem, without the position. */
  readonly reason: string

  constructor(reason: string, position: {line: number; column: number; offset: number}) {
    super(`prefs syntax error at line ${position.line}, column ${position.column}: ${reason}`)
    this.name = 'PrefsSyntaxError'
    this.reason = reason
    this.line = position.line
    this.column = position.column
    this.offset = position.offset
  }
}

const INT32_MAX = 2_147_483_647
const UINT32_MAX = 4_294_967_295
const UTF8_BOM = '\u00EF\u00BB\u00BF'

// ---------------------------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------------------------

const KEYWORDS = ['pref', 'true', 'false', 'user_pref', 'sticky', 'locked', 'sticky_pref'] as const
type Keyword = (typeof KEYWORDS)[number]

function isKeyword(word: string): word is Keyword {
  return (KEYWORDS as readonly string[]).includes(word)
}

type Punctuation = '(' | ')' | ',' | ';' | '+' | '-'

type Token =
  | {type: 'punctuation'; char: Punctuation; start: number; end: number}
  | {type: 'keyword'; word: Keyword; start: number; end: number}
  | {type: 'string'; bytes: string; start: number; end: number}
  | {type: 'integer'; magnitude: number; start: number; end: number}
  | {type: 'end'; start: number; end: number}

function isBlank(char: string): boolean {
  return char === ' ' || char === '\t' || char === '\v' || char === '\f' || char === '\n' || char === '\r'
}

function isKeywordChar(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z') || char === '_'
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9'
}

function isPunctuation(char: string): char is Punctuation {
  return char === '(' || char === ')' || char === ',' || char === ';' || char === '+' || char === '-'
}


interface SourcePosition {
  line: number
  column: number
  offset: number
}

/** The file's bytes with libpref's line numbering (\n, \r\n and a lone \r each end a line), indexed on first use. */
class SourceText {
  private lineStarts: number[] | null = null

  constructor(readonly bytes: string) {}

  position(offset: number): SourcePosition {
    this.lineStarts ??= [0, ...Array.from(this.bytes.matchAll(/\r\n|\n|\r/g), (m) => m.index + m[0].length)]
    let low = 0
    let high = this.lineStarts.length - 1
    while (low < high) {
      const middle = Math.ceil((low + high) / 2)
      if ((this.lineStarts[middle] as number) <= offset) low = middle
      else high = middle - 1
    }
    return {line: low + 1, column: offset - (this.lineStarts[low] as number) + 1, offset}
  }
}

class Lexer {
  private readonly bytes: string
  private index: number

  constructor(
    private readonly text: SourceText,
    start: number,
  ) {
    this.bytes = text.bytes
    this.index = start
  }

  fail(reason: string, offset: number): never {
    throw new PrefsSyntaxError(reason, this.text.position(offset))
  }

  next(): Token {
    this.skipBlanksAndComments()
    const start = this.index
    const char = this.bytes[start]
    if (char === undefined) return {type: 'end', start, end: start}
    if (isPunctuation(char)) {
      this.index++
      return {type: 'punctuation', char, start, end: this.index}
    }
    if (isKeywordChar(char)) return this.keyword(start)
    if (char === '"' || char === "'") return this.string(start, char)
    if (isDigit(char)) return this.integer(start)
    return this.fail('unexpected character', start)
  }

  private skipBlanksAndComments(): void {
    for (;;) {
      const char = this.bytes[this.index]
      if (char !== undefined && isBlank(char)) {
        this.index++
      } else if (char === '#') {
        this.skipToLineEnd()
      } else if (char === '/') {
        this.slashComment()
      } else {
        return
      }
    }
  }

  private skipToLineEnd(): void {
    while (this.index < this.bytes.length && this.bytes[this.index] !== '\n' && this.bytes[this.index] !== '\r') {
      this.index++
    }
  }

  private slashComment(): void {
    const start = this.index
    const second = this.bytes[start + 1]
    if (second === '/') {
      this.skipToLineEnd()
      return
    }
    if (second !== '*') this.fail("expected '/' or '*' after '/'", start)
    const close = this.bytes.indexOf('*/', start + 2)
    if (close < 0) this.fail('unterminated /* comment', start)
    this.index = close + 2
  }

  private keyword(start: number): Token {
    let end = start
    while (end < this.bytes.length && isKeywordChar(this.bytes[end] as string)) end++
    const word = this.bytes.slice(start, end)
    if (!isKeyword(word)) return this.fail('unknown keyword', start)
    this.index = end
    return {type: 'keyword', word, start, end}
  }

  private integer(start: number): Token {
    let end = start
    let magnitude = 0
    while (end < this.bytes.length && isDigit(this.bytes[end] as string)) {
      // Saturating keeps the number exact enough to tell "too big" without losing precision past 2^53.
      magnitude = Math.min(magnitude * 10 + Number(this.bytes[end]), UINT32_MAX + 1)
      end++
    }
    if (end < this.bytes.length && isKeywordChar(this.bytes[end] as string)) {
      this.fail('unexpected character in integer literal', end)
    }
    if (magnitude > UINT32_MAX) this.fail('integer literal overflowed', start)
    this.index = end
    return {type: 'integer', magnitude, start, end}
  }

  private string(start: number, quote: string): Token {
    let bytes = ''
    let index = start + 1
    for (;;) {
      const stop = this.nextQuoteOrBackslash(index, quote)
      if (stop < 0) this.fail('unterminated string literal', start)
      bytes += this.bytes.slice(index, stop)
      if (this.bytes[stop] === quote) {
        this.index = stop + 1
        return {type: 'string', bytes, start, end: this.index}
      }
      const escape = this.escape(stop)
      bytes += escape.bytes
      index = escape.end
    }
  }

  private nextQuoteOrBackslash(from: number, quote: string): number {
    const closing = this.bytes.indexOf(quote, from)
    const backslash = this.bytes.indexOf('\\', from)
    return backslash >= 0 && (closing < 0 || backslash < closing) ? backslash : closing
  }

  /** Decodes the escape at `backslash`; returns its bytes (UTF-8 for \u) and where it ends. */
  private escape(backslash: number): {bytes: string; end: number} {
    const letter = this.bytes[backslash + 1]
    switch (letter) {
      case '"':
      case "'":
      case '\\':
        return {bytes: letter, end: backslash + 2}
      case 'n':
        return {bytes: '\n', end: backslash + 2}
      case 'r':
        return {bytes: '\r', end: backslash + 2}
      case 'x':
        return this.byteEscape(backslash)
      case 'u':
        return this.unicodeEscape(backslash)
      default:
        return this.fail("unexpected escape sequence character after '\\'", backslash)
    }
  }

  /** The value of `count` hex digits after the two characters of `\\x` or `\\u`, or null. */
  private hexDigits(backslash: number, count: number): number | null {
    const digits = this.bytes.slice(backslash + 2, backslash + 2 + count)
    return digits.length === count && /^[0-9A-Fa-f]+$/.test(digits) ? Number.parseInt(digits, 16) : null
  }

  private byteEscape(backslash: number): {bytes: string; end: number} {
    const value = this.hexDigits(backslash, 2)
    if (value === null) return this.fail('malformed \\x escape sequence', backslash)
    if (value === 0) this.fail('\\x00 is not allowed', backslash)
    return {bytes: String.fromCharCode(value), end: backslash + 4}
  }

  private unicodeEscape(backslash: number): {bytes: string; end: number} {
    const unit = this.hexDigits(backslash, 4)
    if (unit === null) return this.fail('malformed \\u escape sequence', backslash)
    if (unit === 0) this.fail('\\u0000 is not allowed', backslash)
    if (isLowSurrogate(unit)) this.fail('expected high surrogate before low surrogate', backslash)
    if (!isHighSurrogate(unit)) return {bytes: utf8Bytes(String.fromCharCode(unit)), end: backslash + 6}

    const second = backslash + 6
    const low = this.bytes.startsWith('\\u', second) ? this.hexDigits(second, 4) : null
    if (low === null) this.fail('expected low surrogate after high surrogate', backslash)
    if (!isLowSurrogate(low)) this.fail('invalid low surrogate after high surrogate', second)
    return {bytes: utf8Bytes(String.fromCharCode(unit, low)), end: second + 6}
  }
}

function isHighSurrogate(unit: number): boolean {
  return (unit & 0xfc00) === 0xd800
}

function isLowSurrogate(unit: number): boolean {
  return (unit & 0xfc00) === 0xdc00
}

/** A JS string as the latin1 string of its UTF-8 bytes. */
function utf8Bytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

function decodeUtf8(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8')
}

// ---------------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------------

function isStatementKind(token: Token): token is Token & {type: 'keyword'; word: PrefStatementKind} {
  return token.type === 'keyword' && (token.word === 'user_pref' || token.word === 'pref' || token.word === 'sticky_pref')
}

interface ParsedValue {
  value: PrefValue
  stringBytes: string | null
  span: ByteSpan
}

class Parser {
  private readonly lexer: Lexer
  private token: Token

  constructor(
    private readonly text: SourceText,
    private readonly kind: PrefsFileKind,
    start: number,
  ) {
    this.lexer = new Lexer(text, start)
    this.token = this.lexer.next()
  }

  entries(): PrefEntry[] {
    const entries: PrefEntry[] = []
    while (this.token.type !== 'end') entries.push(this.statement())
    return entries
  }

  private advance(): Token {
    const current = this.token
    this.token = this.lexer.next()
    return current
  }

  private expectPunctuation(char: Punctuation, reason: string): Token {
    if (this.token.type !== 'punctuation' || this.token.char !== char) this.lexer.fail(reason, this.token.start)
    return this.advance()
  }

  private statement(): PrefEntry {
    const spec = this.advance()
    if (!isStatementKind(spec)) this.lexer.fail('expected pref specifier at start of pref definition', spec.start)
    const kind = spec.word
    this.expectPunctuation('(', "expected '(' after pref specifier")
    const name = this.advance()
    if (name.type !== 'string') this.lexer.fail("expected pref name after '('", name.start)
    this.expectPunctuation(',', "expected ',' after pref name")
    const value = this.value()
    const attributes = this.kind === 'default' ? this.attributes() : {sticky: false, locked: false, any: false}
    const closeReason =
      this.kind === 'default' ? `expected ',' or ')' after pref ${attributes.any ? 'attribute' : 'value'}` : "expected ')' after pref value"
    this.expectPunctuation(')', closeReason)
    const semicolon = this.expectPunctuation(';', "expected ';' after ')'")
    return {
      kind,
      name: decodeUtf8(name.bytes),
      value: value.value,
      stringBytes: value.stringBytes === null ? null : Buffer.from(value.stringBytes, 'latin1'),
      sticky: kind === 'sticky_pref' || attributes.sticky,
      locked: attributes.locked,
      statement: {start: spec.start, end: semicolon.end},
      valueSpan: value.span,
      line: this.text.position(spec.start).line,
    }
  }

  private value(): ParsedValue {
    const first = this.advance()
    if (first.type === 'keyword' && (first.word === 'true' || first.word === 'false')) {
      return {value: first.word === 'true', stringBytes: null, span: {start: first.start, end: first.end}}
    }
    if (first.type === 'string') {
      return {value: decodeUtf8(first.bytes), stringBytes: first.bytes, span: {start: first.start, end: first.end}}
    }
    if (first.type === 'integer') return this.integer(first, 1, first.start)
    if (first.type === 'punctuation' && (first.char === '-' || first.char === '+')) {
      const digits = this.advance()
      if (digits.type !== 'integer') this.lexer.fail(`expected integer literal after '${first.char}'`, digits.start)
      return this.integer(digits, first.char === '-' ? -1 : 1, first.start)
    }
    return this.lexer.fail("expected pref value after ','", first.start)
  }

  private integer(digits: Token & {type: 'integer'}, sign: 1 | -1, start: number): ParsedValue {
    const limit = sign === -1 ? INT32_MAX + 1 : INT32_MAX
    if (digits.magnitude > limit) this.lexer.fail('integer literal overflowed', start)
    // `-0` must read as 0, not JavaScript's -0.
    const value = digits.magnitude === 0 ? 0 : sign * digits.magnitude
    return {value, stringBytes: null, span: {start, end: digits.end}}
  }

  private attributes(): {sticky: boolean; locked: boolean; any: boolean} {
    const attributes = {sticky: false, locked: false, any: false}
    while (this.token.type === 'punctuation' && this.token.char === ',') {
      this.advance()
      const attribute = this.advance()
      if (attribute.type !== 'keyword' || (attribute.word !== 'sticky' && attribute.word !== 'locked')) {
        this.lexer.fail("expected pref attribute after ','", attribute.start)
      }
      attributes[attribute.word] = true
      attributes.any = true
    }
    return attributes
  }
}

function mostCommonLineBreak(bytes: string): LineBreak | null {
  const counts = new Map<LineBreak, number>()
  for (const match of bytes.matchAll(/\r\n|\n|\r/g)) {
    const lineBreak = match[0] as LineBreak
    counts.set(lineBreak, (counts.get(lineBreak) ?? 0) + 1)
  }
  let best: LineBreak | null = null
  for (const [lineBreak, count] of counts) {
    // Map iteration follows first appearance, so a tie goes to the line break seen first.
    if (best === null || count > (counts.get(best) ?? 0)) best = lineBreak
  }
  return best
}

function toBuffer(input: string | Buffer): Buffer {
  return typeof input === 'string' ? Buffer.from(input, 'utf8') : input
}

/** Parses prefs.js or user.js (or, with `kind: 'default'`, a default pref file). Throws {@link PrefsSyntaxError}. */
export function parsePrefs(input: string | Buffer, options: {kind?: PrefsFileKind} = {}): PrefsFile {
  const kind = options.kind ?? 'user'
  const source = toBuffer(input)
  const bytes = source.toString('latin1')
  const text = new SourceText(bytes)
  const nul = bytes.indexOf('\0')
  if (nul >= 0) throw new PrefsSyntaxError('NUL byte (libpref stops reading the file here)', text.position(nul))
  const hasByteOrderMark = bytes.startsWith(UTF8_BOM)
  const entries = new Parser(text, kind, hasByteOrderMark ? UTF8_BOM.length : 0).entries()
  return {
    kind,
    source,
    entries,
    lineBreak: mostCommonLineBreak(bytes),
    endsWithLineBreak: bytes.endsWith('\n') || bytes.endsWith('\r'),
    hasByteOrderMark,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading values
// ---------------------------------------------------------------------------------------------------------------

/** The `user_pref` value that libpref keeps: the last statement of that name. */
export function getUserPref(file: PrefsFile, name: string): PrefValue | undefined {
  return file.entries.findLast((entry) => entry.kind === 'user_pref' && entry.name === name)?.value
}

/**
 * The value Gecko would report for `name` from this file alone: a locked default wins, else the last user value,
 * else the last default value. (libpref also drops a user value whose type differs from an existing default's; no
 * file that Thunderbird writes mixes the two, so that refinement is left out.)
 */
export function getPref(file: PrefsFile, name: string): PrefValue | undefined {
  const defaults = file.entries.filter((entry) => entry.kind !== 'user_pref' && entry.name === name)
  const locked = defaults.find((entry) => entry.locked)
  if (locked) return locked.value
  return getUserPref(file, name) ?? defaults.at(-1)?.value
}

// ---------------------------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------------------------

function assertWritableText(text: string, what: string): void {
  if (text.includes('\0')) throw new RangeError(`${what} contains a NUL character, which prefs.js cannot hold`)
  if (/\p{Surrogate}/u.test(text)) throw new RangeError(`${what} contains a lone UTF-16 surrogate, which has no UTF-8 form`)
}

/** Gecko's `StrEscape`: quotes the text and escapes only backslash, double quote, LF and CR. */
export function escapePrefString(text: string): string {
  assertWritableText(text, 'The text')
  return `"${text.replace(/[\\"\n\r]/g, (char) => ESCAPES[char] ?? char)}"`
}

const ESCAPES: Readonly<Record<string, string>> = {'\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r'}

function formatPrefValue(value: PrefValue): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -INT32_MAX - 1 || value > INT32_MAX) {
      throw new RangeError(`${value} is not a 32-bit integer; libpref has no other numbers`)
    }
    return String(value === 0 ? 0 : value)
  }
  return escapePrefString(value)
}

/** One statement exactly as Gecko writes it into prefs.js, without the line break. */
export function formatUserPref(name: string, value: PrefValue): string {
  assertWritableText(name, `The pref name ${JSON.stringify(name)}`)
  return `user_pref(${escapePrefString(name)}, ${formatPrefValue(value)});`
}

export type PrefChanges = Readonly<Record<string, PrefValue | null>>

interface Replacement {
  start: number
  end: number
  text: string
}

function sameValue(entry: PrefEntry, value: PrefValue): boolean {
  if (typeof value === 'string') return entry.stringBytes !== null && entry.stringBytes.equals(Buffer.from(value, 'utf8'))
  return entry.value === value
}

function lineStartBefore(bytes: string, offset: number): number {
  let start = offset
  while (start > 0 && bytes[start - 1] !== '\n' && bytes[start - 1] !== '\r') start--
  return start
}

/** The end of the line holding `offset`, after its line break. */
function lineEndAfter(bytes: string, offset: number): number {
  let end = offset
  while (end < bytes.length && bytes[end] !== '\n' && bytes[end] !== '\r') end++
  if (bytes.startsWith('\r\n', end)) return end + 2
  return end < bytes.length ? end + 1 : end
}

function isOnlyBlanks(text: string): boolean {
  return /^[ \t\v\f]*(\r\n|\n|\r)?$/.test(text)
}

/**
 * Removing statements: a run of lines that holds nothing but the removed statements and blanks goes entirely,
 * line breaks included; elsewhere only the statements' own bytes go, and comments or other statements stay.
 */
function removals(bytes: string, spans: readonly ByteSpan[]): Replacement[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start)
  const groups: {lines: ByteSpan; spans: ByteSpan[]}[] = []
  for (const span of sorted) {
    const lines = {start: lineStartBefore(bytes, span.start), end: lineEndAfter(bytes, span.end)}
    const last = groups.at(-1)
    if (last && lines.start < last.lines.end) {
      last.lines.end = Math.max(last.lines.end, lines.end)
      last.spans.push(span)
    } else {
      groups.push({lines, spans: [span]})
    }
  }
  return groups.flatMap((group) => {
    let remainder = ''
    let cursor = group.lines.start
    for (const span of group.spans) {
      remainder += bytes.slice(cursor, span.start)
      cursor = span.end
    }
    remainder += bytes.slice(cursor, group.lines.end)
    if (isOnlyBlanks(remainder)) return [{...group.lines, text: ''}]
    return group.spans.map((span) => ({...span, text: ''}))
  })
}

function applyReplacements(bytes: string, replacements: readonly Replacement[]): string {
  let result = ''
  let cursor = 0
  for (const replacement of [...replacements].sort((a, b) => a.start - b.start)) {
    result += bytes.slice(cursor, replacement.start) + replacement.text
    cursor = replacement.end
  }
  return result + bytes.slice(cursor)
}

function assertEditApplied(edited: Buffer, kind: PrefsFileKind, changes: PrefChanges): void {
  const reparsed = parsePrefs(edited, {kind})
  for (const [name, value] of Object.entries(changes)) {
    const userValues = reparsed.entries.filter((entry) => entry.kind === 'user_pref' && entry.name === name)
    const applied = value === null ? userValues.length === 0 : userValues.length > 0 && userValues.every((entry) => sameValue(entry, value))
    if (!applied) throw new Error(`Bug: editing prefs did not ${value === null ? 'remove' : 'set'} ${name}`)
  }
}

/**
 * Sets (a value) or clears (null) user prefs, changing nothing else. Every existing `user_pref` of a name gets the
 * new value in place of its old literal (so whichever one libpref reads last agrees), or, for null, is removed.
 * Statements whose value is already right stay byte for byte. Names with no `user_pref` yet are appended in the
 * order given, in Gecko's own form and with the file's line break; `pref`/`sticky_pref` defaults are left alone.
 */
export function editPrefs(file: PrefsFile, changes: PrefChanges): Buffer {
  const bytes = file.source.toString('latin1')
  const replacements: Replacement[] = []
  const removed: ByteSpan[] = []
  const appended: string[] = []

  for (const [name, value] of Object.entries(changes)) {
    const existing = file.entries.filter((entry) => entry.kind === 'user_pref' && entry.name === name)
    if (value === null) {
      removed.push(...existing.map((entry) => entry.statement))
      continue
    }
    const literal = utf8Bytes(formatPrefValue(value))
    const statement = utf8Bytes(formatUserPref(name, value))
    if (existing.length === 0) appended.push(statement)
    for (const entry of existing) {
      if (!sameValue(entry, value)) replacements.push({...entry.valueSpan, text: literal})
    }
  }

  let edited = applyReplacements(bytes, [...replacements, ...removals(bytes, removed)])
  if (appended.length > 0) {
    const lineBreak = file.lineBreak ?? '\n'
    const needsBreak = edited !== '' && edited !== UTF8_BOM && !edited.endsWith('\n') && !edited.endsWith('\r')
    edited += (needsBreak ? lineBreak : '') + appended.map((statement) => statement + lineBreak).join('')
  }

  const result = Buffer.from(edited, 'latin1')
  assertEditApplied(result, file.kind, changes)
  return result
}
