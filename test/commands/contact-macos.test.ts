/**
 * `mailcert contact` on a simulated Mac, end to end: the built CLI against the strict `security`
 * simulator, with Apple Mail and Outlook for Mac installed. Both read recipients' certificates from
 * the login keychain, so it is one store for both: the certificate and its intermediate go in
 * (never the root), a second add changes nothing, list finds it there, and remove takes out
 * exactly what add put in.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterEach, describe, expect, it, vi} from 'vitest'

import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import {installMailApp, installOutlookApp} from '../helpers/apple-mail-fixtures.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {makeMacMachine, type MacMachine} from '../helpers/macos-machine.js'
import {json, runCli} from '../helpers/run-cli.js'

vi.setConfig({testTimeout: 120_000})

const machines: MacMachine[] = []
afterEach(() => {
  for (const machine of machines.splice(0)) {
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

const pem = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8').trim()
const sha256Of = (name: string) => parseCertificate(certificatesFromPem(pem(name))[0]).fingerprints.sha256
const BOB = sha256Of('certs/bob-rsa.pem')
const INTERMEDIATE = sha256Of('ca/intermediate.pem')
const ROOT = sha256Of('ca/root.pem')

function mac(): {machine: MacMachine; bobFile: string; held: () => string[]} {
  const machine = makeMacMachine({systemRoots: [path.join(FIXTURES, 'ca', 'root.pem')]})
  machines.push(machine)
  installMailApp(machine.systemRoot)
  installOutlookApp(machine.systemRoot)
  // What Bob sent: his certificate with its issuers, root included, as some programs export it.
  const bobFile = path.join(machine.home, 'bob.cer')
  writeFileSync(bobFile, `${pem('certs/bob-rsa.pem')}\n${pem('ca/intermediate.pem')}\n${pem('ca/root.pem')}\n`)
  return {machine, bobFile, held: () => machine.readKeychain().certificates.map((c) => c.sha256.toLowerCase())}
}

interface Store {
  store: string
  location: string
  readers: string
  present: boolean | null
  addedByMailcert: boolean
}

describe('mailcert contact on macOS (Apple Mail and Outlook for Mac)', () => {
  it('adds the certificate and its intermediate to the login keychain once, lists it there, and removes exactly those', async () => {
    const {machine, bobFile, held} = mac()
    const cli = (args: string[]) => runCli(args, {env: machine.env})

    const added = await cli(['contact', 'add', bobFile, '--json'])
    expect(added.code, added.stderr).toBe(0)
    const result = json<{result: {changed: boolean; targets: Array<{clients: string[]; location: string; status: string}>}}>(added).result
    expect(result.changed).toBe(true)
    expect(result.targets.map((t) => [t.location, t.clients])).toEqual([[machine.keychain, ['Apple Mail', 'Outlook for Mac']]])
    expect(held()).toEqual([BOB, INTERMEDIATE])
    expect(held()).not.toContain(ROOT)
    const keychain = machine.readKeychain()
    expect([keychain.keys, keychain.trustSettings]).toEqual([[], []])

    const callsBefore = machine.calls().length
    const again = await cli(['contact', 'add', bobFile, '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(json<{result: {changed: boolean}}>(again).result.changed).toBe(false)
    expect(held()).toEqual([BOB, INTERMEDIATE])
    expect(machine.calls().slice(callsBefore).filter((call) => call.argv[0] === 'add-certificates')).toEqual([])

    const listed = await cli(['contact', 'list', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    const contacts = json<{result: {contacts: Array<{emails: string[]; fingerprintSha256: string; stores: Store[]}>}}>(listed).result.contacts
    expect(contacts.map((c) => [c.emails, c.fingerprintSha256])).toEqual([[['bob@example.com'], BOB]])
    expect(contacts[0].stores).toEqual([{store: 'the login keychain', location: machine.keychain, readers: 'Apple Mail and Outlook for Mac', present: true, addedByMailcert: true}])

    const removed = await cli(['contact', 'remove', 'bob@example.com', '--yes', '--json'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(held()).toEqual([])
    expect(json<{result: {contacts: unknown[]}}>(await cli(['contact', 'list', '--json'])).result.contacts).toEqual([])
  })

  it('leaves an intermediate that was in the keychain before, and the certificate of a key someone installed since', async () => {
    const {machine, bobFile, held} = mac()
    const cli = (args: string[]) => runCli(args, {env: machine.env})
    expect(machine.security(['add-certificates', '-k', machine.keychain, path.join(FIXTURES, 'ca', 'intermediate.pem')]).status).toBe(0)

    expect((await cli(['contact', 'add', bobFile, '--yes'])).code).toBe(0)
    expect(held()).toEqual([INTERMEDIATE, BOB])
    // Bob installs his own identity on this Mac: his certificate now has its private key here.
    const importLine = `import "${path.join(FIXTURES, 'p12', 'bob-rsa.p12')}" -k "${machine.keychain}" -f pkcs12 -P "test"\n`
    expect(machine.security(['-q', '-i'], importLine).status).toBe(0)

    const removed = await cli(['contact', 'remove', 'bob@example.com', '--yes', '--json'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(held()).toEqual(expect.arrayContaining([INTERMEDIATE, BOB]))
    expect(machine.calls().filter((call) => call.argv[0] === 'delete-certificate')).toEqual([])
  })
})
