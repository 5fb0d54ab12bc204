/**
 * Thunderbird and Evolution side by side through one install, check and remove, judged by the real
 * programs: evolution-data-server reads back the identities' S/MIME settings, NSS finds the
 * nickname they name for signing in the shared database, and Camel (Evolution's mail library)
 * signs with it.
 */
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {evolutionEnvironment, makeEvolutionHome, readSmimeThroughEds, signWithEvolution} from '../helpers/evolution-home.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {prefsOf, thunderbirdHome} from '../helpers/thunderbird-home.js'

const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
/** One Thunderbird profile template for the file (each template costs a Thunderbird run to build). */
const THUNDERBIRD_ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]

interface Target {
  clients: string[]
  status: string
  accounts: string[]
  location: string
  steps: Array<{id: string; status: string; detail?: string}>
}

describe('Evolution beside Thunderbird, with the real evolution-data-server', () => {
  it('install sets both up (Evolution through the shared NSS database, by nickname), check sees both, remove puts both back', async () => {
    const tb = await thunderbirdHome(THUNDERBIRD_ACCOUNTS)
    const evolution = await makeEvolutionHome(tb.home, [{address: 'alice@example.com', name: 'Alice Example'}, {address: 'carol@example.org', name: 'Carol'}])
    const env = {...evolutionEnvironment(tb.home), PATH: process.env.PATH, MAILCERT_PASSWORD: 'test'}
    const sourcesBefore = Object.fromEntries(evolution.accounts.map((a) => [a.identity, readFileSync(join(evolution.sourcesDir, `${a.identity}.source`), 'utf8')]))

    const installed = await runCli(['install', p12, '--yes', '--trust-root', '--sign-by-default', '--json'], {env, timeoutMs: 180_000})
    expect(installed.code, installed.stderr).toBe(0)
    const report = json<{result: {storeAccess: Record<string, string>; targets: Target[]}}>(installed).result
    expect(report.storeAccess).toEqual({thunderbird: 'tools', evolution: 'tools'})
    const nssdb = join(tb.home, '.pki', 'nssdb')
    expect(report.targets).toMatchObject([
      {clients: ['thunderbird'], status: 'done', accounts: ['alice@example.com'], location: tb.profileDir},
      {clients: ['evolution'], status: 'done', accounts: ['alice@example.com'], location: nssdb},
    ])
    // The shared database did not exist: mailcert made it, as Evolution would, then imported into it.
    expect(report.targets[1]!.steps.map((s) => s.id)).toEqual(['create-database', 'import-identity', 'trust-root', 'verify', 'configure-evolution-identities'])

    // What EDS itself reads: alice's identity names the nickname NSS stored; carol's is untouched.
    const smime = await readSmimeThroughEds(tb.home)
    const alice = smime.find((s) => s.address === 'alice@example.com')!
    const carol = smime.find((s) => s.address === 'carol@example.org')!
    expect(alice).toMatchObject({signingCertificate: 'Alice Example', encryptionCertificate: 'Alice Example', signByDefault: true})
    expect(carol).toMatchObject({signingCertificate: null, encryptionCertificate: null})
    const carolUid = evolution.accounts.find((a) => a.address === 'carol@example.org')!.identity
    expect(readFileSync(join(evolution.sourcesDir, `${carolUid}.source`), 'utf8')).toBe(sourcesBefore[carolUid])
    // NSS finds that nickname as a signing certificate, and Camel signs with it.
    execFileSync('certutil', ['-V', '-u', 'S', '-n', alice.signingCertificate!, '-d', `sql:${nssdb}`], {encoding: 'utf8'})
    expect(await signWithEvolution(tb.home, alice.signingCertificate!, 'alice@example.com')).toMatchObject({signed: true, contentType: expect.stringContaining('multipart/signed')})
    // Thunderbird got its part too.
    expect(prefsOf(tb)).toContain('signing_cert_dbkey')

    // Re-running changes nothing.
    const again = await runCli(['install', p12, '--yes', '--trust-root', '--sign-by-default', '--json'], {env, timeoutMs: 180_000})
    expect(again.code, again.stderr).toBe(0)
    expect(json<{result: {targets: Target[]}}>(again).result.targets.map((t) => t.status)).toEqual(['unchanged', 'unchanged'])

    const checked = await runCli(['check', '--json'], {env, timeoutMs: 120_000})
    const result = json<{status: number; result: {clients: Array<{client: string; profiles: Array<{identities: Array<{email: string; configured: boolean; signing: {certificate: unknown; hasKey: boolean} | null}>}>}>}}>(checked)
    const evo = result.result.clients.find((c) => c.client === 'evolution')!
    expect(evo.profiles[0]!.identities.find((i) => i.email === 'alice@example.com')).toMatchObject({configured: true, signing: {hasKey: true}})
    expect(result.result.clients.map((c) => c.client)).toEqual(['thunderbird', 'evolution'])

    // Later on (Debian's faketime runs mailcert and the NSS tools it starts at that date): both clients warn
    // 30 days ahead with the command for the new file, and call the expired certificate an error with that fix.
    type Checked = {status: number; result: {problems: Array<{severity: string; code: string; account?: string; profile?: string; fix: string}>}}
    const expiryOf = async (date: string) => {
      const later = await runCli(['check', '--json'], {env, timeoutMs: 120_000, runUnder: ['faketime', date]})
      const all = json<Checked>(later).result.problems
      return {code: later.code, all, problems: all.filter((p) => p.code === 'expires-soon' || p.code === 'expired')}
    }
    const soon = await expiryOf('2036-12-20 12:00:00')
    // A warning is a problem found: exit 8, as for any other.
    expect(soon.code, JSON.stringify(soon.all)).toBe(8)
    expect(soon.problems.map((p) => [p.severity, p.code, p.profile])).toEqual([
      ['warning', 'expires-soon', tb.profileDir],
      ['warning', 'expires-soon', evolution.sourcesDir],
    ])
    for (const problem of soon.problems) expect(problem.fix).toMatch(/when its file arrives: mailcert install NEW-CERTIFICATE\.p12 --client (thunderbird|evolution) --account alice@example\.com$/)
    const expired = await expiryOf('2037-01-05 12:00:00')
    expect(expired.code).toBe(8)
    expect(expired.problems.map((p) => [p.severity, p.code, p.profile])).toEqual([['error', 'expired', tb.profileDir], ['error', 'expired', evolution.sourcesDir]])
    expect(expired.problems[1]!.fix).toContain('the old key stays')

    const removed = await runCli(['remove', '--all', '--delete-identity', '--yes', '--json'], {env, timeoutMs: 180_000})
    expect(removed.code, removed.stderr).toBe(0)
    const after = await readSmimeThroughEds(tb.home)
    expect(after.find((s) => s.address === 'alice@example.com')).toMatchObject({signingCertificate: null, encryptionCertificate: null})
    for (const [uid, text] of Object.entries(sourcesBefore)) expect(readFileSync(join(evolution.sourcesDir, `${uid}.source`), 'utf8')).toBe(text)
    expect(execFileSync('certutil', ['-L', '-d', `sql:${nssdb}`], {encoding: 'utf8'})).not.toContain('Alice Example')
  }, 600_000)

  it('refuses to change the sources while Evolution\'s source registry runs for the user (exit 6), and changes nothing', async () => {
    const {startSourceRegistry} = await import('../helpers/evolution-home.js')
    const home = (await thunderbirdHome(THUNDERBIRD_ACCOUNTS)).home
    const evolution = await makeEvolutionHome(home, [{address: 'alice@example.com', name: 'Alice Example'}])
    const before = readFileSync(join(evolution.sourcesDir, `${evolution.accounts[0]!.identity}.source`), 'utf8')
    const registry = await startSourceRegistry(home)
    try {
      const result = await runCli(['install', p12, '--yes', '--trust-root', '--client', 'evolution'], {env: {...evolutionEnvironment(home), PATH: process.env.PATH, MAILCERT_PASSWORD: 'test'}, timeoutMs: 120_000})
      expect(result.code, result.stderr).toBe(6)
      expect(result.stderr).toContain('Evolution (or its account service, evolution-source-registry) is running')
    } finally {
      await registry.stop()
    }
    expect(readFileSync(join(evolution.sourcesDir, `${evolution.accounts[0]!.identity}.source`), 'utf8')).toBe(before)
  }, 300_000)
})
