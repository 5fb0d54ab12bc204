/**
 * The log of a run, end to end: the built CLI (bin/run.js) installing into a real Thunderbird
 * profile (NSS tools) with --log, then the default log that every run without a terminal writes
 * (these tests have none) in the sandbox HOME. Every line is parsed; no password may be in any.
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {encodePfx} from '../../src/identity/pkcs12/encode.js'
import type {EndLine, RunLogLine, StartLine, StepLine, TargetLine} from '../../src/ui/run-log-lines.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {runCli, sandboxHome} from '../helpers/run-cli.js'
import {thunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]
/** A password that nothing else in a log could contain by chance. */
const PASSWORD = 'Quokka-Lantern-8315-Zephyr'
const WRONG = 'Marmot-Harbour-2718-Vesper'

/** mailbox-rsa.p12 again, under PASSWORD. */
async function certificateFile(dir: string): Promise<string> {
  const input = decodeInput(readFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12')))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  const {identity} = await openPkcs12(input, 'test')
  const file = join(dir, 'alice.p12')
  const der = [identity.certificate, ...identity.chain].map((c) => c.der)
  writeFileSync(file, encodePfx({privateKey: identity.privateKey!, certificates: der, friendlyName: 'Alice'}, PASSWORD, {profile: 'modern'}))
  return file
}

function secretFile(dir: string, name: string, text: string): string {
  const file = join(dir, name)
  writeFileSync(file, `${text}\n`, {mode: 0o600})
  return file
}

function linesOf(file: string): RunLogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RunLogLine)
}

/** The lines of each run, in the order the runs started. */
function runsOf(file: string): RunLogLine[][] {
  const runs = new Map<string, RunLogLine[]>()
  for (const line of linesOf(file)) runs.set(line.run, [...(runs.get(line.run) ?? []), line])
  return [...runs.values()]
}

const ofType = <T extends RunLogLine>(lines: RunLogLine[], type: T['type']) => lines.filter((line): line is T => line.type === type)

describe('mailcert install --log FILE', () => {
  it('logs each step and target and the end (exit 0, changed); a re-run changed nothing; a wrong password ends with exit 3; never a password', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const secrets = mkdtempSync(join(tmpdir(), 'mailcert-run-log-secrets-'))
    const p12 = await certificateFile(secrets)
    const log = join(home.home, 'logs', 'fleet.log')
    const install = (passwordFile: string) =>
      runCli(['install', p12, '--yes', '--trust-root', '--password-file', passwordFile, '--log', log, '--json'], {env: {HOME: home.home}, timeoutMs: 120_000})

    const first = await install(secretFile(secrets, 'right', PASSWORD))
    expect(first.code, first.stderr).toBe(0)
    const again = await install(secretFile(secrets, 'right', PASSWORD))
    expect(again.code, again.stderr).toBe(0)
    const wrong = await install(secretFile(secrets, 'wrong', WRONG))
    expect(wrong.code).toBe(3)

    const text = readFileSync(log, 'utf8')
    expect(text).not.toContain(PASSWORD)
    expect(text).not.toContain(WRONG)
    expect(statSync(log).mode & 0o777).toBe(0o600)
    const runs = runsOf(log)
    expect(runs).toHaveLength(3)
    for (const run of runs) {
      expect(run[0].type).toBe('start')
      expect(run.at(-1)!.type).toBe('end')
    }

    const [installed, rerun, refused] = runs
    const [start] = ofType<StartLine>(installed, 'start')
    expect(start).toMatchObject({command: 'install', version: expect.stringMatching(/^\d+\.\d+\.\d+/), pid: expect.any(Number), os: 'linux'})
    // Flags by name; their values (file paths here) are not in the start line.
    expect(start.flags).toEqual(['json', 'log', 'password-file', 'trust-root', 'yes'])
    expect(JSON.stringify(start)).not.toContain(secrets)

    const steps = ofType<StepLine>(installed, 'step')
    expect(steps.length).toBeGreaterThan(1)
    for (const step of steps) {
      expect(step).toMatchObject({target: expect.any(String), location: home.profileDir, step: expect.any(String), description: expect.any(String)})
      expect(['done', 'unchanged']).toContain(step.status)
    }
    expect(steps.some((step) => step.status === 'done')).toBe(true)
    expect(ofType<TargetLine>(installed, 'target')).toEqual([expect.objectContaining({location: home.profileDir, clients: ['thunderbird'], status: 'done', changed: true, rolledBack: false})])
    expect(ofType<EndLine>(installed, 'end')[0]).toMatchObject({exitCode: 0, changed: true, durationMs: expect.any(Number)})
    expect(ofType<EndLine>(installed, 'end')[0]).not.toHaveProperty('error')

    // The re-run plans fewer steps (the root is trusted already), none of which changes anything.
    const rerunSteps = ofType<StepLine>(rerun, 'step')
    expect(rerunSteps.length).toBeGreaterThan(0)
    expect(rerunSteps.map((step) => step.status)).toEqual(rerunSteps.map(() => 'unchanged'))
    expect(ofType<TargetLine>(rerun, 'target')).toEqual([expect.objectContaining({status: 'unchanged', changed: false})])
    expect(ofType<EndLine>(rerun, 'end')[0]).toMatchObject({exitCode: 0, changed: false})

    // Refused before any plan: no steps, no targets, and the error as --json gives it.
    expect(refused.map((line) => line.type)).toEqual(['start', 'end'])
    expect(refused[1]).toMatchObject({exitCode: 3, changed: false, error: {code: 'wrong-password', message: expect.any(String)}})
    // Each run's lines carry its own id; the three ids differ.
    expect(new Set(runs.map((run) => run[0].run)).size).toBe(3)
  }, 300_000)
})

describe('the default log of a run without a terminal', () => {
  const inspect = (env: Record<string, string | undefined>, extra: string[] = []) =>
    runCli(['inspect', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), ...extra], {env: {MAILCERT_PASSWORD: 'test', ...env}})

  it('goes to ~/.local/state/mailcert/mailcert.log in folders only its user can open, one start and end per run', async () => {
    const home = sandboxHome()
    expect((await inspect({HOME: home})).code).toBe(0)
    expect((await inspect({HOME: home}, ['--json'])).code).toBe(0)
    const file = join(home, '.local', 'state', 'mailcert', 'mailcert.log')
    const runs = runsOf(file)
    expect(runs.map((run) => run.map((line) => line.type))).toEqual([
      ['start', 'end'],
      ['start', 'end'],
    ])
    expect(runs[0][0]).toMatchObject({command: 'inspect', flags: []})
    expect(runs[1][0]).toMatchObject({command: 'inspect', flags: ['json']})
    expect(runs.map((run) => run[1])).toEqual([expect.objectContaining({exitCode: 0, changed: false}), expect.objectContaining({exitCode: 0, changed: false})])
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(join(home, '.local', 'state', 'mailcert')).mode & 0o777).toBe(0o700)
    expect(statSync(join(home, '.local', 'state')).mode & 0o777).toBe(0o700)
  })

  it('follows XDG_STATE_HOME, goes to ~/Library/Logs on macOS, and is not written with --no-log or MAILCERT_NO_LOG=1', async () => {
    const home = sandboxHome()
    const state = join(home, 'state')
    expect((await inspect({HOME: home, XDG_STATE_HOME: state})).code).toBe(0)
    expect(linesOf(join(state, 'mailcert', 'mailcert.log')).map((line) => line.type)).toEqual(['start', 'end'])

    expect((await inspect({HOME: home, MAILCERT_PLATFORM: 'darwin'})).code).toBe(0)
    expect(linesOf(join(home, 'Library', 'Logs', 'mailcert', 'mailcert.log'))[0]).toMatchObject({type: 'start', os: 'macos'})

    const quiet = sandboxHome()
    expect((await inspect({HOME: quiet}, ['--no-log'])).code).toBe(0)
    expect((await inspect({HOME: quiet, MAILCERT_NO_LOG: '1'})).code).toBe(0)
    expect((await inspect({HOME: quiet, MAILCERT_NO_LOG: '1', MAILCERT_LOG: join(quiet, 'named.log')})).code).toBe(0)
    expect(existsSync(join(quiet, '.local'))).toBe(false)
    expect(existsSync(join(quiet, 'named.log'))).toBe(false)
  })

  it('MAILCERT_LOG names the file; a usage error is logged too, with exit 2', async () => {
    const home = sandboxHome()
    const named = join(home, 'named.log')
    const result = await runCli(['check', '--no-such-flag'], {env: {HOME: home, MAILCERT_LOG: named}})
    expect(result.code).toBe(2)
    expect(linesOf(named)).toEqual([expect.objectContaining({type: 'start', command: 'check'}), expect.objectContaining({type: 'end', exitCode: 2, error: expect.objectContaining({code: 'usage'})})])
    expect(existsSync(join(home, '.local', 'state'))).toBe(false)
  })

  it('a log that cannot be written is a warning, and the run goes on with its own exit code', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, 'a-folder'))
    const result = await inspect({HOME: home}, ['--log', join(home, 'a-folder')])
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: The log .*a-folder cannot be written \(.*\); this run is not logged\./)
    const asJson = await inspect({HOME: home}, ['--log', join(home, 'a-folder'), '--json'])
    expect(asJson.code).toBe(0)
    expect((JSON.parse(asJson.stdout) as {warnings: string[]}).warnings).toEqual([expect.stringContaining('cannot be written')])
  })
})
