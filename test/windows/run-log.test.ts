/**
 * The run log under Windows Node (Wine here, natively in the Windows workflow): the default log of a
 * run without a terminal in %LOCALAPPDATA%\mailcert\Logs, and --log with a Windows path.
 */
import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RunLogLine} from '../../src/ui/run-log-lines.js'
import {FIXTURES, manifest} from '../helpers/fixtures.js'
import {disposeWindowsUser, runWindowsCli, windowsPath, windowsUser, type WindowsUser} from '../helpers/windows.js'

const P12 = join(FIXTURES, 'p12', 'rsa-legacy.p12')
const PASSWORD = manifest['p12/rsa-legacy.p12'].password as string

const linesOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RunLogLine)

describe('the run log on Windows', {timeout: 120_000}, () => {
  let user: WindowsUser
  let scratch: string
  let logFolder: string
  /** On real Windows the folder is the runner's: removed after only if this test made it. */
  let hadLogFolder: boolean

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mailcert-win-run-log-'))
    user = await windowsUser()
    logFolder = join(user.localAppData, 'mailcert')
    hadLogFolder = existsSync(logFolder)
  }, 200_000)

  afterAll(async () => {
    if (user && !hadLogFolder) await rm(logFolder, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
    await rm(scratch, {recursive: true, force: true})
  })

  it('without a terminal, logs to %LOCALAPPDATA%\\mailcert\\Logs\\mailcert.log', async () => {
    const run = await runWindowsCli(user, ['inspect', windowsPath(P12), '--json'], {env: {MAILCERT_PASSWORD: PASSWORD, MAILCERT_NO_LOG: ''}})
    expect(run.code, run.stderr).toBe(0)
    const lines = linesOf(join(logFolder, 'Logs', 'mailcert.log'))
    const [start, end] = lines.slice(-2)
    expect(start).toMatchObject({type: 'start', command: 'inspect', os: 'windows', flags: ['json']})
    expect(end).toMatchObject({type: 'end', run: start.run, exitCode: 0, changed: false})
  })

  it('--log FILE takes a Windows path; a wrong password ends with exit 3 there, and the password is not in it', async () => {
    const wrong = join(scratch, 'wrong.txt')
    await writeFile(wrong, 'Otter-Lamp-4411-Wrong\n')
    const log = join(scratch, 'logs', 'run.log')
    const run = await runWindowsCli(user, ['inspect', windowsPath(P12), '--password-file', windowsPath(wrong), '--log', windowsPath(log)])
    expect(run.code).toBe(3)
    expect(readFileSync(log, 'utf8')).not.toContain('Otter-Lamp')
    expect(linesOf(log)).toEqual([
      expect.objectContaining({type: 'start', os: 'windows', flags: ['log', 'password-file']}),
      expect.objectContaining({type: 'end', exitCode: 3, error: expect.objectContaining({code: 'wrong-password'})}),
    ])
  })
})
