/**
 * The exit code of a failure during apply is the failure's own, not "a bug": Thunderbird started
 * on the profile after the plan was made (and before prefs.js is written) is exit 6, the whole
 * profile undone; `--client` chooses the clients that are set up.
 */
import {spawn} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES} from '../helpers/fixtures.js'
import {nssToolWrappers} from '../helpers/nss-tool-wrappers.js'
import {json, runCli} from '../helpers/run-cli.js'
import {prefsOf, thunderbirdHome} from '../helpers/thunderbird-home.js'

const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
const ALICE = [{email: 'alice@example.com', name: 'Alice Example'}]

describe('exit codes of failures during apply', () => {
  it('Thunderbird started between the plan and the write: exit 6, the profile undone, nothing left configured', async () => {
    const home = await thunderbirdHome(ALICE)
    const before = prefsOf(home)
    const counter = nssToolWrappers(home.home).counter(home.home, 'paused')
    // Held right after the import, long after the plan was made and before prefs.js is written.
    const run = runCli(['install', p12, '--yes', '--trust-root', '--json'], {env: {HOME: home.home, MAILCERT_PASSWORD: 'test', ...counter.env({pauseOn: 'pk12util -i'})}, timeoutMs: 120_000})
    await counter.paused()
    // A "Thunderbird" starts on the profile: a live process of that name holds the profile's lock.
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-fake-tb-'))
    copyFileSync('/bin/sleep', join(dir, 'thunderbird'))
    const thunderbird = spawn(join(dir, 'thunderbird'), ['60'], {stdio: 'ignore'})
    try {
      rmSync(join(home.profileDir, 'lock'), {force: true})
      symlinkSync(`127.0.0.1:+${thunderbird.pid}`, join(home.profileDir, 'lock'))
      counter.resume()
      const result = await run
      expect(result.code, result.stderr).toBe(6)
      const target = json<{result: {targets: Array<{status: string; code: string; exitCode: number; rolledBack: boolean}>}}>(result).result.targets[0]
      expect(target).toMatchObject({status: 'failed', code: 'client-running', exitCode: 6, rolledBack: true})
      expect(prefsOf(home)).toBe(before)
    } finally {
      thunderbird.kill('SIGKILL')
    }
  }, 300_000)

  it('--client chooses the clients: with only Evolution asked for, the Thunderbird profile is left alone', async () => {
    const home = await thunderbirdHome(ALICE)
    const before = prefsOf(home)
    const result = await runCli(['install', p12, '--yes', '--trust-root', '--client', 'evolution', '--json'], {
      env: {HOME: home.home, XDG_CONFIG_HOME: join(home.home, '.config'), MAILCERT_PASSWORD: 'test'},
      timeoutMs: 120_000,
    })
    // Evolution has no account in this HOME: nothing to set up (exit 5), and Thunderbird's account was not touched.
    expect(result.code, result.stderr).toBe(5)
    expect(json<{error: {code: string}}>(result).error.code).toMatch(/^no-(mail-client|matching-account)$/)
    expect(prefsOf(home)).toBe(before)
    expect(readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')).not.toContain('signing_cert_dbkey')
  }, 120_000)
})
