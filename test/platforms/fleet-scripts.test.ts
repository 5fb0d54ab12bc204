/**
 * The scripts in platforms/intune and platforms/jamf that an admin uploads: every shell script
 * parses (bash -n and sh -n), and the macOS ones run here against a stand-in `mailcert` (and
 * `scutil`) on PATH that records its arguments: the password reaches mailcert only as a file, which
 * is gone after the run, and the detection scripts pass mailcert's verdict on in the shape each
 * engine reads. The PowerShell and cmd files cannot run here: they are not verified.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {REPO} from '../helpers/fixtures.js'

const PLATFORMS = join(REPO, 'platforms')
const SHELL_SCRIPTS = ['intune/macos/install.sh', 'intune/macos/detect.sh', 'jamf/policy-install.sh', 'jamf/extension-attribute.sh']
const PASSWORD = 'not-in-argv-ünïcödé'

interface Stand {
  bin: string
  argvLog: string
  deploy: string
}

/** A PATH folder with a `mailcert` that logs each argument on a line (and what the password file held then), and a `scutil` that names `alice`. */
function standIn(exitCode: number, stdout: string): Stand {
  const root = mkdtempSync(join(tmpdir(), 'mailcert-fleet-'))
  const bin = join(root, 'bin')
  mkdirSync(bin)
  const argvLog = join(root, 'argv.log')
  writeFileSync(
    join(bin, 'mailcert'),
    [
      '#!/bin/sh',
      `{ echo "--- mailcert"; for arg in "$@"; do printf '%s\\n' "$arg"; done; } >> '${argvLog}'`,
      'previous=',
      `for arg in "$@"; do if [ "$previous" = --password-file ]; then printf 'password file held: %s\\n' "$(cat "$arg")" >> '${argvLog}'; fi; previous=$arg; done`,
      `env | grep -q '${PASSWORD}' && echo 'PASSWORD IN ENVIRONMENT' >> '${argvLog}'`,
      stdout ? `printf '%s\\n' '${stdout}'` : ':',
      `exit ${exitCode}`,
      '',
    ].join('\n'),
    {mode: 0o755},
  )
  writeFileSync(join(bin, 'scutil'), '#!/bin/sh\ncat > /dev/null\nprintf "<dictionary> {\\n  Name : alice\\n}\\n"\n', {mode: 0o755})
  const deploy = join(root, 'deploy')
  return {bin, argvLog, deploy}
}

function deployFor(stand: Stand, user: string): string {
  const dir = join(stand.deploy, user)
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'identity.p12'), 'not really a p12')
  writeFileSync(join(dir, 'identity.password'), `${PASSWORD}\n`, {mode: 0o600})
  return dir
}

function run(script: string, stand: Stand, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync('sh', [join(PLATFORMS, script), ...args], {
    encoding: 'utf8',
    env: {PATH: `${stand.bin}:/usr/bin:/bin`, HOME: join(stand.deploy, '..'), MAILCERT_DEPLOY_DIR: stand.deploy, ...env},
  })
}

function calls(stand: Stand): string[][] {
  if (!existsSync(stand.argvLog)) return []
  return readFileSync(stand.argvLog, 'utf8').split('--- mailcert\n').filter(Boolean).map((call) => call.trimEnd().split('\n'))
}

describe('the fleet scripts', () => {
  it('every shell script under platforms/ is listed here and parses with bash -n and sh -n', () => {
    const found = ['intune/macos', 'jamf'].flatMap((dir) => readdirSync(join(PLATFORMS, dir)).filter((name) => name.endsWith('.sh')).map((name) => `${dir}/${name}`))
    expect(found.sort()).toEqual([...SHELL_SCRIPTS].sort())
    for (const script of SHELL_SCRIPTS) {
      for (const shell of ['bash', 'sh']) {
        const checked = spawnSync(shell, ['-n', join(PLATFORMS, script)], {encoding: 'utf8'})
        expect(checked.status, `${shell} -n ${script}: ${checked.stderr}`).toBe(0)
      }
    }
  })

  it('Jamf policy: installs as the user from $3 with --password-file and --user, the password never in argv or env, the file removed; exit code passed on', () => {
    const stand = standIn(0, '')
    const dir = deployFor(stand, 'bob')
    const result = run('jamf/policy-install.sh', stand, ['/', 'mac-1', 'bob', 'AB:CD'])
    expect(result.status, result.stderr).toBe(0)
    const [install, status] = calls(stand)
    expect(install).toEqual(['install', join(dir, 'identity.p12'), '--password-file', join(dir, 'identity.password'), '--user', 'bob', '--yes', `password file held: ${PASSWORD}`])
    expect(status).toEqual(['status', '--fingerprint', 'AB:CD', '--user', 'bob'])
    expect(readFileSync(stand.argvLog, 'utf8')).not.toContain('PASSWORD IN ENVIRONMENT')
    expect(existsSync(join(dir, 'identity.password'))).toBe(false)

    const failing = standIn(7, '')
    const failingDir = deployFor(failing, 'alice')
    // No $3: the console user (scutil) it is.
    const partial = run('jamf/policy-install.sh', failing)
    expect(partial.status).toBe(7)
    expect(calls(failing)).toHaveLength(1)
    expect(existsSync(join(failingDir, 'identity.password'))).toBe(false)
  })

  it('Jamf policy and Intune install: nothing delivered is exit 4 and no mailcert run', () => {
    const stand = standIn(0, '')
    expect(run('jamf/policy-install.sh', stand, ['/', 'mac-1', 'carol']).status).toBe(4)
    expect(run('intune/macos/install.sh', stand).status).toBe(4)
    expect(calls(stand)).toEqual([])
  })

  it('Jamf extension attribute: <result> with mailcert status\'s line, or "not installed"', () => {
    const installed = standIn(0, 'alice@example.com: installed, used by 1 account (Apple Mail)')
    const yes = run('jamf/extension-attribute.sh', installed)
    expect(yes).toMatchObject({status: 0, stdout: '<result>alice@example.com: installed, used by 1 account (Apple Mail)</result>\n'})
    expect(calls(installed)).toEqual([['status', '--user', 'alice']])
    const missing = standIn(8, '')
    expect(run('jamf/extension-attribute.sh', missing)).toMatchObject({status: 0, stdout: '<result>not installed</result>\n'})
  })

  it('Intune macOS install (as the signed-in user): --password-file, the file removed, the JSON report kept in ~/Library/Logs', () => {
    const stand = standIn(0, '{"status":0}')
    const user = userInfo().username
    const dir = deployFor(stand, user)
    const result = run('intune/macos/install.sh', stand)
    expect(result.status, result.stderr).toBe(0)
    expect(calls(stand)).toEqual([['install', join(dir, 'identity.p12'), '--password-file', join(dir, 'identity.password'), '--yes', '--json', `password file held: ${PASSWORD}`]])
    expect(existsSync(join(dir, 'identity.password'))).toBe(false)
    expect(readFileSync(join(stand.deploy, '..', 'Library', 'Logs', 'mailcert-install.json'), 'utf8')).toBe('{"status":0}\n')
  })

  it('Intune macOS detection: mailcert status\'s exit code and line passed on, the fingerprint through MAILCERT_FINGERPRINT', () => {
    const installed = standIn(0, 'alice@example.com: installed, used by 2 accounts (Apple Mail, Thunderbird "default")')
    expect(run('intune/macos/detect.sh', installed, [], {MAILCERT_FINGERPRINT: 'ab'.repeat(32)})).toMatchObject({status: 0, stdout: 'alice@example.com: installed, used by 2 accounts (Apple Mail, Thunderbird "default")\n'})
    expect(calls(installed)).toEqual([['status']])
    const missing = standIn(8, '')
    expect(run('intune/macos/detect.sh', missing)).toMatchObject({status: 8, stdout: 'not installed\n'})
  })
})
