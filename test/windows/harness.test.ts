/**
 * The Windows harness itself (test/helpers/windows.ts), for real: the built CLI under Windows Node
 * (under Wine here, natively in the Windows workflow), its stdout, stderr and exit codes through
 * files, users isolated from one another, and (under Wine) the run's template left as it was.
 */
import {readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest'

import {FIXTURES, manifest, REPO} from '../helpers/fixtures.js'
import {disposeWindowsUser, reg, runWindowsCli, runWindowsNode, windowsPath, windowsUser, type WindowsUser} from '../helpers/windows.js'
import {prefixFingerprint, runLayout} from '../helpers/wine-prefix.js'

const UNDER_WINE = process.platform !== 'win32'
const P12 = join(FIXTURES, 'p12', 'rsa-legacy.p12')
const PASSWORD = manifest['p12/rsa-legacy.p12'].password as string
const version = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {version: string}).version
const PROBE_KEY = 'HKCU\\Software\\mailcert-harness-probe'

describe('the Windows harness', {timeout: 120_000}, () => {
  let one: WindowsUser
  let two: WindowsUser
  let templateBefore: string | undefined
  /** Scripts and password files: a Linux folder that Wine sees as Z:\..., a temporary folder on Windows. */
  let scratch: string

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mailcert-harness-'))
    one = await windowsUser()
    two = await windowsUser()
    if (UNDER_WINE) templateBefore = await prefixFingerprint(runLayout(inject('windowsRun')).template)
  }, 200_000)

  afterAll(async () => {
    // On real Windows both users are the runner's: the probe key must go (a Wine copy goes whole).
    if (!UNDER_WINE) await reg(one, ['delete', PROBE_KEY, '/f'])
    await Promise.all([one, two].filter(Boolean).map((user) => disposeWindowsUser(user)))
    await rm(scratch, {recursive: true, force: true})
  })

  it('gives each user its own profile folders', () => {
    expect(one.appData.startsWith(one.profile)).toBe(true)
    expect(one.localAppData.startsWith(one.profile)).toBe(true)
    if (UNDER_WINE) {
      expect(one.prefix).not.toBe(two.prefix)
      expect(one.profile).not.toBe(two.profile)
    }
  })

  it('runs the built CLI: --version on stdout, exit 0', async () => {
    const run = await runWindowsCli(one, ['--version'])
    expect(run).toMatchObject({code: 0, timedOut: false})
    expect(run.stdout).toContain(`mailcert/${version}`)
    expect(run.stdout).toContain('win32-x64')
  })

  it('inspects a PKCS#12 file with its password on stdin: the JSON on stdout', async () => {
    const run = await runWindowsCli(one, ['inspect', windowsPath(P12), '--json', '--password-stdin'], {input: `${PASSWORD}\n`})
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {status: number; result: {emails: string[]; type: string}}
    expect(report.status).toBe(0)
    expect(report.result.emails).toEqual(['alice@example.com'])
    expect(report.result.type).toBe('mailbox')
  })

  // --password-file, right and wrong (exit 3), through the CLI under Wine: test/windows/outlook.test.ts.

  it('gives Windows Node none of the test process environment, and the env it is given', async () => {
    const script = join(scratch, 'env.cjs')
    await writeFile(script, "process.stdout.write(JSON.stringify({version: process.version, platform: process.platform, env: process.env}))\n")
    process.env.MAILCERT_HARNESS_SECRET = 'must not reach Windows'
    try {
      const run = await runWindowsNode(one, script, [], {env: {MAILCERT_HARNESS_GIVEN: 'given'}})
      expect(run.code, run.stderr).toBe(0)
      const seen = JSON.parse(run.stdout) as {version: string; platform: string; env: Record<string, string>}
      expect(seen.platform).toBe('win32')
      expect(seen.version).toBe(process.version)
      expect(seen.env.MAILCERT_HARNESS_GIVEN).toBe('given')
      expect(seen.env.NO_COLOR).toBe('1')
      expect(seen.env.MAILCERT_HARNESS_SECRET).toBeUndefined()
      expect(seen.env.NODE_OPTIONS).toBeUndefined()
      expect(seen.env.VITEST).toBeUndefined()
    } finally {
      delete process.env.MAILCERT_HARNESS_SECRET
    }
  })

  it('times a hanging script out', async () => {
    const script = join(scratch, 'hang.cjs')
    await writeFile(script, 'setInterval(() => {}, 1000)\n')
    const run = await runWindowsNode(one, script, [], {timeoutMs: 4000})
    expect(run).toMatchObject({code: null, timedOut: true})
  })

  it('keeps the users apart: a value written with reg add in one is absent in the other', async () => {
    const added = await reg(one, ['add', PROBE_KEY, '/v', 'Probe', '/t', 'REG_SZ', '/d', 'one', '/f'])
    expect(added.code, added.stderr).toBe(0)
    const inOne = await reg(one, ['query', PROBE_KEY, '/v', 'Probe'])
    expect(inOne.code).toBe(0)
    expect(inOne.stdout).toMatch(/Probe\s+REG_SZ\s+one/)
    // On real Windows the two users are the same runner's: only Wine can show the isolation.
    if (UNDER_WINE) {
      const inTwo = await reg(two, ['query', PROBE_KEY, '/v', 'Probe'])
      expect(inTwo.code).toBe(1)
      expect(inTwo.stdout).not.toContain('one')
    }
  })

  it(UNDER_WINE ? 'leaves the template as it was after all those runs in its copies' : 'uses the runner\'s own user on real Windows', async () => {
    if (!UNDER_WINE) {
      expect(one).toMatchObject({prefix: null, profile: process.env.USERPROFILE, appData: process.env.APPDATA})
      return
    }
    await disposeWindowsUser(one)
    await disposeWindowsUser(two)
    expect(await prefixFingerprint(runLayout(inject('windowsRun')).template)).toBe(templateBefore)
    one = await windowsUser()
    two = await windowsUser()
    const fresh = await reg(one, ['query', PROBE_KEY])
    expect(fresh.code).toBe(1)
  })
})
