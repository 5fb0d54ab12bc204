/**
 * A program that cannot be started is that program's failure (exit 9, a stable code), told
 * without the command line that execa would repeat.
 */
import {chmodSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ExitCode, ExternalError} from '../../src/errors.js'
import {startBackgroundProgram} from '../../src/system/background-program.js'

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the start to fail')
}

describe('starting a background program', () => {
  it.each([
    ['a program that does not exist', (dir: string) => join(dir, 'no-such-program'), 'ENOENT'],
    [
      'a file that may not be run',
      (dir: string) => {
        writeFileSync(join(dir, 'not-executable'), '#!/bin/sh\n')
        chmodSync(join(dir, 'not-executable'), 0o644)
        return join(dir, 'not-executable')
      },
      'EACCES',
    ],
  ])('fails on %s with an ExternalError naming the program and the reason, not the arguments', async (_what, make, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-background-'))
    const file = make(dir)
    const error = await failureOf(startBackgroundProgram(file, ['--an-argument-worth-keeping-out'], {}))
    expect(error).toBeInstanceOf(ExternalError)
    expect(error).toMatchObject({code: 'program-not-started', exitCode: ExitCode.external, tool: file, message: `${file} could not be started (${reason}).`})
    expect((error as Error).message).not.toContain('--an-argument-worth-keeping-out')
  })
})
