import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {escapeKeyFileValue, keyFileBoolean, keyFileValue, KeyFileSyntaxError, parseKeyFile, setKeyFileValues} from '../../../src/clients/evolution/key-file.js'
import {FIXTURES} from '../../helpers/fixtures.js'

const SOURCES = join(FIXTURES, 'evolution', 'sources')
const GLIB_KEYFILE = fileURLToPath(new URL('../../helpers/evolution-glib-keyfile.py', import.meta.url))

type GlibParse = {error: string} | {groups: Array<[string, Array<[string, string, string | null]>]>}

/** What GLib itself makes of each text, and how it escapes each value (one python3 run for all). */
function askGlib(parse: string[], escape: string[] = []): {parse: GlibParse[]; escape: string[]} {
  const output = execFileSync('/usr/bin/python3', [GLIB_KEYFILE], {input: JSON.stringify({parse, escape}), encoding: 'utf8'})
  return JSON.parse(output) as {parse: GlibParse[]; escape: string[]}
}

/** Our reading in GLib's shape: each group once, each key once with the value that counts. */
function ourReading(text: string): GlibParse {
  try {
    const keyFile = parseKeyFile(text)
    return {
      groups: keyFile.groups.map((group) => {
        const keys = [...new Set(group.entries.map((entry) => entry.key))]
        return [group.name, keys.map((key) => {
          const last = group.entries.findLast((entry) => entry.key === key)!
          return [key, last.raw, last.value] as [string, string, string | null]
        })] as [string, Array<[string, string, string | null]>]
      }),
    }
  } catch (error) {
    expect(error).toBeInstanceOf(KeyFileSyntaxError)
    return {error: 'refused'}
  }
}

const sourceTexts = readdirSync(SOURCES).map((name) => readFileSync(join(SOURCES, name), 'utf8'))
const smimeByEds = readFileSync(join(FIXTURES, 'evolution', 'smime-set-by-eds.source'), 'utf8')

const EDGE_CASES = [
  '[G]\nK=v',
  '[G]\r\nK=v\r\nL=w\r\n',
  '# top comment\n\n[G]\n  # indented comment\n   \nK=v\n',
  '[G]\nK=1\n[H]\nX=2\n[G]\nK=2\nL=3\n',
  '[G]\nK = v  \n K\t=\t v\n',
  '[G]  \nK=v\n',
  '[G]\nK=a\\sb\\n\\t\\r\\\\c\n',
  '[G]\nK=\\s\\s lead\n',
  '[G]\nK=bad\\q\nL=end\\\nM=\\;\n',
  '[G]\nK=v\r',
  '[G]\nK=a\rb\n',
  '[G]\nK=v\r\r\n',
  '[G]\nName=plain\nName[de]=Deutsch\nName[de_DE.UTF-8@euro]=x\nName[]=empty\n',
  '[G]\nK K=v\nK= =v\n',
  '[G]\nK=x\f\n',
  '[G]\nK=é ü ☃\n',
  'K=before any group\n',
  '[G]\nno equals sign\n',
  '[G]\n=v\n',
  '[G]x\n',
  '[G\n',
  '[]\nK=v\n',
  '[a]b]\nK=v\n',
  '[G]\nK[de=v\n',
  '[G]\nK[de]x=v\n',
  '[G]\nK]=v\n',
  '\uFEFF[G]\nK=v\n',
  '',
  '\n\n',
]

describe('parseKeyFile reads as GLib reads', () => {
  it('every source EDS wrote, and the S/MIME group EDS wrote', () => {
    const texts = [...sourceTexts, smimeByEds]
    const glib = askGlib(texts)
    for (const [index, text] of texts.entries()) expect(ourReading(text)).toEqual(glib.parse[index])
    // What the fixtures hold, in so many words (the registry's own source has translations).
    expect(texts.some((text) => text.includes('DisplayName[de]='))).toBe(true)
    expect(keyFileValue(parseKeyFile(smimeByEds), 'Secure MIME (S/MIME)', 'SigningCertificate')).toBe(" Bob\\\\Builder's S/MIME #1")
  })

  it('the edge cases: line endings, comments, groups twice, whitespace, escapes, translations, and what GLib refuses', () => {
    const glib = askGlib(EDGE_CASES)
    for (const [index, text] of EDGE_CASES.entries()) {
      const expected = glib.parse[index]
      const ours = ourReading(text)
      if ('error' in expected) expect(ours, JSON.stringify(text)).toEqual({error: 'refused'})
      else expect(ours, JSON.stringify(text)).toEqual(expected)
    }
  })

  it('keeps every line, comment and ending, and names the line it refuses', () => {
    const text = '# c\r\n[G]\r\nK=v\r\n\r\nL=w'
    const keyFile = parseKeyFile(text)
    expect(keyFile.lines.map((line) => line.text + line.ending).join('')).toBe(text)
    expect(keyFile.lines.map((line) => line.kind)).toEqual(['comment', 'group', 'entry', 'comment', 'entry'])
    expect(() => parseKeyFile('[G]\nK=v\nbroken\n')).toThrow(/line 3/)
  })

  it('reads booleans as g_key_file_get_boolean does', () => {
    const keyFile = parseKeyFile('[G]\nA=true\nB=false\nC=1\nD=0\nE=yes\nF=true  \n')
    expect(['A', 'B', 'C', 'D', 'E', 'F', 'Z'].map((key) => keyFileBoolean(keyFile, 'G', key))).toEqual([true, false, true, false, undefined, true, undefined])
  })
})

describe('escapeKeyFileValue', () => {
  it('escapes exactly what g_key_file_set_string escapes', () => {
    const values = [' a b ', '\t\tx\ty', '\n lead', 'back\\slash', 'semi;colon', 'é ünï', 'x\r\ny', '  ', '\\s', '#hash', '[x]', 'a=b', '', 'Alice S/MIME', ' \\ ']
    const glib = askGlib([], values)
    expect(values.map((value) => escapeKeyFileValue(value))).toEqual(glib.escape)
  })
})

describe('setKeyFileValues', () => {
  const identity = sourceTexts.find((text) => text.includes('[Mail Identity]') && text.includes('Bob Builder'))!

  it('appends a missing group after a blank line, as EDS separates groups', () => {
    const edited = setKeyFileValues(identity, 'Secure MIME (S/MIME)', {SigningCertificate: 'Bob', SignByDefault: 'true'})
    expect(identity.endsWith('SignatureUid=none\n')).toBe(true)
    expect(edited).toBe(`${identity}\n[Secure MIME (S/MIME)]\nSigningCertificate=Bob\nSignByDefault=true\n`)
  })

  it('a file without a final newline still ends without one', () => {
    expect(setKeyFileValues('[A]\nB=1', 'S', {K: 'v'})).toBe('[A]\nB=1\n\n[S]\nK=v')
    expect(setKeyFileValues('[A]\nB=1', 'A', {C: 'v'})).toBe('[A]\nB=1\nC=v')
    expect(setKeyFileValues('[A]\nB=1', 'A', {B: '2'})).toBe('[A]\nB=2')
  })

  it('changes a key in place, keeps its spacing, deletes with null, appends missing keys after the group\'s last key', () => {
    const text = '# c\n[A]\nK = old\nGone=x\n\n[B]\nX=1\n'
    expect(setKeyFileValues(text, 'A', {K: ' new', Gone: null, Added: 'a\nb'})).toBe('# c\n[A]\nK = \\snew\nAdded=a\\nb\n\n[B]\nX=1\n')
    expect(setKeyFileValues(text, 'A', {Absent: null})).toBe(text)
  })

  it('changes only the named lines of the EDS-written S/MIME group, byte for byte elsewhere', () => {
    const edited = setKeyFileValues(smimeByEds, 'Secure MIME (S/MIME)', {SigningCertificate: 'Alice', EncryptionCertificate: 'Alice'})
    const before = smimeByEds.split('\n')
    const after = edited.split('\n')
    expect(after.length).toBe(before.length)
    const changed = before.map((line, index) => [line, after[index]]).filter(([was, is]) => was !== is)
    expect(changed).toEqual([
      ['EncryptionCertificate=Bob Builder', 'EncryptionCertificate=Alice'],
      ["SigningCertificate=\\sBob\\\\\\\\Builder's S/MIME #1", 'SigningCertificate=Alice'],
    ])
  })

  it('keeps CRLF, and gives new lines the file\'s ending', () => {
    expect(setKeyFileValues('[G]\r\nK=v\r\n', 'G', {K: 'w', L: 'x'})).toBe('[G]\r\nK=w\r\nL=x\r\n')
    expect(setKeyFileValues('[G]\r\nK=v\r\n', 'H', {L: 'x'})).toBe('[G]\r\nK=v\r\n\r\n[H]\r\nL=x\r\n')
  })

  it('a group given twice: changes the last line of a key (the one GLib reads) and drops the earlier ones; new keys go in the last section', () => {
    const text = '[G]\nK=1\nL=1\n[H]\nX=1\n[G]\nK=2\n\n'
    const edited = setKeyFileValues(text, 'G', {K: '3', L: '2', M: 'new'})
    expect(edited).toBe('[G]\nL=2\n[H]\nX=1\n[G]\nK=3\nM=new\n\n')
    expect(askGlib([edited]).parse[0]).toEqual(ourReading(edited))
    expect(keyFileValue(parseKeyFile(edited), 'G', 'K')).toBe('3')
  })

  it('handles an empty file, a group with no keys, and the deletion of a group\'s last line', () => {
    expect(setKeyFileValues('', 'G', {K: 'v'})).toBe('[G]\nK=v\n')
    expect(setKeyFileValues('[G]\n[H]\n', 'G', {K: 'v'})).toBe('[G]\nK=v\n[H]\n')
    expect(setKeyFileValues('[G]\nK=v', 'G', {K: null, L: 'w'})).toBe('[G]\nL=w\n')
  })

  it('refuses invalid names, and a text GLib cannot read', () => {
    expect(() => setKeyFileValues('[G]\n', 'G]', {K: 'v'})).toThrow(/group name/)
    expect(() => setKeyFileValues('[G]\n', 'G', {'K=': 'v'})).toThrow(/key name/)
    expect(() => setKeyFileValues('K=v\n', 'G', {K: 'v'})).toThrow(KeyFileSyntaxError)
  })

  it('what it writes, GLib reads back as the values given', () => {
    const values = {SigningCertificate: ' lead\\ing\ttab ', EncryptionCertificate: 'Token:Nick;name', SignByDefault: 'true'}
    const edited = setKeyFileValues(identity, 'Secure MIME (S/MIME)', values)
    const glib = askGlib([edited]).parse[0]
    expect('groups' in glib && glib.groups.find(([name]) => name === 'Secure MIME (S/MIME)')?.[1].map(([key, , value]) => [key, value])).toEqual(Object.entries(values))
  })
})
