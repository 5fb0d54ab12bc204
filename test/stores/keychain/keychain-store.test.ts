/**
 * The keychain store's plans, applied against the strict `security` simulator on macOS 14 and 15:
 * what ends up in the simulated keychain, what is undone, and that mailcert broke none of the
 * simulator's rules (no password in argv, none missing where the tool would prompt).
 */
import {readFileSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {ExitCode, UserError} from '../../../src/errors.js'
import type {Identity} from '../../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../../src/identity/input.js'
import {applyPlan, type TargetReport} from '../../../src/install/apply.js'
import type {JournalEntry, TargetChanges} from '../../../src/install/journal.js'
import type {TargetRecorder} from '../../../src/install/journal-file.js'
import {KEYCHAIN_SHA1, KEYCHAIN_STORE_KIND, KeychainStore, type KeychainReader, keyLabel} from '../../../src/stores/keychain/keychain-store.js'
import {FIXTURES, fixture, manifest} from '../../helpers/fixtures.js'
import {makeMacMachine, type MacMachine, type MacMachineOptions} from '../../helpers/macos-machine.js'

const machines: MacMachine[] = []
function mac(options: MacMachineOptions = {}): MacMachine {
  const machine = makeMacMachine(options)
  machines.push(machine)
  return machine
}
afterEach(() => {
  for (const machine of machines.splice(0)) {
    // Whatever the test did, mailcert broke none of the simulator's rules.
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

const TRUSTED = {systemRoots: [`${FIXTURES}ca/root.pem`, `${FIXTURES}ca/ec-root.pem`]}
const MAIL: KeychainReader = {name: 'Apple Mail', partition: 'apple:'}
const OUTLOOK: KeychainReader = {name: 'Outlook', partition: 'teamid:UBF8T346G9'}

async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(`p12/${name}.p12`))
  if (input.kind !== 'pkcs12') throw new Error(`${name} is not PKCS#12`)
  return (await openPkcs12(input, manifest[`p12/${name}.p12`].password!)).identity
}

interface StoreSetup {
  readers?: KeychainReader[]
  keychainPassword?: string | null
}

function storeFor(machine: MacMachine, setup: StoreSetup = {}): KeychainStore {
  return new KeychainStore({
    machine: machine.machine,
    keychain: machine.keychain,
    ref: {kind: KEYCHAIN_STORE_KIND, location: machine.keychain, label: 'your login keychain'},
    readers: setup.readers ?? [MAIL],
    keyAccess: async () => (setup.keychainPassword ? {keychainPassword: setup.keychainPassword} : null),
  })
}

interface Installed {
  report: TargetReport
  changes: TargetChanges
  warnings: string[]
  accepted: Record<string, boolean | undefined>
  storedName?: string
}

async function install(store: KeychainStore, identity: Identity, options: {trustRoot?: boolean; keepRefused?: boolean} = {}): Promise<Installed> {
  const planned = await store.planImport(identity, {readers: 'Apple Mail', trustRoot: async () => options.trustRoot ?? false, keepRefused: options.keepRefused ?? false})
  const changes: TargetChanges = {identities: [], addedCertificates: [], trustedRoot: null}
  const recorder: TargetRecorder = {
    note: async (change) => void Object.assign(changes, change),
    finish: async () => {},
    abandon: async () => {},
  }
  const certificate = identity.certificate
  const {targets} = await applyPlan(
    {
      targets: [
        {
          clients: ['apple-mail'],
          label: store.ref.label,
          location: store.ref.location,
          accounts: certificate.emails,
          steps: planned.steps,
          warnings: planned.warnings,
          recordAs: {store: {kind: store.ref.kind, location: store.ref.location}, clients: ['apple-mail'], label: store.ref.label, certificate: {sha256: certificate.fingerprints.sha256, emails: certificate.emails, subject: certificate.subject.text, references: store.references(certificate)}},
        },
      ],
    },
    {recorder: () => recorder},
  )
  return {report: targets[0], changes, warnings: planned.warnings, accepted: planned.imported.accepted, storedName: planned.imported.storedName}
}

function entryOf(identity: Identity, store: KeychainStore, changes: TargetChanges): JournalEntry {
  const certificate = identity.certificate
  return {
    ...changes,
    sequence: 1,
    store: {kind: KEYCHAIN_STORE_KIND, location: store.ref.location},
    clients: ['apple-mail'],
    label: store.ref.label,
    installedAt: new Date().toISOString(),
    certificate: {sha256: certificate.fingerprints.sha256, emails: certificate.emails, subject: certificate.subject.text, references: store.references(certificate)},
  }
}

const sha256sOf = (identity: Identity) => [identity.certificate, ...identity.chain].map((c) => c.fingerprints.sha256.toUpperCase())
const stepStatuses = (report: TargetReport) => report.steps.map((step) => `${step.id}:${step.status}`)

async function removal(store: KeychainStore, entry: JournalEntry, stillUsed: boolean): Promise<TargetReport> {
  const steps = await store.planRemoval(entry, async () => stillUsed)
  return (await applyPlan({targets: [{clients: ['apple-mail'], label: 'remove', location: store.ref.location, accounts: [], steps, warnings: []}]})).targets[0]
}

describe.each(['14.6', '15.2'] as const)('on macOS %s', (version) => {
  it('imports an RSA file (legacy) and an EC one (AES, which 14 cannot read as it is) with their chains, macOS accepts both, and a second run changes nothing', async () => {
    const machine = mac({version, ...TRUSTED})
    const store = storeFor(machine)
    const rsa = await identityOf('rsa-legacy')
    const first = await install(store, rsa)
    expect(first.report.status).toBe('done')
    expect(stepStatuses(first.report)).toEqual(['import-identity:done', 'verify:unchanged'])
    expect(first.accepted).toEqual({signing: true, encryption: true})
    expect(first.storedName).toBe('alice@example.com')
    expect(first.changes.addedCertificates).toEqual(sha256sOf(rsa).map((sha) => sha.toLowerCase()))
    expect(first.warnings).toEqual(['Apple Mail will ask once for your keychain password the first time it uses the new key: type it and choose Always Allow.'])

    const ec = await identityOf('ec-p384')
    const second = await install(store, ec)
    expect(second.report.status).toBe('done')
    expect(second.accepted).toEqual({signing: true, encryption: true})
    const keychain = machine.readKeychain()
    expect(keychain.keys.map((key) => [key.label, key.type, key.partitions])).toEqual([
      [keyLabel(rsa), 'rsa', ['apple-tool:']],
      [keyLabel(ec), 'ec', ['apple-tool:']],
    ])
    expect(keychain.certificates.map((c) => c.sha256).sort()).toEqual([...sha256sOf(rsa), ...sha256sOf(ec)].sort())
    // The password of the re-encoded file went to security on stdin only, with -f pkcs12.
    const imports = machine.calls().filter((call) => call.stdin?.[0]?.startsWith('import '))
    expect(imports.map((call) => [call.argv, /-f pkcs12 -P \*\*\*$/.test(call.stdin![0])])).toEqual([
      [['-q', '-i'], true],
      [['-q', '-i'], true],
    ])

    const before = readFileSync(machine.keychain, 'utf8')
    const calls = machine.calls().length
    const again = await install(store, ec)
    expect(again.report.status).toBe('unchanged')
    expect(again.report.steps.map((step) => [step.id, step.status, step.detail])).toEqual([
      ['import-identity', 'unchanged', 'already in the keychain with its private key, as "Alice Example EC"'],
      ['verify', 'unchanged', 'signing: accepted, encryption: accepted'],
    ])
    expect(readFileSync(machine.keychain, 'utf8')).toBe(before)
    expect(machine.calls().slice(calls).some((call) => call.stdin !== null)).toBe(false)
    expect(store.references(rsa.certificate)).toEqual({[KEYCHAIN_SHA1]: rsa.certificate.fingerprints.sha1.toUpperCase()})
  })
})

describe('on macOS 15', () => {
  it('stops at a locked keychain (exit 6) and at a wrong keychain password (exit 3) with nothing changed, unlocks it with the right one, sets the partition list of the key it imported only, and removes only what it added', async () => {
    const machine = mac({...TRUSTED, locked: true})
    const bob = await identityOf('bob-rsa')
    const locked = await install(storeFor(machine), bob)
    expect(locked.report).toMatchObject({status: 'failed', code: 'keychain-locked', exitCode: ExitCode.busy})
    expect(locked.report.reason).toMatch(/^Your login keychain \(.*\) is locked, and macOS cannot ask for its password here/)
    const untouched = readFileSync(machine.keychain, 'utf8')
    expect(JSON.parse(untouched)).toMatchObject({locked: true, certificates: [], keys: []})

    const error = await storeFor(machine, {keychainPassword: 'not-the-Password'})
      .planImport(bob, {readers: 'Apple Mail', trustRoot: async () => false, keepRefused: false})
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UserError)
    expect(error).toMatchObject({code: 'wrong-keychain-password', exitCode: ExitCode.wrongPassword})
    expect(readFileSync(machine.keychain, 'utf8')).toBe(untouched)

    const withAccess = await install(storeFor(machine, {readers: [MAIL, OUTLOOK], keychainPassword: 'login-Keychain-Pw1'}), bob)
    expect(stepStatuses(withAccess.report)).toEqual(['import-identity:done', 'key-access:done', 'verify:unchanged'])
    expect(withAccess.warnings).toEqual([])
    const alice = await identityOf('mailbox-rsa')
    const store = storeFor(machine)
    const installed = await install(store, alice)
    // The chain came with Bob's certificate: only Alice's certificate was added.
    expect(installed.changes.addedCertificates).toEqual([alice.certificate.fingerprints.sha256])
    expect(machine.readKeychain().keys.map((key) => [key.label, key.partitions])).toEqual([
      [keyLabel(bob), ['apple-tool:', 'apple:', 'teamid:UBF8T346G9']],
      [keyLabel(alice), ['apple-tool:']],
    ])
    const partitionCall = machine.calls().find((call) => call.stdin?.[0]?.startsWith('set-key-partition-list'))!
    expect(partitionCall.argv).toEqual(['-q', '-i'])
    expect(partitionCall.stdin![0]).toBe(`set-key-partition-list -S apple-tool:,apple:,teamid:UBF8T346G9 -s -l ${keyLabel(bob)} -k *** ${machine.keychain}`)

    const entry = entryOf(alice, store, installed.changes)
    expect((await removal(store, entry, true)).steps[0]).toMatchObject({status: 'unchanged', detail: '0 certificates removed'})
    expect(machine.readKeychain().keys).toHaveLength(2)
    expect((await removal(store, entry, false)).steps[0]).toMatchObject({status: 'done', detail: '1 certificate removed'})
    const keychain = machine.readKeychain()
    expect(keychain.keys.map((key) => key.label)).toEqual([keyLabel(bob)])
    expect(keychain.certificates.map((c) => c.sha256).sort()).toEqual(sha256sOf(bob).sort())
  })

  it('says so when the keychain does not exist (exit 2)', async () => {
    const machine = mac()
    const store = new KeychainStore({machine: machine.machine, keychain: `${machine.home}/none.keychain-db`, ref: {kind: KEYCHAIN_STORE_KIND, location: 'x', label: 'the keychain'}, readers: [MAIL], keyAccess: async () => null})
    await expect(store.planImport(await identityOf('mailbox-rsa'), {readers: 'Apple Mail', trustRoot: async () => false, keepRefused: false})).rejects.toMatchObject({code: 'no-such-keychain', exitCode: ExitCode.usage})
  })

  it('trusts a private root with consent when the user approves; remove takes the trust back with everything added', async () => {
    const machine = mac({ui: 'approve'})
    const identity = await identityOf('mailbox-rsa')
    const store = storeFor(machine)
    const installed = await install(store, identity, {trustRoot: true})
    expect(stepStatuses(installed.report)).toEqual(['import-identity:done', 'trust-root:done', 'verify:unchanged'])
    expect(installed.accepted).toEqual({signing: true, encryption: true})
    expect(installed.warnings.at(-1)).toMatch(/^macOS asks for your password to allow the change to your certificate trust settings/)
    const root = identity.chain.at(-1)!
    expect(installed.changes.trustedRoot).toEqual({sha256: root.fingerprints.sha256, previousTrust: 'none'})
    expect(machine.readKeychain().trustSettings).toEqual([{sha1: root.fingerprints.sha1.toUpperCase(), sha256: root.fingerprints.sha256.toUpperCase(), result: 'trustRoot', policies: ['smime']}])

    const removed = await removal(store, entryOf(identity, store, installed.changes), false)
    expect(removed.steps.map((step) => [step.id, step.status, step.detail])).toEqual([['delete-identity', 'done', '3 certificates removed, root trust taken back']])
    expect(machine.readKeychain()).toMatchObject({certificates: [], keys: [], trustSettings: []})
  })

  it('undoes the import when no GUI can approve the trust, or when macOS refuses the identity (exit 5); --keep-refused keeps it unconfigured', async () => {
    const machine = mac({ui: 'none'})
    const identity = await identityOf('mailbox-rsa')
    const root = identity.chain.at(-1)!
    const noGui = await install(storeFor(machine), identity, {trustRoot: true})
    expect(noGui.report).toMatchObject({status: 'failed', code: 'trust-needs-gui', exitCode: ExitCode.notForSmime, rolledBack: true})
    expect(noGui.report.reason).toBe(`macOS could not ask for your permission to trust the root "${root.subject.text}": changing trust settings needs your password in a dialog, and this session has no screen to show it on. The import was undone.`)
    expect(noGui.report.hints).toEqual([expect.stringContaining('Run mailcert in Terminal on the Mac itself')])
    expect(machine.readKeychain()).toMatchObject({certificates: [], keys: [], trustSettings: []})

    const refused = await install(storeFor(machine), identity)
    expect(refused.report).toMatchObject({status: 'failed', code: 'refused-by-client', exitCode: ExitCode.notForSmime, rolledBack: true})
    expect(refused.report.reason).toBe('macOS does not accept this certificate for S/MIME, so Apple Mail cannot use it: its root certificate is not trusted on this Mac. Its import was undone, and no account was changed.')
    expect(refused.report.hints![0]).toContain('--trust-root')
    expect(machine.readKeychain().certificates).toEqual([])

    const kept = await install(storeFor(machine), identity, {keepRefused: true})
    expect(kept.report).toMatchObject({status: 'failed', code: 'refused-by-client', rolledBack: false})
    expect(kept.accepted).toEqual({signing: false, encryption: false})
    expect(machine.readKeychain().certificates).toHaveLength(3)
  })
})
