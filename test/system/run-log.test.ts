/** The run-log file: appended whole lines, private modes, one rotation kept, and never an exception. */
import {mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {openRunLogFile} from '../../src/system/run-log.js'

const scratch = () => mkdtempSync(join(tmpdir(), 'mailcert-run-log-'))

function collect(): {errors: string[]; onError(message: string): void} {
  const errors: string[] = []
  return {errors, onError: (message) => errors.push(message)}
}

describe('openRunLogFile', () => {
  it('makes the folders 0700 and the file 0600, and appends one line per call after what is there', () => {
    const dir = join(scratch(), 'state', 'mailcert')
    const file = join(dir, 'mailcert.log')
    const sink = collect()
    const first = openRunLogFile(file, {rotateAt: 1024, onError: sink.onError})!
    expect(first.append('{"a":1}')).toBe(true)
    first.close()
    const second = openRunLogFile(file, {rotateAt: 1024, onError: sink.onError})!
    expect(second.append('{"b":2}')).toBe(true)
    second.close()
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":2}\n')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(dir, '..')).mode & 0o777).toBe(0o700)
    expect(sink.errors).toEqual([])
  })

  it('makes a wider default log private again', () => {
    const file = join(scratch(), 'mailcert.log')
    writeFileSync(file, '', {mode: 0o644})
    openRunLogFile(file, {rotateAt: 1024, onError: () => {}})!.close()
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('rotates a full log to FILE.1 when it is opened, replacing the older one, and keeps a log under the size as it is', () => {
    const dir = scratch()
    const file = join(dir, 'mailcert.log')
    writeFileSync(file, 'old\n')
    writeFileSync(`${file}.1`, 'oldest\n')
    openRunLogFile(file, {rotateAt: 100, onError: () => {}})!.close()
    expect(readFileSync(file, 'utf8')).toBe('old\n')

    writeFileSync(file, `${'x'.repeat(99)}\n`)
    const log = openRunLogFile(file, {rotateAt: 100, onError: () => {}})!
    log.append('new')
    log.close()
    expect(readFileSync(file, 'utf8')).toBe('new\n')
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(`${'x'.repeat(99)}\n`)
  })

  it('never rotates a file the user named', () => {
    const file = join(scratch(), 'fleet.log')
    writeFileSync(file, `${'x'.repeat(200)}\n`)
    const log = openRunLogFile(file, {onError: () => {}})!
    log.append('more')
    log.close()
    expect(readFileSync(file, 'utf8')).toBe(`${'x'.repeat(200)}\nmore\n`)
  })

  it('says why a log cannot be opened, once, and returns null instead of throwing', () => {
    const dir = scratch()
    // A file where the folder should be.
    writeFileSync(join(dir, 'state'), '')
    const sink = collect()
    expect(openRunLogFile(join(dir, 'state', 'mailcert', 'mailcert.log'), {rotateAt: 100, onError: sink.onError})).toBeNull()
    expect(sink.errors).toEqual([expect.stringMatching(/^The log .*mailcert\.log cannot be written \(.*ENOTDIR.*\); this run is not logged\.$/)])

    mkdirSync(join(dir, 'a-folder'))
    expect(openRunLogFile(join(dir, 'a-folder'), {onError: sink.onError})).toBeNull()
    expect(sink.errors[1]).toMatch(/EISDIR/)
  })

  it('after a failed write says so once and writes nothing more', () => {
    const sink = collect()
    // /dev/full takes the open and fails every write (ENOSPC), as a full disk does.
    const log = openRunLogFile('/dev/full', {onError: sink.onError})!
    expect(log.append('one')).toBe(false)
    expect(log.append('two')).toBe(false)
    log.close()
    expect(sink.errors).toEqual([expect.stringMatching(/^The log \/dev\/full cannot be written \(.*ENOSPC.*\); the rest of this run is not logged\.$/)])
  })
})
