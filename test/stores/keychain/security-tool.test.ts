/** The small queries the Apple Mail client makes, and finding the keychain, against the simulator. */
import {rmSync} from 'node:fs'
import path from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {locateKeychain} from '../../../src/stores/keychain/locate-keychain.js'
import {clearIdentityPreference, findCertificates, findIdentities, identityPreference, setIdentityPreference} from '../../../src/stores/keychain/security-tool.js'
import {FIXTURES, manifest, plainHex} from '../../helpers/fixtures.js'
import {makeMacMachine, type MacMachine} from '../../helpers/macos-machine.js'

const machines: MacMachine[] = []
afterEach(() => {
  for (const machine of machines.splice(0)) {
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

function macWithAlice(): MacMachine {
  const machine = makeMacMachine({systemRoots: [`${FIXTURES}ca/root.pem`]})
  machines.push(machine)
  expect(machine.security(['-q', '-i'], `import "${FIXTURES}p12/rsa-legacy.p12" -k "${machine.keychain}" -f pkcs12 -P "test"\n`).status).toBe(0)
  return machine
}

describe('the identity preference and the searches', () => {
  it('finds the certificates for an address, sets the preference, reads it back, and clears it', async () => {
    const mac = macWithAlice()
    const sha256 = plainHex(manifest['p12/rsa-legacy.p12'].sha256!).toUpperCase()
    const [alice, ...others] = await findCertificates(mac.machine, mac.keychain, {email: 'alice@example.com'})
    expect(others).toEqual([])
    expect(alice.sha256).toBe(sha256)
    expect(await findCertificates(mac.machine, mac.keychain, {email: 'bob@example.com'})).toEqual([])
    expect((await findCertificates(mac.machine, null)).length).toBe(3)

    expect(await identityPreference(mac.machine, 'alice@example.com')).toBeNull()
    await setIdentityPreference(mac.machine, mac.keychain, 'alice@example.com', alice.sha1.toLowerCase())
    expect(await identityPreference(mac.machine, 'alice@example.com')).toEqual({sha1: alice.sha1, sha256, commonName: 'alice@example.com'})
    expect(await findIdentities(mac.machine, mac.keychain, {email: 'alice@example.com', validOnly: true})).toEqual([{sha1: alice.sha1, label: 'alice@example.com', trustError: null, valid: true}])
    await clearIdentityPreference(mac.machine, 'alice@example.com')
    await clearIdentityPreference(mac.machine, 'alice@example.com')
    expect(await identityPreference(mac.machine, 'alice@example.com')).toBeNull()
    await expect(setIdentityPreference(mac.machine, mac.keychain, 'alice@example.com', 'AB'.repeat(20))).rejects.toThrow(/No matching identity found/)
  })
})

describe('locateKeychain', () => {
  it('takes the keychain given, else the one security names as the login keychain, else the usual place', async () => {
    const mac = makeMacMachine()
    machines.push(mac)
    expect(await locateKeychain(mac.machine, 'relative/ci.keychain-db')).toBe(path.resolve('relative/ci.keychain-db'))
    expect(await locateKeychain(mac.machine)).toBe(mac.keychain)
    const other = path.join(mac.home, 'Library', 'Keychains', 'work.keychain-db')
    expect(mac.security(['login-keychain', '-s', other]).status).toBe(0)
    expect(await locateKeychain(mac.machine)).toBe(other)
    rmSync(path.join(mac.systemRoot, 'usr', 'bin', 'security'))
    expect(await locateKeychain(mac.machine)).toBe(path.join(mac.home, 'Library', 'Keychains', 'login.keychain-db'))
  })
})
