/**
 * `mailcert status` end to end, as a fleet engine runs it: the built CLI against a sandbox HOME with
 * a real Thunderbird profile, installed into by `mailcert install` with NSS's tools. The contract
 * is the one Intune's detection reads: exit 0 and one line on standard output, or exit 8 and nothing.
 */
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {StatusResult} from '../../src/clients/status.js'
import {FIXTURES, manifest, plainHex} from '../helpers/fixtures.js'
import {fixtureDbKey} from '../helpers/nss-db.js'
import {type CliResult, json, runCli} from '../helpers/run-cli.js'
import {type ThunderbirdHome, thunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
const ALICE_SHA256 = manifest['p12/mailbox-rsa.p12']!.sha256 as string
const TIMEOUT = 120_000

const homes: string[] = []
afterAll(() => {
  for (const home of homes) rmSync(home, {recursive: true, force: true})
})

function envFor(home: string): Record<string, string | undefined> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: undefined,
    XDG_DATA_HOME: undefined,
    MAILCERT_DEEP: undefined,
    MAILCERT_FINGERPRINT: undefined,
    MAILCERT_PASSWORD: undefined,
    MAILCERT_PASSWORD_FILE: undefined,
    MAILCERT_DB_PASSWORD: undefined,
    MAILCERT_DB_PASSWORD_FILE: undefined,
  }
}

function status(home: ThunderbirdHome, args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['status', ...args], {env: {...envFor(home.home), ...env}, timeoutMs: TIMEOUT})
}

async function installedHome(): Promise<ThunderbirdHome> {
  const home = await thunderbirdHome(ACCOUNTS)
  homes.push(home.home)
  const installed = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--yes', '--trust-root'], {env: {...envFor(home.home), MAILCERT_PASSWORD: 'test'}, timeoutMs: TIMEOUT})
  expect(installed.code, installed.stderr).toBe(0)
  return home
}

function expectDetected(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0)
  expect(result.stdout).toBe('alice@example.com: installed, used by 1 account (Thunderbird "default-release")\n')
}

function expectNotDetected(result: CliResult): void {
  expect(result.code, result.stderr).toBe(8)
  expect(result.stdout).toBe('')
}

describe('mailcert status against a real Thunderbird profile', () => {
  it('before install: exit 8 and nothing on stdout, by fingerprint, by file and with nothing named; --json says why', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    homes.push(home.home)
    expectNotDetected(await status(home))
    expectNotDetected(await status(home, ['--fingerprint', ALICE_SHA256]))
    const byFile = await status(home, [join(FIXTURES, 'certs', 'mailbox-rsa.pem')])
    expectNotDetected(byFile)
    expect(byFile.stderr).toMatch(/alice@example\.com: Thunderbird "default-release", alice@example\.com: no signing certificate is set/)

    const asJson = await status(home, [join(FIXTURES, 'certs', 'mailbox-rsa.pem'), '--json'])
    expect(asJson.code).toBe(8)
    const envelope = json<{status: number; result: StatusResult}>(asJson)
    expect(envelope.status).toBe(8)
    expect(envelope.result).toMatchObject({installed: false, line: null, targets: [{sha256: plainHex(ALICE_SHA256), installed: false, accounts: [{client: 'thunderbird', account: 'alice@example.com', missing: 'no signing certificate is set'}]}]})
  }, 300_000)

  // The spellings of a fingerprint are normaliseFingerprint's business (test/clients/status.test.ts): one each way here.
  it('after install: exit 0 and one line, for everything installed, by fingerprint (with colons, and plain from the environment), by the .pem and the .p12; --json both ways', async () => {
    const home = await installedHome()
    expectDetected(await status(home))
    expectDetected(await status(home, [], {MAILCERT_FINGERPRINT: plainHex(ALICE_SHA256).toUpperCase()}))
    expectDetected(await status(home, [join(FIXTURES, 'certs', 'mailbox-rsa.pem')]))
    expectDetected(await status(home, [join(FIXTURES, 'p12', 'mailbox-rsa.p12')], {MAILCERT_PASSWORD: 'test'}))

    const asJson = await status(home, ['--fingerprint', ALICE_SHA256, '--json'])
    expect(asJson.code, asJson.stderr).toBe(0)
    const envelope = json<{status: number; result: StatusResult}>(asJson)
    expect(envelope).toMatchObject({status: 0, result: {installed: true, line: 'alice@example.com: installed, used by 1 account (Thunderbird "default-release")'}})
    expect(envelope.result.targets[0]!.accounts).toEqual([{client: 'thunderbird', clientName: 'Thunderbird', place: home.profileDir, label: 'Thunderbird "default-release"', account: 'alice@example.com', missing: null}])

    // Another certificate of the test PKI, never installed: its fingerprint is nothing to detect.
    const other = await status(home, ['--fingerprint', manifest['p12/bob-rsa.p12']!.sha256 as string])
    expectNotDetected(other)
    expect(other.stderr).toMatch(/No certificate with SHA-256 fingerprint/)
  }, 300_000)

  it('an account switched to another certificate in prefs.js: exit 8, and the reason on stderr', async () => {
    const home = await installedHome()
    const prefs = join(home.profileDir, 'prefs.js')
    const dbKey = fixtureDbKey('certs/mailbox-rsa.pem')
    const other = fixtureDbKey('certs/organization-rsa.pem')
    const text = readFileSync(prefs, 'utf8')
    expect(text).toContain(`signing_cert_dbkey", "${dbKey}"`)
    writeFileSync(prefs, text.replace(`signing_cert_dbkey", "${dbKey}"`, `signing_cert_dbkey", "${other}"`))
    const result = await status(home, ['--fingerprint', ALICE_SHA256])
    expectNotDetected(result)
    expect(result.stderr).toMatch(/the signing certificate it names is not in the store/)
  }, 300_000)

  it('refuses a fingerprint that is not SHA-256, and a file together with a fingerprint (exit 2)', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    homes.push(home.home)
    const short = await status(home, ['--fingerprint', 'abcd'])
    expect(short.code).toBe(2)
    expect(short.stdout).toBe('')
    const both = await status(home, [join(FIXTURES, 'certs', 'mailbox-rsa.pem'), '--fingerprint', ALICE_SHA256])
    expect(both.code).toBe(2)
  }, 300_000)
})
