/**
 * What the `mailcert check` end-to-end tests share: a sandbox HOME with a real Thunderbird 153
 * profile (or none), the built CLI run against it with nothing of this machine's own settings, and
 * ways to change the profile's identity settings as a user or another tool might.
 */
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, expect} from 'vitest'

import type {CheckResult} from '../../src/clients/check.js'
import {editPrefs, parsePrefs} from '../../src/clients/thunderbird/prefs-js.js'
import {FIXTURES} from './fixtures.js'
import {fixtureDbKey} from './nss-db.js'
import {type CliResult, json, runCli, sandboxHome} from './run-cli.js'
import {type ThunderbirdHome, thunderbirdHome} from './thunderbird-home.js'

export const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
export const ALICE_KEY = fixtureDbKey('certs/mailbox-rsa.pem')
export const EXPIRED_KEY = fixtureDbKey('certs/expired.pem')
/** A real certificate of the test PKI that is never put into a profile. */
export const ABSENT_KEY = fixtureDbKey('certs/organization-rsa.pem')
export const THUNDERBIRD_TIMEOUT = 120_000

export interface Envelope {
  status: number
  result: CheckResult
  warnings: string[]
}

const homes: string[] = []

/** Each test file that uses these removes the homes it made when it ends. */
afterAll(() => {
  for (const home of homes) rmSync(home, {recursive: true, force: true})
})

export async function tbHome(): Promise<ThunderbirdHome> {
  const home = await thunderbirdHome(ACCOUNTS)
  homes.push(home.home)
  return home
}

export function emptyHome(): string {
  const home = sandboxHome('mailcert-check-home-')
  homes.push(home)
  return home
}

/** Only the sandbox: nothing of this machine's own settings (XDG folders, mailcert's env flags) leaks in. */
export function envFor(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: undefined,
    XDG_DATA_HOME: undefined,
    MAILCERT_DEEP: undefined,
    MAILCERT_ALL: undefined,
    MAILCERT_PASSWORD: undefined,
    MAILCERT_PASSWORD_FILE: undefined,
    MAILCERT_DB_PASSWORD: undefined,
    MAILCERT_DB_PASSWORD_FILE: undefined,
    ...extra,
  }
}

export function check(home: string, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['check', ...args], {env: envFor(home, extra), timeoutMs: THUNDERBIRD_TIMEOUT})
}

export async function checkJson(home: string, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<{result: CliResult; envelope: Envelope}> {
  const result = await check(home, [...args, '--json'], extra)
  return {result, envelope: json<Envelope>(result)}
}

export async function install(home: ThunderbirdHome): Promise<void> {
  const result = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--yes', '--trust-root'], {env: envFor(home.home, {MAILCERT_PASSWORD: 'test'})})
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0)
}

/** Set identity prefs in the copy's prefs.js (null removes one), as a user or another tool might have. */
export function setIdentityPrefs(home: ThunderbirdHome, email: string, prefs: Record<string, string | null>): void {
  const key = home.identityKeys[email]
  expect(key, `identity of ${email}`).toBeDefined()
  const file = join(home.profileDir, 'prefs.js')
  const changes = Object.fromEntries(Object.entries(prefs).map(([name, value]) => [`mail.identity.${key}.${name}`, value]))
  writeFileSync(file, editPrefs(parsePrefs(readFileSync(file)), changes))
}

export function pointAt(home: ThunderbirdHome, email: string, dbKey: string, name = email): void {
  setIdentityPrefs(home, email, {signing_cert_dbkey: dbKey, signing_cert_name: name, encryption_cert_dbkey: dbKey, encryption_cert_name: name})
}

/** Processes whose command line names this profile folder (a Thunderbird left running on it). */
export function processesOn(profileDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(profileDir)) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}

export const thunderbirdOf = (envelope: Envelope) => envelope.result.clients.find((c) => c.client === 'thunderbird')!
export const profileOf = (envelope: Envelope) => thunderbirdOf(envelope).profiles[0]!
export const identityOf = (envelope: Envelope, email: string) => profileOf(envelope).identities.find((i) => i.email === email)!
