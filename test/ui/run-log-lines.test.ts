/** The lines of a run's log, and the logger that writes them to a file. */
import {mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import type {StepReport, TargetReport} from '../../src/install/apply.js'
import {endLine, startLine, stepLine, targetLine} from '../../src/ui/run-log-lines.js'
import {startRunLogger} from '../../src/ui/run-logger.js'

const context = {time: new Date('2026-12-02T10:00:01.500Z'), run: 'run-1'}
const place = {label: 'Thunderbird profile default', location: '/home/a/.thunderbird/x.default'}

const step: StepReport = {id: 'import', description: 'Import the identity into the profile', status: 'done', detail: 'imported'}
const failedTarget: TargetReport = {
  client: 'thunderbird',
  clients: ['thunderbird'],
  label: place.label,
  location: place.location,
  accounts: ['alice@example.com'],
  status: 'failed',
  changed: false,
  reason: 'The password is wrong.',
  code: 'wrong-password',
  exitCode: 3,
  hints: ['Check the password.'],
  rolledBack: true,
  steps: [step],
  warnings: ['a warning'],
}

describe('run log lines', () => {
  it('start: who and what ran, the flags by name only and in order', () => {
    expect(startLine(context, {command: 'install', version: '0.1.0', pid: 42, os: 'linux', flags: ['yes', 'password-file', 'json']})).toEqual({
      type: 'start',
      time: '2026-12-02T10:00:01.500Z',
      run: 'run-1',
      command: 'install',
      version: '0.1.0',
      pid: 42,
      os: 'linux',
      flags: ['json', 'password-file', 'yes'],
    })
  })

  it('step: the target, the step and its outcome; no keys for what the step did not report', () => {
    expect(stepLine(context, place, step)).toEqual({
      type: 'step',
      time: '2026-12-02T10:00:01.500Z',
      run: 'run-1',
      target: place.label,
      location: place.location,
      step: 'import',
      description: 'Import the identity into the profile',
      status: 'done',
      detail: 'imported',
    })
    const failed = stepLine(context, place, {id: 'prefs', description: 'Set the identity', status: 'failed', error: 'prefs.js is locked'})
    expect(failed).toMatchObject({status: 'failed', error: 'prefs.js is locked'})
    expect(Object.keys(failed)).not.toContain('detail')
  })

  it('target: status, changed, and for a failure its code, reason and exit code, without hints, accounts or steps', () => {
    expect(targetLine(context, failedTarget)).toEqual({
      type: 'target',
      time: '2026-12-02T10:00:01.500Z',
      run: 'run-1',
      target: place.label,
      location: place.location,
      clients: ['thunderbird'],
      status: 'failed',
      changed: false,
      rolledBack: true,
      code: 'wrong-password',
      reason: 'The password is wrong.',
      exitCode: 3,
    })
    expect(Object.keys(targetLine(context, {...failedTarget, status: 'done', changed: true, reason: undefined, code: undefined, exitCode: undefined}))).toEqual([
      'type',
      'time',
      'run',
      'target',
      'location',
      'clients',
      'status',
      'changed',
      'rolledBack',
    ])
  })

  it('end: the exit code, whether anything changed, how long it took, and the error of a failed run', () => {
    const startedAt = new Date('2026-12-02T10:00:00.250Z')
    expect(endLine(context, {exitCode: 0, changed: true, startedAt})).toEqual({type: 'end', time: '2026-12-02T10:00:01.500Z', run: 'run-1', exitCode: 0, changed: true, durationMs: 1250})
    expect(endLine(context, {exitCode: 3, changed: false, startedAt, error: {code: 'wrong-password', message: 'The password is wrong.'}})).toMatchObject({
      exitCode: 3,
      changed: false,
      error: {code: 'wrong-password', message: 'The password is wrong.'},
    })
  })
})

describe('startRunLogger', () => {
  it('writes start, steps, targets and end as JSON lines, the end changed when any target changed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mailcert-run-logger-')), 'logs', 'run.log')
    const times = [0, 100, 200, 300, 400].map((ms) => new Date(Date.UTC(2026, 11, 2, 10, 0, 0, ms)))
    const logger = startRunLogger({
      file,
      rotate: true,
      start: {command: 'install', version: '0.1.0', pid: 7, os: 'macos', flags: ['yes']},
      startedAt: times[0],
      onError: (message) => expect.fail(message),
      now: () => times.shift()!,
      runId: 'r',
    })!
    expect(logger.path).toBe(file)
    logger.step(place, step)
    logger.target({...failedTarget, status: 'done', changed: true})
    logger.target(failedTarget)
    logger.end({exitCode: 7})
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.map((line) => [line.type, line.run, line.time])).toEqual([
      ['start', 'r', '2026-12-02T10:00:00.000Z'],
      ['step', 'r', '2026-12-02T10:00:00.100Z'],
      ['target', 'r', '2026-12-02T10:00:00.200Z'],
      ['target', 'r', '2026-12-02T10:00:00.300Z'],
      ['end', 'r', '2026-12-02T10:00:00.400Z'],
    ])
    expect(lines.at(-1)).toMatchObject({exitCode: 7, changed: true, durationMs: 400})
  })

  it('is null, having said why, when its file cannot be opened', () => {
    const messages: string[] = []
    const notAFolder = join(mkdtempSync(join(tmpdir(), 'mailcert-run-logger-')), 'file')
    writeFileSync(notAFolder, '')
    const logger = startRunLogger({
      file: join(notAFolder, 'run.log'),
      rotate: false,
      start: {command: 'check', version: '0.1.0', pid: 7, os: 'linux', flags: []},
      startedAt: new Date(),
      onError: (message) => messages.push(message),
    })
    expect(logger).toBeNull()
    expect(messages).toEqual([expect.stringContaining('this run is not logged')])
  })
})
