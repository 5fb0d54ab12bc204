/**
 * `mailcert install --from-store` on Linux, with the real NSS tools: the identity is already in the
 * shared database ~/.pki/nssdb (put there by pk12util, as a fleet's tooling would), Evolution's
 * sources (as EDS wrote them, from test/fixtures/evolution) are pointed at it, a Thunderbird profile
 * in the same home is skipped with what to do, and remove puts the sources back byte for byte while
 * the certificate stays in the database.
 */
import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {readEvolutionIdentities} from '../../src/clients/evolution/sources.js'
import {evolutionEnvironment} from '../helpers/evolution-home.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {addCertificate, importP12, ROOT_NICKNAME, setTrust} from '../helpers/nss-db.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'
import {prefsOf, thunderbirdHome} from '../helpers/thunderbird-home.js'

interface Target {
  clients: string[]
  status: string
  reason?: string
  accounts: string[]
  location: string
  steps: Array<{id: string; status: string}>
}

interface FromStoreResult {
  changed: boolean
  targets: Target[]
  fromStore: Array<{email: string; store: string; chosen: {subject: string; fingerprintSha256: string} | null; why: string; passedOver: string[]}>
}

/** Evolution's sources as EDS wrote them, with alice's identity moved to the fixtures' address. */
function evolutionSources(home: string): string {
  const dir = join(home, '.config', 'evolution', 'sources')
  mkdirSync(dir, {recursive: true})
  cpSync(join(FIXTURES, 'evolution', 'sources'), dir, {recursive: true})
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    writeFileSync(file, readFileSync(file, 'utf8').replace('Address=alice@example.org', 'Address=alice@example.com'))
  }
  return dir
}

function sharedDatabase(home: string): string {
  const dir = join(home, '.pki', 'nssdb')
  mkdirSync(dir, {recursive: true})
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`])
  return dir
}

/** The sources themselves (mailcert keeps its backups beside them). */
const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).filter((name) => name.endsWith('.source')).map((name) => [name, readFileSync(join(dir, name), 'utf8')]))
const environment = (home: string) => ({...evolutionEnvironment(home), PATH: process.env.PATH, MAILCERT_PASSWORD: undefined})

let terminal: Terminal | undefined
afterEach(() => terminal?.close())

describe('install --from-store with the shared NSS database', () => {
  it('points Evolution at the identity the database holds, skips Thunderbird with what to do, and remove keeps the certificate', async () => {
    const tb = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const sourcesDir = evolutionSources(tb.home)
    const nssdb = sharedDatabase(tb.home)
    // What a fleet delivers: the identity with its chain and the root trusted for e-mail; an older certificate without its key beside it.
    importP12(nssdb, 'mailbox-rsa.p12')
    setTrust(nssdb, ROOT_NICKNAME, 'C,C,')
    addCertificate(nssdb, 'Alice Expired', 'certs/expired.pem')
    const before = snapshot(sourcesDir)
    const prefsBefore = prefsOf(tb)
    const env = environment(tb.home)

    const installed = await runCli(['install', '--from-store', '--yes', '--sign-by-default', '--json'], {env, timeoutMs: 120_000})
    expect(installed.code, installed.stderr).toBe(0)
    const result = json<{result: FromStoreResult}>(installed).result
    expect([...result.fromStore].sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      {
        email: 'alice@example.com',
        store: nssdb,
        chosen: expect.objectContaining({subject: 'CN=alice@example.com'}),
        why: 'the newest valid of 2 certificates for alice@example.com; 1 other is expired, not for e-mail or without key',
        passedOver: [expect.stringMatching(/valid until 2021-01-01\): the store does not hold its private key$/)],
      },
      // Bob's identity has an address too, and nothing in the store.
      {email: 'bob@example.net', store: nssdb, chosen: null, why: 'no certificate for bob@example.net', passedOver: []},
    ])
    const evolution = result.targets.find((t) => t.clients.includes('evolution'))!
    expect(evolution).toMatchObject({status: 'done', accounts: ['alice@example.com'], location: nssdb})
    // Nothing is imported: NSS's check, then the identity's settings.
    expect(evolution.steps.map((s) => s.id)).toEqual(['verify', 'configure-evolution-identities'])
    const thunderbird = result.targets.find((t) => t.clients.includes('thunderbird'))!
    expect(thunderbird).toMatchObject({status: 'skipped', location: tb.profileDir})
    expect(thunderbird.reason).toContain('Thunderbird keeps its own certificate database and cannot use the system store')
    expect(thunderbird.reason).toContain('mailcert install FILE')
    expect(prefsOf(tb)).toBe(prefsBefore)

    const {identities} = await readEvolutionIdentities(sourcesDir)
    expect(identities.find((i) => i.address === 'alice@example.com')!.smime).toMatchObject({signingCertificate: 'Alice Example', encryptionCertificate: 'Alice Example', signByDefault: true})
    expect(identities.find((i) => i.address === 'bob@example.net')!.smime.signingCertificate).toBeNull()

    const again = await runCli(['install', '--from-store', '--yes', '--sign-by-default', '--json'], {env, timeoutMs: 120_000})
    expect(again.code, again.stderr).toBe(0)
    expect(json<{result: FromStoreResult}>(again).result.changed).toBe(false)

    const removed = await runCli(['remove', '--all', '--delete-identity', '--yes', '--json'], {env, timeoutMs: 120_000})
    expect(removed.code, removed.stderr).toBe(0)
    expect(removed.stdout).toContain('stays in the shared NSS database')
    expect(snapshot(sourcesDir)).toEqual(before)
    const listed = execFileSync('certutil', ['-L', '-d', `sql:${nssdb}`], {encoding: 'utf8'})
    expect(listed).toContain('Alice Example')
    expect(execFileSync('certutil', ['-K', '-d', `sql:${nssdb}`], {encoding: 'utf8'})).toContain('Alice Example')
  }, 300_000)

  it('refuses with exit 5 when the store holds no usable identity, and names the expired one', async () => {
    const home = sandboxHome()
    evolutionSources(home)
    const nssdb = sharedDatabase(home)
    importP12(nssdb, 'expired.p12')
    const result = await runCli(['install', '--from-store', '--yes', '--json'], {env: environment(home), timeoutMs: 60_000})
    expect(result.code, result.stderr).toBe(5)
    const error = json<{error: {code: string; message: string; hints: string[]}}>(result).error
    expect(error.code).toBe('no-stored-identity')
    expect(error.message).toContain('none of the 1 certificates for alice@example.com can be used')
    expect(error.hints.join('\n')).toContain('mailcert install FILE')
  }, 120_000)

  it('takes no file beside --from-store (exit 2), also through MAILCERT_FROM_STORE', async () => {
    const home = sandboxHome()
    const given = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--from-store', '--yes'], {env: environment(home)})
    expect(given.code).toBe(2)
    expect(given.stderr).toContain('--from-store uses the certificate already in the system store, so it takes no file')
    const fromEnv = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--yes'], {env: {...environment(home), MAILCERT_FROM_STORE: '1'}})
    expect(fromEnv.code).toBe(2)
  }, 60_000)

  it('the guided installer, finding no file, offers the identity the database holds and sets Evolution up with it', async () => {
    const home = sandboxHome()
    const sourcesDir = evolutionSources(home)
    const nssdb = sharedDatabase(home)
    importP12(nssdb, 'mailbox-rsa.p12')
    setTrust(nssdb, ROOT_NICKNAME, 'C,C,')
    const env = Object.fromEntries(Object.entries(environment(home)).filter((entry): entry is [string, string] => entry[1] !== undefined))
    terminal = Terminal.start(['install'], env, home)
    await terminal.waitFor('No .p12 or .pfx file in Downloads, Desktop or Documents, but the shared NSS database')
    await terminal.waitFor('already holds a certificate for alice@example.com. Use the certificate already in')
    terminal.press('Enter')
    await terminal.waitFor('Sign every message you send by default?')
    terminal.press('Enter')
    await terminal.waitFor('Encrypt every message by default?')
    terminal.press('Enter')
    const plan = await terminal.waitFor('Make these changes?')
    expect(plan).toContain('Chosen for alice@example.com: CN=alice@example.com')
    terminal.press('Enter')
    await terminal.waitFor('To undo: mailcert remove')
    expect(await terminal.exitCode()).toBe(0)
    const {identities} = await readEvolutionIdentities(sourcesDir)
    expect(identities.find((i) => i.address === 'alice@example.com')!.smime.signingCertificate).toBe('Alice Example')
  }, 120_000)
})
