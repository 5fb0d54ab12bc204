/**
 * The macOS end-to-end tests against the real /usr/bin/security, for the macOS workflow
 * (.github/workflows/macos.yml, runners macos-14 and macos-15). They run only on a Mac: the Linux
 * suite leaves this folder out (test/vitest.config.ts) and runs the same flows against the strict
 * simulator instead (test/commands/apple-mail.test.ts). Never the login keychain: a temporary one,
 * put on the user's search list for the run (Apple Mail and identity preferences read that list).
 * The workflow trusts the test root in the admin trust domain first, as a public root would be.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeAccountsDatabase} from '../helpers/apple-mail-fixtures.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'

const dir = mkdtempSync(path.join(tmpdir(), 'mailcert-real-mac-'))
const home = path.join(dir, 'home')
const keychain = path.join(dir, 'mailcert-test.keychain-db')
const KEYCHAIN_PASSWORD = 'ci-Keychain-2026'
const security = (...args: string[]) => execFileSync('/usr/bin/security', args, {encoding: 'utf8'})
let searchList: string[] = []

beforeAll(() => {
  searchList = [...security('list-keychains', '-d', 'user').matchAll(/"(.*)"/g)].map((m) => m[1]!)
  security('create-keychain', '-p', KEYCHAIN_PASSWORD, keychain)
  security('set-keychain-settings', '-lut', '3600', keychain)
  security('unlock-keychain', '-p', KEYCHAIN_PASSWORD, keychain)
  security('list-keychains', '-d', 'user', '-s', keychain, ...searchList)
  writeAccountsDatabase(home, [{type: 'IMAP', username: 'alice@example.com', description: 'Work'}])
})

afterAll(() => {
  security('list-keychains', '-d', 'user', '-s', ...searchList)
  security('delete-keychain', keychain)
  rmSync(dir, {recursive: true, force: true})
})

const env = {HOME: home, MAILCERT_PASSWORD: 'test', MAILCERT_KEYCHAIN: keychain}
const p12 = path.join(FIXTURES, 'p12', 'mailbox-rsa.p12')

describe(`the real security on macOS`, () => {
  it('install (an OpenSSL 3 AES file, re-encoded), re-run unchanged, key access, check, remove with the identity', async () => {
    const installed = await runCli(['install', p12, '--yes', '--json'], {env, timeoutMs: 120_000})
    expect(installed.code, installed.stderr).toBe(0)
    const report = json<{result: {certificate: {fingerprintSha256: string}; targets: Array<{clients: string[]; status: string}>}}>(installed).result
    expect(report.targets).toMatchObject([{clients: ['apple-mail'], status: 'done'}])
    const listed = security('find-identity', '-v', '-p', 'smime', '-s', 'alice@example.com', keychain)
    const first = /^\s*1\)\s+([0-9A-F]{40})/m.exec(listed)?.[1]
    expect(security('find-certificate', '-a', '-Z', keychain)).toContain(`SHA-1 hash: ${first}`)
    expect(security('get-identity-preference', '-s', 'alice@example.com', '-Z')).toContain(first!)

    const again = await runCli(['install', p12, '--yes', '--json', '--grant-key-access'], {env: {...env, MAILCERT_KEYCHAIN_PASSWORD: KEYCHAIN_PASSWORD}, timeoutMs: 120_000})
    expect(again.code, again.stderr).toBe(0)

    const checked = await runCli(['check', '--json'], {env, timeoutMs: 120_000})
    const mail = json<{result: {clients: Array<{client: string; profiles: Array<{identities: Array<{email: string; configured: boolean}>}>}>}}>(checked).result.clients.find((c) => c.client === 'apple-mail')!
    expect(mail.profiles[0]!.identities).toMatchObject([{email: 'alice@example.com', configured: true}])

    const removed = await runCli(['remove', '--all', '--delete-identity', '--yes', '--json'], {env, timeoutMs: 120_000})
    expect(removed.code, removed.stderr).toBe(0)
    expect(security('find-certificate', '-a', '-Z', keychain)).not.toContain(first!)
  }, 300_000)

  it('a wrong file password changes nothing (exit 3)', async () => {
    const before = security('find-certificate', '-a', '-Z', keychain)
    const result = await runCli(['install', p12, '--yes'], {env: {...env, MAILCERT_PASSWORD: 'wrong'}, timeoutMs: 60_000})
    expect(result.code).toBe(3)
    expect(security('find-certificate', '-a', '-Z', keychain)).toBe(before)
  })
})
