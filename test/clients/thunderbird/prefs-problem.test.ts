/**
 * Why a prefs.js cannot be read and what to do, from the errors that reading and parsing real bytes
 * give. (Discovery, in discovery.test.ts, runs the same on real profile folders.)
 */
import {mkdtempSync, readFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'

import {describe, expect, it} from 'vitest'

import {parsePrefs, PrefsSyntaxError} from '../../../src/clients/thunderbird/prefs-js.js'
import {contentFailure, prefsProblemText, readFailure, repairHints} from '../../../src/clients/thunderbird/prefs-problem.js'

const PREFS = readFileSync(new URL('../../fixtures/thunderbird/prefs-with-accounts.js', import.meta.url))

function syntaxErrorOf(bytes: Buffer): PrefsSyntaxError {
  try {
    parsePrefs(bytes)
  } catch (error) {
    if (error instanceof PrefsSyntaxError) return error
    throw error
  }
  throw new Error('parsed without an error')
}

async function readError(path: string): Promise<unknown> {
  return readFile(path).then(
    () => {
      throw new Error(`${path} could be read`)
    },
    (error: unknown) => error,
  )
}

describe('readFailure', () => {
  it('a folder named prefs.js (the error Node gives for reading one)', async () => {
    expect(readFailure(await readError(mkdtempSync(`${tmpdir()}/mailcert-prefs-folder-`)))).toEqual({damage: 'folder', why: 'it is a folder, not a file'})
  })

  it('permission denied (EACCES, EPERM as fs reports them)', () => {
    // The tests run as root, whom no file mode stops: the error is built as fs builds it.
    const denied = Object.assign(new Error("EACCES: permission denied, open '/home/a/prefs.js'"), {code: 'EACCES', errno: -13, syscall: 'open'})
    expect(readFailure(denied)).toEqual({damage: 'permission', why: 'your user may not read it (permission denied)'})
    expect(readFailure(Object.assign(new Error('EPERM'), {code: 'EPERM'})).damage).toBe('permission')
  })

  it('any other error keeps its own message', async () => {
    // prefs.js where a file stands in for the profile folder: ENOTDIR.
    const notFolder = await readError('/etc/hostname/prefs.js')
    expect((notFolder as NodeJS.ErrnoException).code).toBe('ENOTDIR')
    expect(readFailure(notFolder)).toEqual({damage: 'other', why: (notFolder as Error).message})
  })
})

describe('contentFailure', () => {
  it('a file cut short anywhere inside a statement is "cut short", wherever the parser stops', () => {
    const text = PREFS.toString('latin1')
    for (const cut of [text.indexOf('user_pref("mail.identity.id1.useremail"') + 12, text.indexOf('"alice@example.com"') + 4, text.indexOf('"alice@example.com");') + 20]) {
      const bytes = PREFS.subarray(0, cut)
      expect(contentFailure(bytes, syntaxErrorOf(bytes)).damage, text.slice(cut - 20, cut)).toBe('cut-short')
    }
  })

  it('damage in the middle of the file is not called cut short', () => {
    const text = PREFS.toString('latin1')
    const bytes = Buffer.from(text.replace('"alice@example.com");', '"alice@example.com"),'), 'latin1')
    expect(contentFailure(bytes, syntaxErrorOf(bytes))).toMatchObject({damage: 'syntax', why: expect.stringMatching(/^it is damaged at line 55, column \d+ \(/)})
  })

  it('an empty file', () => {
    expect(contentFailure(Buffer.alloc(0), null)).toMatchObject({damage: 'empty'})
  })
})

describe('repairHints', () => {
  const dir = '/home/alice/.thunderbird/ab12.default-release'
  const context = {dir, file: 'prefs.js' as const, platform: 'linux' as const, backup: null, hasInvalidPrefs: false}

  it('for permission denied: how to see and fix the owner, per platform', () => {
    const failure = {damage: 'permission' as const, why: 'x'}
    expect(repairHints(failure, context)).toEqual([
      `Give your user access to it again: ls -l "${dir}/prefs.js" shows its owner; chmod u+rw "${dir}/prefs.js" if it is yours. Then run mailcert again.`,
    ])
    expect(repairHints(failure, {...context, dir: 'C:\\Users\\alice\\AppData\\Roaming\\Thunderbird\\Profiles\\ab12', platform: 'win32'})[0]).toMatch(/Properties > Security/)
  })

  it('for a NUL byte: Thunderbird keeps only what is before it', () => {
    const bytes = Buffer.concat([PREFS.subarray(0, 2000), Buffer.alloc(4), PREFS.subarray(2000)])
    const failure = contentFailure(bytes, syntaxErrorOf(bytes))
    expect(failure.damage).toBe('nul-byte')
    expect(repairHints(failure, context)[1]).toBe(
      `Or start Thunderbird once: it keeps only the settings before line ${failure.line} and writes prefs.js again, so check that your accounts are still there, then run mailcert again.`,
    )
  })

  it('on Windows the backup is put back with copy', () => {
    const hints = repairHints({damage: 'syntax', why: 'x', line: 3}, {...context, dir: 'C:\\P', platform: 'win32', backup: 'C:\\P\\prefs.js.mailcert-20261101T100000Z.bak'})
    expect(hints[0]).toBe('Close Thunderbird, then put back the copy mailcert kept before its last change: copy "C:\\P\\prefs.js.mailcert-20261101T100000Z.bak" "C:\\P\\prefs.js"')
  })

  it('the sentence names the file, the folder and the reason', () => {
    expect(prefsProblemText(dir, 'prefs.js', {damage: 'folder', why: 'it is a folder, not a file'})).toBe(`prefs.js in ${dir} cannot be read: it is a folder, not a file`)
  })
})
