/**
 * `install --from-store` for Apple Mail through the strict `security` simulator: an identity that
 * is already in the login keychain (imported with `security import`, as an MDM profile leaves it)
 * becomes the identity preference of the address; remove --delete-identity puts the preference back
 * and leaves the identity where it was.
 */
import path from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {installMailApp, installSqlite, writeAccountsDatabase} from '../helpers/apple-mail-fixtures.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {makeMacMachine, type MacMachine} from '../helpers/macos-machine.js'
import {json, runCli} from '../helpers/run-cli.js'

const machines: MacMachine[] = []
afterEach(() => {
  for (const machine of machines.splice(0)) {
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

interface Target {
  clients: string[]
  status: string
  accounts: string[]
  steps: Array<{id: string}>
}

describe('install --from-store with Apple Mail', () => {
  it('prefers the identity the keychain holds for the address, imports nothing, and remove keeps the identity', async () => {
    const machine = makeMacMachine({version: '15.2', systemRoots: [path.join(FIXTURES, 'ca', 'root.pem')], secrets: ['test']})
    machines.push(machine)
    installMailApp(machine.systemRoot, '16.0')
    installSqlite(machine.systemRoot, 'allowed')
    writeAccountsDatabase(machine.home, [{type: 'IMAP', username: 'alice@example.com', description: 'Work', identifier: 'A1B2C3D4-0000-4000-8000-000000000001'}])
    const imported = machine.security(['-q', '-i'], `import "${path.join(FIXTURES, 'p12', 'rsa-legacy.p12')}" -k "${machine.keychain}" -f pkcs12 -P "test"\n`)
    expect(imported.status, imported.stderr).toBe(0)
    const before = machine.readKeychain()
    expect(before.keys).toHaveLength(1)

    const env = {...machine.env}
    const installed = await runCli(['install', '--from-store', '--yes', '--json'], {env, timeoutMs: 60_000})
    expect(installed.code, installed.stderr).toBe(0)
    const result = json<{result: {targets: Target[]; fromStore: Array<{email: string; chosen: {fingerprintSha256: string} | null; why: string}>}}>(installed).result
    expect(result.fromStore).toMatchObject([{email: 'alice@example.com', why: 'the only certificate for alice@example.com'}])
    const sha256 = result.fromStore[0]!.chosen!.fingerprintSha256
    const sha1 = machine.readKeychain().certificates.find((c) => c.sha256.toLowerCase() === sha256.toLowerCase())!.sha1
    expect(result.targets).toMatchObject([{clients: ['apple-mail'], status: 'done', accounts: ['alice@example.com']}])
    expect(result.targets[0]!.steps.map((s) => s.id)).toEqual(['verify', 'set-identity-preferences'])
    expect(machine.readKeychain().identityPreferences).toEqual([{service: 'alice@example.com', sha1}])
    // Nothing was imported by mailcert.
    expect(machine.calls().filter((call) => call.stdin?.some((line) => line.startsWith('import ')))).toHaveLength(1)

    const removed = await runCli(['remove', '--all', '--delete-identity', '--yes', '--json'], {env, timeoutMs: 60_000})
    expect(removed.code, removed.stderr).toBe(0)
    const after = machine.readKeychain()
    expect(after.identityPreferences).toEqual([])
    expect(after.keys).toEqual(before.keys)
    expect(after.certificates).toEqual(before.certificates)
  }, 120_000)
})
