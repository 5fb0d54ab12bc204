import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {
  editPrefs,
  escapePrefString,
  formatUserPref,
  getPref,
  getUserPref,
  parsePrefs,
  type PrefEntry,
  type PrefsFile,
  PrefsSyntaxError,
} from '../../../src/clients/thunderbird/prefs-js.js'

const FIXTURES = new URL('../../fixtures/thunderbird/', import.meta.url)
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES))

/** Builds a file from pieces: strings become UTF-8, number arrays are raw bytes (for invalid UTF-8). */
function bytes(...pieces: (string | number[])[]): Buffer {
  return Buffer.concat(pieces.map((piece) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece))))
}

function entry(file: PrefsFile, name: string): PrefEntry {
  const found = file.entries.find((candidate) => candidate.name === name)
  if (!found) throw new Error(`no entry ${name}`)
  return found
}

function sourceOf(file: PrefsFile, span: {start: number; end: number}): string {
  return file.source.subarray(span.start, span.end).toString('utf8')
}

function syntaxError(input: string | Buffer, kind: 'user' | 'default' = 'user'): PrefsSyntaxError {
  try {
    parsePrefs(input, {kind})
  } catch (error) {
    if (error instanceof PrefsSyntaxError) return error
    throw error
  }
  throw new Error(`parsed without error: ${JSON.stringify(input.toString())}`)
}

// Every kind of comment between every pair of tokens, every escape, both quotes, non-ASCII names and values,
// invalid UTF-8 in comments, CRLF, duplicates, defaults, a multi-line string, and no line break at the end.
const NASTY = bytes(
  [0xef, 0xbb, 0xbf],
  '// Mozilla User Preferences\r\n',
  '# hash comment with bytes that are not UTF-8: ',
  [0xff, 0xfe, 0x80],
  '\r\n',
  '/* block\r\n   comment ',
  [0xc3, 0x28],
  ' */ user_pref /*a*/ ( /*b*/ "mail.identity.id1.useremail" /*c*/ , /*d*/ "alice@example.com" /*e*/ ) /*f*/ ; // trailing\r\n',
  `user_pref('single.quoted', 'it\\'s "quoted"');\r\n`,
  'user_pref("escapes.all", "q\\" s\\\' b\\\\ n\\n r\\r x\\x41 u\\u00e9 pair\\ud83d\\ude00 latin1\\xe9");\r\n',
  'user_pref("non.ascii.é", "ü日本");\r\n',
  'user_pref("tricky.value", "\\");");\r\n',
  'user_pref("dup", 1);\r\n',
  'pref("default.value", 42);\r\n',
  'sticky_pref("sticky.value", true);\r\n',
  'user_pref("negative", -2147483648);  user_pref("positive", +7);\r\n',
  'user_pref("spaced.sign", - /* gap */ 5);\r\n',
  '\t\v\f user_pref("dup", 2); # hash after\r\n',
  'user_pref("multi.line",\r\n  "line one\r\nline two");\r\n',
  'user_pref("mail.identity.id1.sign_mail", false);   // keep me',
)

describe('parsePrefs on a nasty file', () => {
  const file = parsePrefs(NASTY)

  it('finds every statement with its kind, in order', () => {
    expect(file.entries.map((e) => [e.kind, e.name])).toEqual([
      ['user_pref', 'mail.identity.id1.useremail'],
      ['user_pref', 'single.quoted'],
      ['user_pref', 'escapes.all'],
      ['user_pref', 'non.ascii.é'],
      ['user_pref', 'tricky.value'],
      ['user_pref', 'dup'],
      ['pref', 'default.value'],
      ['sticky_pref', 'sticky.value'],
      ['user_pref', 'negative'],
      ['user_pref', 'positive'],
      ['user_pref', 'spaced.sign'],
      ['user_pref', 'dup'],
      ['user_pref', 'multi.line'],
      ['user_pref', 'mail.identity.id1.sign_mail'],
    ])
  })

  it('decodes values', () => {
    expect(getPref(file, 'mail.identity.id1.useremail')).toBe('alice@example.com')
    expect(getPref(file, 'single.quoted')).toBe('it\'s "quoted"')
    // \xe9 is one raw byte, as libpref copies it; on its own it is not UTF-8.
    expect(getPref(file, 'escapes.all')).toBe('q" s\' b\\ n\n r\r xA ué pair😀 latin1\uFFFD')
    expect(entry(file, 'escapes.all').stringBytes?.subarray(-2)).toEqual(Buffer.from([0x31, 0xe9]))
    expect(getPref(file, 'non.ascii.é')).toBe('ü日本')
    expect(getPref(file, 'tricky.value')).toBe('");')
    expect(getPref(file, 'negative')).toBe(-2147483648)
    expect(getPref(file, 'positive')).toBe(7)
    expect(getPref(file, 'spaced.sign')).toBe(-5)
    expect(getPref(file, 'multi.line')).toBe('line one\r\nline two')
    expect(getPref(file, 'mail.identity.id1.sign_mail')).toBe(false)
    expect(getPref(file, 'missing')).toBeUndefined()
  })

  it('lets the last statement win and keeps defaults apart from user values', () => {
    expect(getPref(file, 'dup')).toBe(2)
    expect(getPref(file, 'default.value')).toBe(42)
    expect(getUserPref(file, 'default.value')).toBeUndefined()
    expect(entry(file, 'sticky.value')).toMatchObject({kind: 'sticky_pref', sticky: true, locked: false, value: true})
  })

  it('records the spans of statements and values', () => {
    const email = entry(file, 'mail.identity.id1.useremail')
    expect(sourceOf(file, email.valueSpan)).toBe('"alice@example.com"')
    expect(sourceOf(file, email.statement)).toMatch(/^user_pref \/\*a\*\/ \(.*\) \/\*f\*\/ ;$/)
    expect(email.line).toBe(4)
    expect(sourceOf(file, entry(file, 'spaced.sign').valueSpan)).toBe('- /* gap */ 5')
    expect(entry(file, 'multi.line').line).toBe(15)
  })

  it('describes the file', () => {
    expect(file).toMatchObject({kind: 'user', lineBreak: '\r\n', endsWithLineBreak: false, hasByteOrderMark: true})
  })
})

describe('editPrefs on a nasty file', () => {
  const file = parsePrefs(NASTY)

  it('changes nothing at all when asked for nothing, or for values that are already there', () => {
    expect(editPrefs(file, {})).toEqual(NASTY)
    expect(editPrefs(file, {'single.quoted': 'it\'s "quoted"', 'no.such.pref': null, negative: -2147483648})).toEqual(NASTY)
  })

  it('replaces values in place, removes statements, appends new prefs, and leaves every other byte alone', () => {
    const edited = editPrefs(file, {
      'mail.identity.id1.useremail': 'bob@example.com',
      'single.quoted': 'it\'s "quoted"',
      dup: 3,
      'tricky.value': 'new "value"\n',
      'escapes.all': null,
      positive: null,
      'multi.line': null,
      'mail.identity.id1.sign_mail': true,
      'default.value': 43,
      'new.pref': 'Zoë',
      'new.int': -1,
    })
    expect(edited).toEqual(
      bytes(
        [0xef, 0xbb, 0xbf],
        '// Mozilla User Preferences\r\n',
        '# hash comment with bytes that are not UTF-8: ',
        [0xff, 0xfe, 0x80],
        '\r\n',
        '/* block\r\n   comment ',
        [0xc3, 0x28],
        ' */ user_pref /*a*/ ( /*b*/ "mail.identity.id1.useremail" /*c*/ , /*d*/ "bob@example.com" /*e*/ ) /*f*/ ; // trailing\r\n',
        `user_pref('single.quoted', 'it\\'s "quoted"');\r\n`,
        'user_pref("non.ascii.é", "ü日本");\r\n',
        'user_pref("tricky.value", "new \\"value\\"\\n");\r\n',
        'user_pref("dup", 3);\r\n',
        'pref("default.value", 42);\r\n',
        'sticky_pref("sticky.value", true);\r\n',
        'user_pref("negative", -2147483648);  \r\n',
        'user_pref("spaced.sign", - /* gap */ 5);\r\n',
        '\t\v\f user_pref("dup", 3); # hash after\r\n',
        'user_pref("mail.identity.id1.sign_mail", true);   // keep me\r\n',
        'user_pref("default.value", 43);\r\n',
        'user_pref("new.pref", "Zoë");\r\n',
        'user_pref("new.int", -1);\r\n',
      ),
    )
    const reread = parsePrefs(edited)
    expect(getPref(reread, 'default.value')).toBe(43)
    expect(getPref(reread, 'multi.line')).toBeUndefined()
    expect(getPref(reread, 'new.pref')).toBe('Zoë')
  })

  it('writes a single-quoted value again in Gecko form when it changes', () => {
    const edited = editPrefs(file, {'single.quoted': "it's"})
    expect(edited.toString('latin1')).toContain(`user_pref('single.quoted', "it's");\r\n`)
  })

  it('changes the type of a value', () => {
    const reread = parsePrefs(editPrefs(file, {dup: 'two', negative: false}))
    expect(getPref(reread, 'dup')).toBe('two')
    expect(getPref(reread, 'negative')).toBe(false)
  })
})

describe('editPrefs line handling', () => {
  const edit = (text: string, changes: Record<string, string | number | boolean | null>): string =>
    editPrefs(parsePrefs(text), changes).toString('utf8')

  it('appends with the line break the file uses, adding one first when the file lacks it', () => {
    expect(edit('user_pref("a", 1);\n', {b: 2})).toBe('user_pref("a", 1);\nuser_pref("b", 2);\n')
    expect(edit('user_pref("a", 1);', {b: 2})).toBe('user_pref("a", 1);\nuser_pref("b", 2);\n')
    expect(edit('user_pref("a", 1);\r\n', {b: 2})).toBe('user_pref("a", 1);\r\nuser_pref("b", 2);\r\n')
    expect(edit('user_pref("a", 1);\ruser_pref("c", 1);', {b: 2})).toBe('user_pref("a", 1);\ruser_pref("c", 1);\ruser_pref("b", 2);\r')
    expect(edit('user_pref("a", 1); // no line break', {b: 2})).toBe('user_pref("a", 1); // no line break\nuser_pref("b", 2);\n')
    expect(edit('', {b: 2})).toBe('user_pref("b", 2);\n')
    expect(edit('\uFEFF', {b: 2})).toBe('\uFEFFuser_pref("b", 2);\n')
  })

  it('follows the most common line break of a mixed file', () => {
    expect(edit('# a\r\n# b\n# c\r\n', {b: 2})).toBe('# a\r\n# b\n# c\r\nuser_pref("b", 2);\r\n')
  })

  it('removes whole lines only when they hold nothing else', () => {
    expect(edit('user_pref("a", 1);\nuser_pref("b", 2);\nuser_pref("c", 3);\n', {b: null})).toBe('user_pref("a", 1);\nuser_pref("c", 3);\n')
    expect(edit('  user_pref("b", 2);  \n# keep\n', {b: null})).toBe('# keep\n')
    expect(edit('user_pref("b", 2); // why\n', {b: null})).toBe(' // why\n')
    expect(edit('user_pref("a", 1); user_pref("b", 2);\n', {b: null})).toBe('user_pref("a", 1); \n')
    expect(edit('user_pref("a", 1); user_pref("b", 2);\nuser_pref("c", 3);', {a: null, b: null})).toBe('user_pref("c", 3);')
    expect(edit('user_pref("a", 1);\nuser_pref("b", 2);', {b: null})).toBe('user_pref("a", 1);\n')
    expect(edit('user_pref("b",\n"x\ny");\nuser_pref("a", 1);\n', {b: null})).toBe('user_pref("a", 1);\n')
    expect(edit('user_pref("b", 1);\nuser_pref("b", 2);\n', {b: null})).toBe('')
  })

  it('leaves defaults alone when clearing or setting the user value', () => {
    expect(edit('pref("b", 1);\nuser_pref("b", 2);\n', {b: null})).toBe('pref("b", 1);\n')
    expect(edit('pref("b", 1);\n', {b: 2})).toBe('pref("b", 1);\nuser_pref("b", 2);\n')
  })

  it('refuses values prefs.js cannot hold', () => {
    const file = parsePrefs('')
    expect(() => editPrefs(file, {a: 1.5})).toThrow(RangeError)
    expect(() => editPrefs(file, {a: 2147483648})).toThrow(RangeError)
    expect(() => editPrefs(file, {a: 'nul\0'})).toThrow(RangeError)
    expect(() => editPrefs(file, {a: 'lone \uD800'})).toThrow(RangeError)
    expect(() => editPrefs(file, {'lone \uDC00': 1})).toThrow(RangeError)
  })
})

describe('formatUserPref', () => {
  it("escapes as Gecko's StrEscape does: only backslash, double quote, LF and CR", () => {
    expect(formatUserPref('a.b', 'x\\y"z\nw\rv\'\t\u0001é😀')).toBe('user_pref("a.b", "x\\\\y\\"z\\nw\\rv\'\t\u0001é😀");')
    expect(formatUserPref('näme"', true)).toBe('user_pref("näme\\"", true);')
    expect(formatUserPref('n', -0)).toBe('user_pref("n", 0);')
    expect(formatUserPref('n', -2147483648)).toBe('user_pref("n", -2147483648);')
    expect(escapePrefString('')).toBe('""')
  })

  it('reproduces every line of a prefs.js written by Thunderbird', () => {
    for (const name of ['prefs.js', 'prefs-with-accounts.js']) {
      const file = parsePrefs(fixture(name))
      expect(file.entries.length).toBeGreaterThan(50)
      for (const prefEntry of file.entries) {
        expect(formatUserPref(prefEntry.name, prefEntry.value)).toBe(sourceOf(file, prefEntry.statement))
      }
    }
  })

  it('escapes what Thunderbird escaped when it saved values read from user.js', () => {
    const written = parsePrefs(fixture('prefs-escapes.js'))
    const source = parsePrefs(fixture('escapes-user.js'))
    for (const name of ['mailcert.test.esc', 'mailcert.test.nameé"q']) {
      expect(entry(written, name).stringBytes).toEqual(entry(source, name).stringBytes)
    }
    expect(formatUserPref('mailcert.test.nameé"q', 'v')).toBe(sourceOf(written, entry(written, 'mailcert.test.nameé"q').statement))

    // The value holds the bytes 80 FF, which are not UTF-8; as a string they read as two U+FFFD.
    const esc = entry(written, 'mailcert.test.esc')
    const line = written.source.subarray(esc.statement.start, esc.statement.end)
    const invalid = line.indexOf(Buffer.from([0x80, 0xff]))
    const asDecoded = Buffer.concat([line.subarray(0, invalid), Buffer.from('\uFFFD\uFFFD'), line.subarray(invalid + 2)])
    expect(Buffer.from(formatUserPref(esc.name, esc.value))).toEqual(asDecoded)
  })
})

describe('real prefs.js files', () => {
  it('reads the prefs.js of a new Thunderbird profile', () => {
    const file = parsePrefs(fixture('prefs.js'))
    expect(file).toMatchObject({lineBreak: '\n', endsWithLineBreak: true, hasByteOrderMark: false})
    expect(file.entries.every((e) => e.kind === 'user_pref')).toBe(true)
    expect(getPref(file, 'extensions.lastAppVersion')).toBe('153.8.0')
    expect(getPref(file, 'mail.ui-rdf.version')).toBe(61)
    expect(getPref(file, 'extensions.pendingOperations')).toBe(false)
    expect(JSON.parse(getPref(file, 'extensions.webextensions.uuids') as string)).toHaveProperty(['default-theme@mozilla.org'])
  })

  it('appends to a real file without touching a byte of it', () => {
    const original = fixture('prefs-with-accounts.js')
    const edited = editPrefs(parsePrefs(original), {
      'mail.identity.id2.signing_cert_name': 'Example Team',
      'mail.identity.id2.sign_mail': true,
    })
    expect(edited).toEqual(
      Buffer.concat([
        original,
        Buffer.from('user_pref("mail.identity.id2.signing_cert_name", "Example Team");\nuser_pref("mail.identity.id2.sign_mail", true);\n'),
      ]),
    )
  })

  it('edits a file that is not valid UTF-8 and keeps its other bytes', () => {
    const original = fixture('prefs-escapes.js')
    const file = parsePrefs(original)
    const target = entry(file, 'mail.ui-rdf.version')
    const edited = editPrefs(file, {'mail.ui-rdf.version': 62})
    expect(edited.subarray(0, target.valueSpan.start)).toEqual(original.subarray(0, target.valueSpan.start))
    expect(edited.subarray(target.valueSpan.start + 2)).toEqual(original.subarray(target.valueSpan.end))
    expect(edited.subarray(target.valueSpan.start, target.valueSpan.start + 2).toString()).toBe('62')
  })
})

describe('grammar details', () => {
  const values = (text: string, kind: 'user' | 'default' = 'user') => parsePrefs(text, {kind}).entries.map((e) => e.value)

  it('reads integers at the edges of 32 bits, with signs as separate tokens', () => {
    expect(values('user_pref("a", 2147483647); user_pref("b", +2147483647); user_pref("c", -2147483648); user_pref("d", -0);')).toEqual([
      2147483647, 2147483647, -2147483648, 0,
    ])
    expect(Object.is(values('user_pref("d", -0);')[0], 0)).toBe(true)
    expect(values('user_pref("a",-\n#x\n7)\n;')).toEqual([-7])
  })

  it('reads escapes, surrogate pairs, raw line breaks and the other quote inside strings', () => {
    expect(values(String.raw`user_pref("a", "\x7e\u0041\uD83D\uDE00\u00E9'"); user_pref('b', '"\'');`)).toEqual(['~A😀é\'', '"\''])
    expect(values('user_pref("a", "x\ry\r\nz\n");')).toEqual(['x\ry\r\nz\n'])
  })

  it('takes any blanks and no blanks at all', () => {
    expect(values('user_pref("a",1);user_pref("b",true);\t\v\f\r\n')).toEqual([1, true])
    expect(values('')).toEqual([])
    expect(values('   \n\t\r\n  ')).toEqual([])
    expect(values('// only a comment')).toEqual([])
    expect(values('#')).toEqual([])
    expect(values('/**/')).toEqual([])
  })

  it('reads attributes in default pref files', () => {
    const file = parsePrefs('pref("a", 1, locked); pref("b", 2, sticky, locked); pref("c", 3);\nuser_pref("a", 9);', {kind: 'default'})
    expect(file.entries.map((e) => [e.name, e.sticky, e.locked])).toEqual([
      ['a', false, true],
      ['b', true, true],
      ['c', false, false],
      ['a', false, false],
    ])
    expect(getPref(file, 'a')).toBe(1)
    expect(getUserPref(file, 'a')).toBe(9)
  })

  it('skips a UTF-8 byte order mark at the start only', () => {
    expect(values('\uFEFFuser_pref("a", 1);')).toEqual([1])
    expect(syntaxError('user_pref("a", 1);\uFEFF').reason).toBe('unexpected character')
  })
})

describe('syntax errors', () => {
  // [input, libpref's reason, line, column]; the inputs follow Gecko's modules/libpref/test/gtest/Parser.cpp.
  const cases: [string, string, number, number][] = [
    ['user_pref("a", 2147483648);', 'integer literal overflowed', 1, 16],
    ['user_pref("a", +2147483648);', 'integer literal overflowed', 1, 16],
    ['user_pref("a", -2147483649);', 'integer literal overflowed', 1, 16],
    ['user_pref("a", 4294967296);', 'integer literal overflowed', 1, 16],
    ['user_pref("a", 1234567890987654321);', 'integer literal overflowed', 1, 16],
    ['user_pref("a", 100foo);', 'unexpected character in integer literal', 1, 19],
    ['user_pref("a", "foo\\x00bar");', '\\x00 is not allowed', 1, 20],
    ['user_pref("a", "foo\\x");', 'malformed \\x escape sequence', 1, 20],
    ['user_pref("a", "foo\\x1");', 'malformed \\x escape sequence', 1, 20],
    ['user_pref("a", "foo\\x1G");', 'malformed \\x escape sequence', 1, 20],
    ['user_pref("a", "foo\\x 12");', 'malformed \\x escape sequence', 1, 20],
    ['user_pref("a", "foo\\x', 'malformed \\x escape sequence', 1, 20],
    ['user_pref("a", "foo\\u0000 bar");', '\\u0000 is not allowed', 1, 20],
    ['user_pref("a", "foo\\u123");', 'malformed \\u escape sequence', 1, 20],
    ['user_pref("a", "foo\\u1G34");', 'malformed \\u escape sequence', 1, 20],
    ['user_pref("a", "foo\\ud83c,blah");', 'expected low surrogate after high surrogate', 1, 20],
    ['user_pref("a", "foo\\ud83c\\u1234");', 'invalid low surrogate after high surrogate', 1, 26],
    ['user_pref("a", "foo\\ude00");', 'expected high surrogate before low surrogate', 1, 20],
    ['user_pref("a", "foo\\t");', "unexpected escape sequence character after '\\'", 1, 20],
    ['user_pref("a", "foo\\b");', "unexpected escape sequence character after '\\'", 1, 20],
    ['user_pref("a", "foo\\\nn");', "unexpected escape sequence character after '\\'", 1, 20],
    ['user_pref("a", "foo\n', 'unterminated string literal', 1, 16],
    ['user_pref("a", "foo\');', 'unterminated string literal', 1, 16],
    ['foo;', 'unknown keyword', 1, 1],
    ['preff("a", true);', 'unknown keyword', 1, 1],
    ['User_pref("a", true);', 'unknown keyword', 1, 1],
    ['lock_pref("a", true);', 'unknown keyword', 1, 1],
    ['user_pref("a", TRUE);', 'unknown keyword', 1, 16],
    ['\n/* comment\n', 'unterminated /* comment', 2, 1],
    ['/ comment;', "expected '/' or '*' after '/'", 1, 1],
    ['user_pref("a", true); /', "expected '/' or '*' after '/'", 1, 23],
    ['user_pref("a", &true);', 'unexpected character', 1, 16],
    ['user_pref("a" : true);', 'unexpected character', 1, 15],
    ['@user_pref("a", true);', 'unexpected character', 1, 1],
    ['"pref"("a", true);', 'expected pref specifier at start of pref definition', 1, 1],
    ['user_pref("a", true);;', 'expected pref specifier at start of pref definition', 1, 22],
    ['sticky;', 'expected pref specifier at start of pref definition', 1, 1],
    ['pref1("a", true);', "expected '(' after pref specifier", 1, 5],
    ['user_pref(123, true);', "expected pref name after '('", 1, 11],
    ['user_pref("a" true);', "expected ',' after pref name", 1, 15],
    ['user_pref("a", user_pref);', "expected pref value after ','", 1, 16],
    ['user_pref("a", -true);', "expected integer literal after '-'", 1, 17],
    ['user_pref("a", +"value");', "expected integer literal after '+'", 1, 17],
    ['user_pref("a", true;', "expected ')' after pref value", 1, 20],
    ['user_pref("a", true, locked);', "expected ')' after pref value", 1, 20],
    ['user_pref("a", true)', "expected ';' after ')'", 1, 21],
    ['user_pref("a", true)\nuser_pref("b", 1);', "expected ';' after ')'", 2, 1],
    ['user_pref', "expected '(' after pref specifier", 1, 10],
    ['user_pref("a",', "expected pref value after ','", 1, 15],
    ['\n \r \r\n bad', 'unknown keyword', 4, 2],
    ['#\n#\r#\r\n bad', 'unknown keyword', 4, 2],
    ['//\n//\r//\r\n bad', 'unknown keyword', 4, 2],
    ['/*\n \r \r\n*/ bad', 'unknown keyword', 4, 4],
    ['user_pref("foo\\n\n foo\\r\r foo\\r\\n\r\n foo", bad);', 'unknown keyword', 4, 8],
  ]

  it.each(cases)('%j: %s', (input, reason, line, column) => {
    expect(syntaxError(input)).toMatchObject({reason, line, column})
  })

  it('applies the rules of default pref files', () => {
    expect(syntaxError('pref("a", true,);', 'default')).toMatchObject({reason: "expected pref attribute after ','", column: 16})
    expect(syntaxError('pref("a", true;', 'default').reason).toBe("expected ',' or ')' after pref value")
    expect(syntaxError('pref("a", true, sticky;', 'default').reason).toBe("expected ',' or ')' after pref attribute")
    expect(syntaxError('pref("a", true, pref);', 'default').reason).toBe("expected pref attribute after ','")
  })

  it('refuses a NUL byte anywhere, since libpref would stop reading there', () => {
    expect(syntaxError(bytes('user_pref("a", 1);\n', [0], 'user_pref("b", 2);'))).toMatchObject({line: 2, column: 1})
    expect(syntaxError(bytes('// comment ', [0], '\n')).column).toBe(12)
  })

  it('says where the problem is', () => {
    const error = syntaxError('user_pref("a", 1);\nuser_pref("b" 2);')
    expect(error).toBeInstanceOf(Error)
    expect(error.name).toBe('PrefsSyntaxError')
    expect(error.offset).toBe(33)
    expect(error.message).toBe("prefs syntax error at line 2, column 15: expected ',' after pref name")
  })

  it('counts columns in bytes', () => {
    expect(syntaxError('user_pref("é", x);').column).toBe(17)
  })
})
