/**
 * The Windows contact store's session for real, under Windows Node (Wine here, real Windows in the
 * workflow), driven by contact-driver.mjs from the built code: a correspondent's certificate into
 * CurrentUser\AddressBook and its intermediate into CA, seen by an independent probe in another
 * process (so the adds were committed), Windows' chain verdict, and removal taking out exactly that;
 * an issuer the user's own certificate has come to chain through stays.
 */
import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {mkdir, readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FIXTURES, manifest} from '../../helpers/fixtures.js'
import {probeStores, UNDER_WINE} from '../../helpers/outlook-registry.js'
import {disposeWindowsUser, runWindowsNode, windowsPath, windowsUser, type WindowsUser} from '../../helpers/windows.js'

const DRIVER = join(import.meta.dirname, 'contact-driver.mjs')
const STORE_DRIVER = join(import.meta.dirname, 'store-driver.mjs')
const BOB = windowsPath(join(FIXTURES, 'certs', 'bob-rsa.pem'))
const INTERMEDIATE = windowsPath(join(FIXTURES, 'ca', 'intermediate.pem'))
const ROOT = windowsPath(join(FIXTURES, 'ca', 'root.pem'))
const IDENTITY = 'p12/mailbox-rsa.p12'

const fixtureCertificate = (name: string) => new X509Certificate(readFileSync(join(FIXTURES, name)))
const thumbprintOf = (name: string) => fixtureCertificate(name).fingerprint.replaceAll(':', '')
const sha256Of = (name: string) => fixtureCertificate(name).fingerprint256.replaceAll(':', '').toLowerCase()

interface Added {
  sha256: string
  role: string
  name: string
}
type Result = {op: string; value: unknown; error?: undefined} | {op: string; value?: undefined; error: {name: string; message: string; code?: string}}

describe('the Windows contact store', {timeout: 240_000}, () => {
  let user: WindowsUser
  let scratch: string
  let runs = 0
  let addedBob: Added
  let addedIntermediate: Added
  /** The install's record, for taking the identity out again on a real Windows runner. */
  let installed: Record<string, unknown> | undefined

  async function drive(operations: Array<Record<string, unknown>>): Promise<Result[]> {
    const out = join(scratch, `contact-${++runs}.json`)
    const run = await runWindowsNode(user, DRIVER, [windowsPath(out)], {input: JSON.stringify(operations), timeoutMs: 90_000})
    expect(run, run.stderr).toMatchObject({code: 0, timedOut: false})
    const report = JSON.parse(await readFile(out, 'utf8')) as {results: Result[]; error?: string}
    expect(report.error).toBeUndefined()
    expect(report.results.map((result) => result.op)).toEqual(operations.map((operation) => operation.op))
    return report.results
  }

  const thumbprints = (stores: Record<string, Array<{thumbprint: string}>>, name: string) => (stores[name] ?? []).map((c) => c.thumbprint)

  beforeAll(async () => {
    user = await windowsUser()
    scratch = join(user.localAppData, 'mailcert-contact-test')
    await mkdir(scratch, {recursive: true})
  }, 240_000)

  afterAll(async () => {
    if (!UNDER_WINE && user && scratch) {
      // The runner's own user: what this file added goes again, whatever the tests left.
      if (installed) await runWindowsNode(user, STORE_DRIVER, [windowsPath(join(scratch, 'uninstalled.json'))], {input: JSON.stringify({action: 'remove', entry: installed}), timeoutMs: 90_000})
      const cleanup = [
        {op: 'take-out', store: 'AddressBook', file: BOB},
        {op: 'take-out', store: 'CA', file: INTERMEDIATE},
        {op: 'take-out', store: 'Root', file: ROOT},
      ]
      await runWindowsNode(user, DRIVER, [windowsPath(join(scratch, 'cleanup.json'))], {input: JSON.stringify(cleanup), timeoutMs: 90_000})
    }
    if (scratch) await rm(scratch, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
  })

  it('adds the correspondent to AddressBook and the intermediate to CA, trusted for nothing, and says so', async () => {
    const results = await drive([
      {op: 'holds', file: BOB, role: 'correspondent'},
      {op: 'holds', file: INTERMEDIATE, role: 'issuer'},
      {op: 'add', file: BOB, role: 'correspondent'},
      {op: 'add', file: INTERMEDIATE, role: 'issuer'},
      {op: 'holds', file: BOB, role: 'correspondent'},
      {op: 'holds', file: INTERMEDIATE, role: 'issuer'},
      // Each role is looked for where its readers look: the correspondent is not an issuer, nor the issuer a recipient.
      {op: 'holds', file: BOB, role: 'issuer'},
      {op: 'holds', file: INTERMEDIATE, role: 'correspondent'},
    ])
    expect(results.map((result) => result.error)).toEqual(results.map(() => undefined))
    expect(results.map((result) => result.value)).toEqual([
      false,
      false,
      {sha256: sha256Of('certs/bob-rsa.pem'), role: 'correspondent', name: 'AddressBook'},
      {sha256: sha256Of('ca/intermediate.pem'), role: 'issuer', name: 'CA'},
      true,
      true,
      false,
      false,
    ])
    expect(sha256Of('certs/bob-rsa.pem')).toBe(manifest['certs/bob-rsa.pem'].sha256!.replaceAll(':', '').toLowerCase())
    addedBob = results[2]!.value as Added
    addedIntermediate = results[3]!.value as Added

    // Another process, not mailcert's code: the adds were committed, with no key link, and nothing went to My or Root.
    const stores = await probeStores(user, scratch)
    expect(thumbprints(stores, 'AddressBook')).toEqual([thumbprintOf('certs/bob-rsa.pem')])
    expect(thumbprints(stores, 'CA')).toEqual([thumbprintOf('ca/intermediate.pem')])
    expect(thumbprints(stores, 'Root')).not.toContain(thumbprintOf('ca/root.pem'))
    expect(thumbprints(stores, 'My')).toEqual([])
    expect(stores.AddressBook!.concat(stores.CA!).map((c) => (c as {keyLink?: boolean}).keyLink)).toEqual([false, false])
  })

  it("gives Windows' chain verdict for e-mail, with the chain offered in memory only", async () => {
    // Offered, the root completes the chain but confers no trust; not offered, it is in no store, so the
    // chain (its intermediate found in CA) stops short of a root.
    const untrusted = await drive([{op: 'verdict', file: BOB, chain: [INTERMEDIATE, ROOT]}, {op: 'verdict', file: BOB, chain: []}])
    expect(untrusted.map((result) => result.value)).toMatchObject([{valid: false, code: 'untrusted-issuer'}, {valid: false, code: 'unknown-issuer'}])
    // The user trusts the root (as install --trust-root leaves it). In a process of its own: Wine's chain
    // engine keeps the view of Root it had when the process first built a chain.
    expect(await drive([{op: 'put', store: 'Root', file: ROOT}, {op: 'holds', file: ROOT, role: 'issuer'}])).toEqual([{op: 'put', value: true}, {op: 'holds', value: true}])
    expect(await drive([{op: 'verdict', file: BOB, chain: []}])).toEqual([{op: 'verdict', value: {valid: true}}])
    // The verdicts added nothing: the root is the one `put` there, the chain offered is in no store.
    const stores = await probeStores(user, scratch)
    expect(thumbprints(stores, 'CA')).toEqual([thumbprintOf('ca/intermediate.pem')])
    expect(thumbprints(stores, 'AddressBook')).toEqual([thumbprintOf('certs/bob-rsa.pem')])
    expect(thumbprints(stores, 'Root').filter((t) => t === thumbprintOf('ca/root.pem'))).toHaveLength(1)
  })

  it('removes the correspondent from AddressBook; one gone already is fine; a store name mailcert never gives is refused', async () => {
    const results = await drive([
      {op: 'remove', added: addedBob},
      {op: 'remove', added: addedBob},
      {op: 'remove', added: {...addedBob, name: 'My'}},
      {op: 'holds', file: BOB, role: 'correspondent'},
    ])
    expect(results.slice(0, 2)).toEqual([{op: 'remove', value: null}, {op: 'remove', value: null}])
    expect(results[2]!.error).toMatchObject({name: 'UserError', code: 'contacts-unreadable'})
    expect(results[3]!.value).toBe(false)
    const stores = await probeStores(user, scratch)
    expect(thumbprints(stores, 'AddressBook')).toEqual([])
    expect(thumbprints(stores, 'CA')).toEqual([thumbprintOf('ca/intermediate.pem')])
  })

  it("keeps an intermediate the user's own certificate has come to chain through, and removes it once nothing in My does", async () => {
    // The user's own identity, issued by the same intermediate, installed after the contact's add (the import finds it in CA and does not add it).
    const out = join(scratch, 'installed.json')
    const request = {action: 'install', file: windowsPath(join(FIXTURES, IDENTITY)), password: manifest[IDENTITY].password, trustRoot: false}
    const run = await runWindowsNode(user, STORE_DRIVER, [windowsPath(out)], {input: JSON.stringify(request), timeoutMs: 120_000})
    expect(run, run.stderr).toMatchObject({code: 0, timedOut: false})
    const driven = JSON.parse(await readFile(out, 'utf8')) as {error?: unknown; certificate: {sha256: string}; notes: Array<{addedCertificates?: string[]}>}
    expect(driven.error).toBeUndefined()
    const addedByInstall = driven.notes.flatMap((note) => note.addedCertificates ?? [])
    expect(addedByInstall).not.toContain(addedIntermediate.sha256)
    installed = {certificate: {sha256: driven.certificate.sha256, emails: ['alice@example.com'], subject: '', references: {}}, identities: [], addedCertificates: [...new Set(addedByInstall)], trustedRoot: null}

    const kept = await drive([{op: 'remove', added: addedIntermediate}, {op: 'holds', file: INTERMEDIATE, role: 'issuer'}])
    expect(kept).toEqual([{op: 'remove', value: null}, {op: 'holds', value: true}])
    expect(thumbprints(await probeStores(user, scratch), 'CA')).toEqual([thumbprintOf('ca/intermediate.pem')])

    const removal = await runWindowsNode(user, STORE_DRIVER, [windowsPath(join(scratch, 'uninstalled.json'))], {input: JSON.stringify({action: 'remove', entry: installed}), timeoutMs: 90_000})
    expect(removal, removal.stderr).toMatchObject({code: 0, timedOut: false})
    installed = undefined
    const gone = await drive([{op: 'remove', added: addedIntermediate}, {op: 'holds', file: INTERMEDIATE, role: 'issuer'}])
    expect(gone).toEqual([{op: 'remove', value: null}, {op: 'holds', value: false}])
    const stores = await probeStores(user, scratch)
    expect(thumbprints(stores, 'CA')).toEqual([])
    expect(thumbprints(stores, 'My')).toEqual([])
  })
})
