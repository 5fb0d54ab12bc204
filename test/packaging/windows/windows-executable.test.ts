/**
 * The Windows single executable (scripts/package.mjs) under Wine, in a Windows user of its own
 * without Node: it prints its version, inspects a certificate, and installs an identity into the
 * user's CurrentUser\My for new Outlook, which an independent probe (koffi directly, none of
 * mailcert's code) finds there. koffi's Windows module comes from inside the executable, unpacked
 * with the app into %LOCALAPPDATA%\mailcert\Cache. Wine calls are few: each costs seconds.
 */
import {copyFile, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {builtExecutables} from '../../helpers/executables.js'
import {FIXTURES, manifest} from '../../helpers/fixtures.js'
import {disposeWindowsUser, reg, runWindowsExe, runWindowsNode, windowsPath, windowsUser, type WindowsUser} from '../../helpers/windows.js'

const FIXTURE = 'p12/mailbox-rsa.p12'
const NEW_OUTLOOK_PACKAGES = 'HKCU\\Software\\Classes\\Local Settings\\Software\\Microsoft\\Windows\\CurrentVersion\\AppModel\\Repository\\Packages'
const PROBE = join(import.meta.dirname, '..', '..', 'stores', 'windows', 'store-probe.cjs')

describe('the Windows single executable', {timeout: 240_000}, () => {
  let exe: string
  let user: WindowsUser
  let scratch: string
  let p12: string
  let passwordFile: string

  beforeAll(async () => {
    ;[{win: exe}, user] = await Promise.all([builtExecutables(), windowsUser()])
    scratch = join(user.localAppData, 'mailcert-test')
    await mkdir(scratch, {recursive: true})
    p12 = join(scratch, 'alice.p12')
    await copyFile(join(FIXTURES, FIXTURE), p12)
    passwordFile = join(scratch, 'password.txt')
    await writeFile(passwordFile, manifest[FIXTURE]!.password!)
  }, 360_000)

  afterAll(async () => {
    if (scratch) await rm(scratch, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
  })

  it('prints its version and unpacks its app into %LOCALAPPDATA%\\mailcert\\Cache', async () => {
    const run = await runWindowsExe(user, exe, ['--version'], {timeoutMs: 120_000})
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout.trim()).toBe(`mailcert/0.1.0 win32-x64 node-v${process.versions.node}`)
    const cache = join(user.localAppData, 'mailcert', 'Cache')
    const [app, ...others] = await readdir(cache)
    expect(others).toEqual([])
    expect(app).toMatch(/^app-0\.1\.0-[0-9a-f]{16}$/)
    const koffi = join(cache, app!, 'node_modules', '@koromix', 'koffi-win32-x64', 'win32_x64', 'koffi.node')
    expect((await readFile(koffi)).subarray(0, 2).toString('latin1')).toBe('MZ')
  })

  let sha1: string
  it('inspects a certificate file', async () => {
    const run = await runWindowsExe(user, exe, ['inspect', windowsPath(p12), '--password-file', windowsPath(passwordFile), '--json'])
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {result: {emails: string[]; hasPrivateKey: boolean; fingerprints: {sha1: string}}}
    expect(report.result).toMatchObject({emails: ['alice@example.com'], hasPrivateKey: true})
    sha1 = report.result.fingerprints.sha1.replaceAll(':', '').toUpperCase()
    expect(sha1).toMatch(/^[0-9A-F]{40}$/)
  })

  it('installs the identity into CurrentUser\\My for new Outlook, through koffi from inside the executable', async () => {
    expect((await reg(user, ['add', `${NEW_OUTLOOK_PACKAGES}\\Microsoft.OutlookForWindows_1.2025.1105.0_x64__8wekyb3d8bbwe`, '/f'])).code).toBe(0)
    const run = await runWindowsExe(user, exe, ['install', windowsPath(p12), '--password-file', windowsPath(passwordFile), '--client', 'new-outlook', '--trust-root', '--yes', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {result: {targets: Array<{status: string; clients: string[]}>}}
    expect(report.result.targets.some((target) => target.clients.includes('new-outlook') && target.status === 'done'), run.stdout).toBe(true)
    const out = join(scratch, 'probe.json')
    const probe = await runWindowsNode(user, PROBE, [windowsPath(out)])
    expect(probe.code, probe.stderr).toBe(0)
    const stores = (JSON.parse(await readFile(out, 'utf8')) as {stores: Record<string, Array<{thumbprint: string}>>}).stores
    expect(stores.My!.map((certificate) => certificate.thumbprint)).toContain(sha1)
  })
})
