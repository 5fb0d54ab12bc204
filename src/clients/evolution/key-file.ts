/**
 * GLib key files (GKeyFile: Evolution's `.source` files), read as GLib reads them and edited so
 * that every line mailcert does not mean to change stays byte for byte, line endings included.
 * The rules below were checked against GLib 2.74 (gi GLib.KeyFile, Debian 12) and are pinned by
 * test/clients/evolution/key-file.test.ts:
 * - lines end at `\n`; a `\r` just before it is dropped (CRLF); a file may lack the final newline;
 * - leading spaces and tabs of a line are ignored; a line that is then empty or starts with `#` is a comment;
 * - `[Name]` (trailing spaces or tabs allowed) starts a group; a name holds no `[`, `]` or control character;
 *   a group named twice is one group (its keys merge), and of a key given twice the last one counts;
 * - `Key=value`: whitespace around the key and before the value is ignored, after the value it is kept;
 *   `Key[locale]` is a translation, a key of its own; a key before any group is an error;
 * - a value is unescaped `\s` space, `\n`, `\t`, `\r`, `\\`; any other escape, or a `\` at the end,
 *   makes the value unreadable as a string (g_key_file_get_string fails), not the file.
 */

export class KeyFileSyntaxError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`)
    this.name = 'KeyFileSyntaxError'
  }
}

export interface KeyFileEntry {
  /** The key as written, with its locale: `DisplayName[de]`. */
  key: string
  /** The key without the locale: `DisplayName`. */
  name: string
  locale: string | null
  /** The value as written (escaped). */
  raw: string
  /** The value as g_key_file_get_string returns it; null when GLib refuses to unescape it. */
  value: string | null
  /** Index into KeyFile.lines. */
  line: number
}

export interface KeyFileGroup {
  name: string
  /** All entries of every `[name]` section, in file order; the last of a key is the one that counts. */
  entries: KeyFileEntry[]
}

export type KeyFileLineKind = 'comment' | 'group' | 'entry'

export interface KeyFileLine {
  /** The line without its ending. */
  text: string
  /** `\n`, `\r\n`, or '' for a last line without a newline. */
  ending: '' | '\n' | '\r\n'
  kind: KeyFileLineKind
  /** The group this line belongs to (null before the first group). */
  group: string | null
}

export interface KeyFile {
  lines: KeyFileLine[]
  /** In the order of their first appearance. */
  groups: KeyFileGroup[]
}

// g_ascii_isspace: what GLib skips around a key and before a value.
const ASCII_SPACE = /[ \t\n\v\f\r]/

function splitLines(text: string): Array<{text: string; ending: '' | '\n' | '\r\n'}> {
  const pieces = text.split('\n')
  const lines = pieces.map((piece, index) => {
    if (index === pieces.length - 1) return {text: piece, ending: '' as const}
    return piece.endsWith('\r') ? {text: piece.slice(0, -1), ending: '\r\n' as const} : {text: piece, ending: '\n' as const}
  })
  // A final newline does not start another line.
  if (lines.at(-1)?.text === '') lines.pop()
  return lines
}

function hasControlCharacter(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001F\u007F]/.test(text)
}

/** The group name of a `[...]` line, null when the line is not a group line. */
function groupNameOf(line: string): string | null {
  if (!line.startsWith('[')) return null
  const match = /^\[(.*)\][ \t]*$/.exec(line)
  if (!match) return null
  return match[1]
}

export function isValidGroupName(name: string): boolean {
  return name.length > 0 && !name.includes('[') && !name.includes(']') && !hasControlCharacter(name)
}

/** GLib's g_key_file_is_key_name: `Name` or `Name[locale]`, no `=`, no leading or trailing space. */
export function parseKeyName(key: string): {name: string; locale: string | null} | null {
  const match = /^([^=[\]]+)(?:\[([\p{L}\p{N}\-_.@]*)\])?$/u.exec(key)
  if (!match) return null
  const name = match[1]
  if (name.startsWith(' ') || name.endsWith(' ')) return null
  return {name, locale: match[2] ?? null}
}

/** g_key_file_parse_value_as_string; null where GLib fails. */
export function unescapeKeyFileValue(raw: string): string | null {
  let result = ''
  for (let index = 0; index < raw.length; index++) {
    const character = raw[index]
    if (character !== '\\') {
      result += character
      continue
    }
    index++
    switch (raw[index]) {
      case 's':
        result += ' '
        break
      case 'n':
        result += '\n'
        break
      case 't':
        result += '\t'
        break
      case 'r':
        result += '\r'
        break
      case '\\':
        result += '\\'
        break
      default:
        // An unknown escape or a backslash at the end of the line.
        return null
    }
  }
  return result
}

/**
 * g_key_file_set_string's escaping (g_key_file_parse_string_as_value without list separators):
 * `\n`, `\r` and `\\` always; spaces and tabs only while no other character has come yet, so that a
 * leading space survives GLib's trimming; nothing else (`;`, `#`, `=`, `[` stay as they are).
 */
export function escapeKeyFileValue(value: string): string {
  let result = ''
  let leading = true
  for (const character of value) {
    switch (character) {
      case ' ':
        result += leading ? '\\s' : ' '
        break
      case '\t':
        result += leading ? '\\t' : '\t'
        break
      // GLib keeps counting as leading after an escaped newline or carriage return.
      case '\n':
        result += '\\n'
        break
      case '\r':
        result += '\\r'
        break
      case '\\':
        result += '\\\\'
        leading = false
        break
      default:
        result += character
        leading = false
    }
  }
  return result
}

export function parseKeyFile(text: string): KeyFile {
  const lines: KeyFileLine[] = []
  const groups = new Map<string, KeyFileGroup>()
  let current: KeyFileGroup | null = null
  for (const [index, {text: lineText, ending}] of splitLines(text).entries()) {
    const trimmed = lineText.replace(/^[ \t]+/, '')
    if (trimmed === '' || trimmed.startsWith('#')) {
      lines.push({text: lineText, ending, kind: 'comment', group: current?.name ?? null})
      continue
    }
    const groupName = groupNameOf(trimmed)
    if (groupName !== null) {
      if (!isValidGroupName(groupName)) throw new KeyFileSyntaxError(index + 1, `invalid group name “${groupName}”`)
      current = groups.get(groupName) ?? {name: groupName, entries: []}
      groups.set(groupName, current)
      lines.push({text: lineText, ending, kind: 'group', group: groupName})
      continue
    }
    const equals = trimmed.indexOf('=')
    if (equals <= 0) throw new KeyFileSyntaxError(index + 1, 'not a key-value pair, group, or comment')
    if (current === null) throw new KeyFileSyntaxError(index + 1, 'a key comes before the first group')
    const key = trimmed.slice(0, equals).replace(new RegExp(`${ASCII_SPACE.source}+$`), '')
    const parsedKey = parseKeyName(key)
    if (!parsedKey) throw new KeyFileSyntaxError(index + 1, `invalid key name “${key}”`)
    const raw = trimmed.slice(equals + 1).replace(new RegExp(`^${ASCII_SPACE.source}+`), '')
    current.entries.push({key, ...parsedKey, raw, value: unescapeKeyFileValue(raw), line: lines.length})
    lines.push({text: lineText, ending, kind: 'entry', group: current.name})
  }
  return {lines, groups: [...groups.values()]}
}

export function keyFileEntry(keyFile: KeyFile, group: string, key: string): KeyFileEntry | undefined {
  return keyFile.groups.find((candidate) => candidate.name === group)?.entries.findLast((entry) => entry.key === key)
}

/** The string value of a key, as GLib reads it; undefined when the key is absent or its value unreadable. */
export function keyFileValue(keyFile: KeyFile, group: string, key: string): string | undefined {
  return keyFileEntry(keyFile, group, key)?.value ?? undefined
}

/** GLib's g_key_file_get_boolean: `true`/`false` (also `1`/`0`), trailing whitespace ignored; undefined otherwise. */
export function keyFileBoolean(keyFile: KeyFile, group: string, key: string): boolean | undefined {
  const raw = keyFileEntry(keyFile, group, key)?.raw.trimEnd()
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  return undefined
}

export function keyFileBooleanText(value: boolean): string {
  return value ? 'true' : 'false'
}

function lineEndingOf(lines: KeyFileLine[]): '\n' | '\r\n' {
  const first = lines.find((line) => line.ending !== '')
  return first?.ending === '\r\n' ? '\r\n' : '\n'
}

function serialize(lines: Array<{text: string; ending: string}>): string {
  return lines.map((line) => line.text + line.ending).join('')
}

/**
 * The text with `values` set in `group` (a string value is escaped as g_key_file_set_string does;
 * null removes the key). A key that is there keeps its place and its spacing around `=`; a key
 * given more than once keeps only its last line (the one GLib reads); a missing key goes after the
 * group's last key; a missing group goes at the end of the file, after a blank line. Every other
 * line is left as it was. The new lines take the file's line ending.
 */
export function setKeyFileValues(text: string, group: string, values: Record<string, string | null>): string {
  if (!isValidGroupName(group)) throw new Error(`invalid key file group name “${group}”`)
  for (const key of Object.keys(values)) {
    if (!parseKeyName(key)) throw new Error(`invalid key file key name “${key}”`)
  }
  const keyFile = parseKeyFile(text)
  const ending = lineEndingOf(keyFile.lines)
  const entries = keyFile.groups.find((candidate) => candidate.name === group)?.entries ?? []
  const replaced = new Map<number, string | null>()
  const missing: string[] = []
  for (const [key, value] of Object.entries(values)) {
    const occurrences = entries.filter((entry) => entry.key === key)
    if (occurrences.length === 0) {
      if (value !== null) missing.push(`${key}=${escapeKeyFileValue(value)}`)
      continue
    }
    for (const earlier of occurrences.slice(0, -1)) replaced.set(earlier.line, null)
    const last = occurrences.at(-1)!
    const lineText = keyFile.lines[last.line].text
    // Keep what comes before the value (indentation, the key, spaces around '=') as it was.
    const prefix = lineText.slice(0, lineText.length - last.raw.length)
    replaced.set(last.line, value === null ? null : prefix + escapeKeyFileValue(value))
  }

  const out: Array<{text: string; ending: string}> = []
  for (const [index, line] of keyFile.lines.entries()) {
    const replacement = replaced.get(index)
    if (replacement === null) continue
    out.push({text: replacement ?? line.text, ending: line.ending})
  }
  if (missing.length === 0) return serialize(out)

  const groupLines = keyFile.lines.map((line, index) => ({line, index})).filter(({line}) => line.group === group && line.kind !== 'comment')
  if (groupLines.length > 0) {
    // After the last key (or the header) of the group's last section, before its trailing comments and blank lines.
    const anchor = groupLines.at(-1)!.index
    const position = keyFile.lines.slice(0, anchor + 1).filter((_, index) => replaced.get(index) !== null).length
    return serialize(insertLines(out, position, missing, ending))
  }
  const tail = out.length === 0 ? [] : out.at(-1)!.text === '' ? [] : ['']
  return serialize(insertLines(out, out.length, [...tail, `[${group}]`, ...missing], ending))
}

/** Inserts whole lines at `position`; at the end of a file without a final newline, the file keeps not having one. */
function insertLines(lines: Array<{text: string; ending: string}>, position: number, added: string[], ending: string): Array<{text: string; ending: string}> {
  const result = lines.slice(0, position)
  const previous = result.at(-1)
  const atUnterminatedEnd = previous !== undefined && previous.ending === '' && position === lines.length
  if (atUnterminatedEnd) result[result.length - 1] = {...previous, ending}
  added.forEach((text, index) => {
    const last = index === added.length - 1
    result.push({text, ending: last && atUnterminatedEnd ? '' : ending})
  })
  return [...result, ...lines.slice(position)]
}
