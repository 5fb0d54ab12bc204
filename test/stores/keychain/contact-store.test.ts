/**
 * The keychain's correspondent store against the strict `security` simulator: what `contact add`
 * leaves in the login keychain (certificates without keys, no trust settings), that adding again
 * and removing twice are harmless, that a certificate someone's key pairs with is never taken out,
 * and that Apple Mail and Outlook for Mac name the same store.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {appleMail} from '../../../src/clients/apple-mail/client.js'
import {outlookForMac} from '../../../src/clients/outlook-mac/client.js'
import type {ContactStoreSession} from '../../../src/contacts/contact-store.js'
import {ExitCode, UserError} from '../../../src/errors.js'
import {certificatesFromPem, parseCertificate} from '../../../src/identity/certificate.js'
import type {Certificate} from '../../../src/identity/certificate-types.js'
import {keychainRefAt} from '../../../src/clients/keychain/keychain-for.js'
import {KeychainContactSession} from '../../../src/stores/keychain/contact-store.js'
import {installMailApp, installOutlookApp} from '../../helpers/apple-mail-fixtures.js'
import {FIXTURES, manifest} from '../../helpers/fixtures.js'
import {makeMacMachine, type MacMachine, type MacMachineOptions} from '../../helpers/macos-machine.js'

const machines: MacMachine[] = []
function mac(options: MacMachineOptions = {}): MacMachine {
  const machine = makeMacMachine(options)
  machines.push(machine)
  return machine
}
afterEach(() => {
  for (const machine of machines.splice(0)) {
    expect(machine.violations()).toEqual([])
    machine.cleanup()
  }
})

const pemCertificate = (name: string): Certificate => parseCertificate(certificatesFromPem(readFileSync(`${FIXTURES}${name}`, 'utf8'))[0])
const bob = pemCertificate('certs/bob-rsa.pem')
const intermediate = pemCertificate('ca/intermediate.pem')

/** Typed as the service sees it. */
function sessionOn(machine: MacMachine, keychain = machine.keychain): ContactStoreSession {
  return new KeychainContactSession({machine: machine.machine, keychain, label: 'the login keychain'})
}

const importLine = (machine: MacMachine, name: string) => `import "${FIXTURES}p12/${name}.p12" -k "${machine.keychain}" -f pkcs12 -P "${manifest[`p12/${name}.p12`].password}"\n`

describe('KeychainContactSession', () => {
  it('adds the certificate and its issuer without keys or trust, names each by SHA-1, adds again without error, and removes exactly them', async () => {
    const machine = mac()
    const session = sessionOn(machine)
    expect(await session.holds(bob, 'correspondent')).toBe(false)

    const added = [await session.add(bob, 'correspondent'), await session.add(intermediate, 'issuer')]
    expect(added).toEqual([
      {sha256: bob.fingerprints.sha256, role: 'correspondent', name: bob.fingerprints.sha1.toUpperCase()},
      {sha256: intermediate.fingerprints.sha256, role: 'issuer', name: intermediate.fingerprints.sha1.toUpperCase()},
    ])
    const keychain = machine.readKeychain()
    expect(keychain.certificates.map((c) => c.sha256.toLowerCase())).toEqual([bob.fingerprints.sha256, intermediate.fingerprints.sha256])
    expect(keychain.keys).toEqual([])
    expect(keychain.trustSettings).toEqual([])
    expect(await session.holds(bob, 'correspondent')).toBe(true)
    expect(await session.holds(intermediate, 'issuer')).toBe(true)

    // Already there: the tool says "already in" and exits 1; for mailcert that is done.
    expect(await session.add(bob, 'correspondent')).toEqual(added[0])
    expect(machine.readKeychain().certificates).toHaveLength(2)

    const adds = machine.calls().filter((call) => call.argv[0] === 'add-certificates')
    expect(adds.map((call) => call.argv.slice(0, 3))).toEqual(Array.from({length: 3}, () => ['add-certificates', '-k', machine.keychain]))
    expect(adds.at(-1)?.status).toBe(1)
    // The temporary certificate files are gone after each add.
    for (const call of adds) expect(existsSync(call.argv[3])).toBe(false)

    for (const one of added) await session.remove(one)
    expect(machine.readKeychain().certificates).toEqual([])
    // Gone already is out.
    await session.remove(added[0])
    await session.close()
  })

  it('never removes a certificate whose private key is in the keychain, even a key that only decrypts (find-identity would not list it)', async () => {
    const machine = mac()
    const session = sessionOn(machine)
    const added = await session.add(bob, 'correspondent')
    // Later Bob installs his own identity on this Mac: the key now pairs with the certificate mailcert added.
    expect(machine.security(['-q', '-i'], importLine(machine, 'bob-rsa')).status).toBe(0)
    await session.remove(added)
    expect(machine.readKeychain().certificates.map((c) => c.sha256.toLowerCase())).toContain(bob.fingerprints.sha256)

    const file = machine.keychain
    const data = machine.readKeychain()
    data.keys = data.keys.map((key) => ({...key, canSign: false}))
    writeFileSync(file, JSON.stringify(data))
    expect(machine.security(['find-identity', file]).stdout).toContain('     0 identities found\n')
    await sessionOn(machine).remove(added)
    expect(machine.readKeychain().certificates.map((c) => c.sha256.toLowerCase())).toContain(bob.fingerprints.sha256)
    expect(machine.calls().filter((call) => call.argv[0] === 'delete-certificate')).toEqual([])
  })

  it('refuses a locked keychain (exit 6, nothing changed) and names a keychain that is not there', async () => {
    const locked = mac({locked: true})
    const error = await sessionOn(locked)
      .add(bob, 'correspondent')
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(UserError)
    expect(error).toMatchObject({code: 'keychain-locked', exitCode: ExitCode.busy})
    expect((error as UserError).hints.join(' ')).not.toContain('--grant-key-access')
    expect(locked.readKeychain().certificates).toEqual([])

    const machine = mac()
    const absent = `${machine.home}/Library/Keychains/absent.keychain-db`
    await expect(sessionOn(machine, absent).add(bob, 'correspondent')).rejects.toMatchObject({code: 'no-such-keychain', message: `There is no keychain at ${absent}.`})
  })
})

describe('the correspondent store of Apple Mail and Outlook for Mac', () => {
  it('is the login keychain, the same ref from both clients, read by the client that named it and never busy', async () => {
    const machine = mac()
    installMailApp(machine.systemRoot)
    installOutlookApp(machine.systemRoot)
    const context = {machine: machine.machine, flags: {}}
    const [mail] = await appleMail.correspondentStores!(await appleMail.survey(context), context)
    const [outlook] = await outlookForMac.correspondentStores!(await outlookForMac.survey(context), context)
    expect(mail.ref).toEqual(keychainRefAt(machine.keychain))
    expect(outlook.ref).toEqual(mail.ref)
    expect([mail.readers, outlook.readers, mail.busy, outlook.busy]).toEqual([['Apple Mail'], ['Outlook for Mac'], null, null])

    const session = await mail.open(async () => {
      throw new Error('the keychain store asks for no password')
    })
    await session.add(bob, 'correspondent')
    expect(await (await outlook.open(async () => '')).holds(bob, 'correspondent')).toBe(true)
  })

  it('is none where the client is not installed', async () => {
    const machine = mac()
    const context = {machine: machine.machine, flags: {}}
    expect(await appleMail.correspondentStores!(await appleMail.survey(context), context)).toEqual([])
    expect(await outlookForMac.correspondentStores!(await outlookForMac.survey(context), context)).toEqual([])
  })
})
