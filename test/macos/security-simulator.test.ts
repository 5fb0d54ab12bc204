/**
 * The simulator refuses what research/macos-mail.md says the real `security` refuses on each
 * version, accepts what it accepts, and records a violation wherever the real tool would wait for
 * a dialog or a terminal, or a secret reaches its argument list.
 */
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {FIXTURES, manifest} from '../helpers/fixtures.js'
import {makeMacMachine, type MacMachine, type MacMachineOptions} from '../helpers/macos-machine.js'

const machines: MacMachine[] = []
function mac(options: MacMachineOptions = {}): MacMachine {
  const machine = makeMacMachine(options)
  machines.push(machine)
  return machine
}
afterEach(() => {
  for (const machine of machines.splice(0)) machine.cleanup()
})

const p12 = (name: string) => `${FIXTURES}p12/${name}.p12`
const importLine = (machine: MacMachine, name: string, extra = '-f pkcs12', password = manifest[`p12/${name}.p12`].password ?? '') =>
  `import "${p12(name)}" -k "${machine.keychain}" ${extra} -P "${password}"\n`

describe('security import on macOS 14 (the legacy decoder for every import)', () => {
  it('takes a 3DES/RC2 file with a SHA-1 MAC, chain included, and prints the counts; refuses an AES file with the MAC message', () => {
    const machine = mac({version: '14.6'})
    const legacy = machine.security(['-i'], importLine(machine, 'rsa-legacy'))
    expect(legacy).toMatchObject({status: 0, stdout: '1 identity imported.\n2 certificates imported.\n', stderr: ''})
    const ec = machine.security(['-q', '-i'], importLine(machine, 'ec-3des-sha1', ''))
    // Its chain is the RSA one, already there: only the identity is new.
    expect(ec).toMatchObject({status: 0, stdout: '1 identity imported.\n'})

    const aes = machine.security(['-i'], importLine(machine, 'mailbox-rsa'))
    expect(aes.status).toBe(1)
    expect(aes.stderr).toBe('security: SecKeychainItemImport: MAC verification failed during PKCS12 import (wrong password?)\nimport: returned 1\n')

    const keychain = machine.readKeychain()
    expect(keychain.keys.map((key) => [key.label, key.type, key.partitions])).toEqual([
      ['Alice Example', 'rsa', ['apple-tool:']],
      ['Alice Example', 'ec', ['apple-tool:']],
    ])
    expect(keychain.certificates).toHaveLength(4)
    expect(machine.violations()).toEqual([])
  })
})

describe('security import on macOS 15', () => {
  it('with -f pkcs12 takes the OpenSSL 3 default (AES-256, SHA-256 MAC) and prints nothing; without -f it is the legacy decoder again', () => {
    const machine = mac({version: '15.2'})
    expect(machine.security(['-q', '-i'], importLine(machine, 'ec-p256'))).toMatchObject({status: 0, stdout: '', stderr: ''})
    const withoutFormat = machine.security(['-q', '-i'], importLine(machine, 'mailbox-rsa', ''))
    expect(withoutFormat).toMatchObject({status: 1, stderr: 'security: SecKeychainItemImport: MAC verification failed during PKCS12 import (wrong password?)\n'})
    expect(machine.readKeychain().keys).toHaveLength(1)
    expect(machine.violations()).toEqual([])
  })

  it('refuses AES-128 even with -f pkcs12, a wrong password with errSecAuthFailed, and a second import as a duplicate', () => {
    const machine = mac({version: '15.2'})
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-aes128')).stderr).toBe('security: SecKeychainItemImport: Unable to decode the provided data.\n')
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-legacy', '-f pkcs12', 'wrong')).stderr).toBe('security: SecKeychainItemImport: The user name or passphrase you entered is not correct.\n')
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-legacy')).status).toBe(0)
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-legacy')).stderr).toBe('security: SecKeychainItemImport: The specified item already exists in the keychain.\n')
    expect(machine.violations()).toEqual([])
  })

  it('cannot import into a locked keychain without a GUI to ask for its password', () => {
    const machine = mac({version: '15.2', locked: true})
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-legacy'))).toMatchObject({status: 1, stderr: 'security: SecKeychainItemImport: User interaction is not allowed.\n'})
    expect(machine.readKeychain().certificates).toEqual([])
  })
})

describe('strictness', () => {
  it('records a missing -P and a non-ASCII -P as the dialog (14) or terminal prompt (15) they would be', () => {
    const old = mac({version: '14.6'})
    expect(old.security(['-q', '-i'], `import "${p12('rsa-legacy')}" -k "${old.keychain}" -f pkcs12\n`).status).toBe(1)
    const current = mac({version: '15.2'})
    expect(current.security(['-q', '-i'], importLine(current, 'rsa-nonascii-3des')).status).toBe(1)
    expect(old.violations()).toEqual([expect.objectContaining({rule: 'missing-password', detail: expect.stringContaining('SecurityAgent dialog on macOS 14')})])
    expect(current.violations()).toEqual([expect.objectContaining({rule: 'missing-password', detail: expect.stringContaining('not ASCII')})])
    expect(current.violations()[0].detail).toContain('from the terminal on macOS 15')
    expect(current.readKeychain().keys).toEqual([])
  })

  it('records a password in argv, and any argument holding a secret seen on stdin or registered by the test', () => {
    const machine = mac({secrets: ['registered-Secret-42']})
    expect(machine.security(['unlock-keychain', '-p', 'whatever', machine.keychain]).status).toBe(1)
    expect(machine.security(['find-certificate', '-c', 'x-registered-Secret-42-y']).status).toBe(1)
    expect(machine.security(['-q', '-i'], `unlock-keychain -p "seen-on-Stdin-7" "${machine.keychain}"\n`).status).toBe(51)
    expect(machine.security(['find-certificate', '-a', '-c', 'seen-on-Stdin-7']).status).toBe(1)
    expect(machine.violations().map((violation) => violation.rule)).toEqual(['password-in-argv', 'secret-in-argv', 'secret-in-argv'])
    // The logs never hold the secrets.
    const log = JSON.stringify([machine.calls(), machine.violations()])
    expect(log).not.toContain('registered-Secret-42')
    expect(log).not.toContain('seen-on-Stdin-7')
    expect(log).not.toContain('whatever')
  })

  it('reads -i lines as split_line does (quotes, backslash escapes) and never runs a last line without its newline', () => {
    const password = 'pa"ss\\word with space'
    const machine = mac({keychainPassword: password, locked: true})
    const escaped = password.replace(/[\\"]/g, '\\$&')
    expect(machine.security(['-q', '-i'], `unlock-keychain -p "${escaped}" "${machine.keychain}"\n`)).toMatchObject({status: 0, stderr: ''})
    expect(machine.readKeychain().locked).toBe(false)
    expect(machine.security(['-q', '-i'], `lock-keychain "${machine.keychain}"`).status).toBe(1)
    expect(machine.readKeychain().locked).toBe(false)
    expect(machine.violations()).toEqual([expect.objectContaining({rule: 'unterminated-line'})])
  })

  it('refuses set-key-partition-list without a filter that names the key, and without -k; a wrong -k fails in SecKeychainUnlock', () => {
    const machine = mac()
    const partitionList = (rest: string) => machine.security(['-q', '-i'], `set-key-partition-list -S apple-tool:,apple: -s ${rest} "${machine.keychain}"\n`)
    expect(partitionList('-l "x" -k "not-the-Password"')).toMatchObject({status: 51, stderr: 'security: SecKeychainUnlock: The user name or passphrase you entered is not correct.\n'})
    expect(partitionList('-k "login-Keychain-Pw1"').status).toBe(1)
    expect(partitionList('-l "x"').status).toBe(1)
    expect(machine.violations().map((violation) => violation.rule)).toEqual(['unfiltered-partition-list', 'missing-keychain-password'])
  })
})

describe('the rest of the tool', () => {
  it('lists the login keychain, finds identities with their trust result, and trusts a root only with an approving GUI', () => {
    const machine = mac({version: '14.6', ui: 'none'})
    expect(machine.security(['login-keychain'])).toMatchObject({status: 0, stdout: `    "${machine.keychain}"\n`})
    expect(machine.security(['-q', '-i'], importLine(machine, 'rsa-legacy')).status).toBe(0)
    const sha1 = machine.readKeychain().certificates[0].sha1
    const untrusted = machine.security(['find-identity', '-v', '-p', 'smime', '-s', 'alice@example.com', machine.keychain])
    expect(untrusted.stdout).toBe('     0 valid identities found\n')
    const all = machine.security(['find-identity', '-p', 'smime', '-s', 'alice@example.com', machine.keychain])
    expect(all.stdout).toBe(`\nPolicy: S/MIME\n  Matching identities\n  1) ${sha1} "alice@example.com" (CSSMERR_TP_NOT_TRUSTED)\n     1 identities found\n\n  Valid identities only\n     0 valid identities found\n`)

    const root = `${FIXTURES}ca/root.pem`
    const noGui = machine.security(['add-trusted-cert', '-r', 'trustRoot', '-p', 'smime', '-k', machine.keychain, root])
    expect(noGui).toMatchObject({status: 1, stderr: 'security: SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction was possible.\n'})
    machine.setUi('deny')
    expect(machine.security(['add-trusted-cert', '-r', 'trustRoot', '-p', 'smime', '-k', machine.keychain, root]).stderr).toBe('security: SecTrustSettingsSetTrustSettings: The authorization was canceled by the user.\n')
    machine.setUi('approve')
    expect(machine.security(['add-trusted-cert', '-r', 'trustRoot', '-p', 'smime', '-k', machine.keychain, root]).status).toBe(0)
    expect(machine.security(['find-identity', '-v', '-p', 'smime', '-s', 'alice@example.com', machine.keychain]).stdout).toBe(`  1) ${sha1} "alice@example.com"\n     1 valid identities found\n`)

    // The key security created is in its own partition only (research §1.4).
    expect(machine.security(['dump-keychain', '-a', machine.keychain]).stdout).toContain('        authorizations (1): partition_id\n        don\'t-require-password\n        description: apple-tool:\n')
    expect(machine.security(['set-identity-preference', '-s', 'alice@example.com', '-Z', sha1, machine.keychain]).status).toBe(0)
    expect(machine.security(['get-identity-preference', '-s', 'alice@example.com', '-Z', '-p']).stdout).toMatch(new RegExp(`^SHA-256 hash: [0-9A-F]{64}\\nSHA-1 hash: ${sha1}\\n-----BEGIN CERTIFICATE-----\\n`))
    expect(machine.security(['get-identity-preference', '-s', 'carol@example.com', '-Z'])).toMatchObject({status: 44, stderr: 'security: SecIdentityCopyPreference: The specified item could not be found in the keychain.\n'})
    expect(machine.violations()).toEqual([])
  })

  it('answers sw_vers from SystemVersion.plist', () => {
    const machine = mac({version: '14.6'})
    const swVers = path.join(machine.systemRoot, 'usr', 'bin', 'sw_vers')
    expect(spawnSync(swVers, [], {encoding: 'utf8'}).stdout).toBe('ProductName:\tmacOS\nProductVersion:\t14.6\nBuildVersion:\t23G80\n')
    expect(spawnSync(swVers, ['-productVersion'], {encoding: 'utf8'}).stdout).toBe('14.6\n')
  })
})

describe('security add-certificates (keychain_add.c) and the certificates it leaves without a key', () => {
  const bob = `${FIXTURES}certs/bob-rsa.pem`
  const aliceDer = `${FIXTURES}certs/mailbox-rsa.der`
  const sha256Of = (name: string) => manifest[name].sha256!.replaceAll(':', '')

  it('adds PEM and DER files to the -k keychain silently; find-certificate -a -Z -p and -e list them, find-identity does not', () => {
    const machine = mac({version: '15.2'})
    expect(machine.security(['add-certificates', '-k', machine.keychain, bob, aliceDer])).toEqual({status: 0, stdout: '', stderr: ''})
    const keychain = machine.readKeychain()
    expect(keychain.certificates.map((c) => c.sha256)).toEqual([sha256Of('certs/bob-rsa.pem'), sha256Of('certs/mailbox-rsa.der')])
    expect(keychain.keys).toEqual([])
    const [bobRecord] = keychain.certificates

    const all = machine.security(['find-certificate', '-a', '-Z', '-p', machine.keychain])
    expect(all.status).toBe(0)
    expect(all.stdout.match(/^SHA-256 hash: [0-9A-F]{64}\nSHA-1 hash: [0-9A-F]{40}\n-----BEGIN CERTIFICATE-----\n/gm)).toHaveLength(2)
    const byEmail = machine.security(['find-certificate', '-a', '-e', 'bob@example.com', '-Z', '-p', machine.keychain])
    expect(byEmail.stdout).toBe(`SHA-256 hash: ${bobRecord.sha256}\nSHA-1 hash: ${bobRecord.sha1}\n${readFileSync(bob, 'utf8').trim()}\n`)
    expect(machine.security(['find-certificate', '-a', '-e', 'carol@example.com', '-Z', '-p', machine.keychain])).toEqual({status: 0, stdout: '', stderr: ''})
    // A certificate without its private key is no identity.
    expect(machine.security(['find-identity', machine.keychain]).stdout).toContain('     0 identities found\n')
    expect(machine.violations()).toEqual([])
  })

  it('says a certificate already there is "already in" the keychain as -k named it (status 1), and goes on with the other files', () => {
    const machine = mac()
    expect(machine.security(['add-certificates', '-k', machine.keychain, bob]).status).toBe(0)
    const again = machine.security(['add-certificates', '-k', machine.keychain, bob, aliceDer])
    expect(again).toEqual({status: 1, stdout: '', stderr: `security: ${bob}: already in ${machine.keychain}\n`})
    expect(machine.readKeychain().certificates).toHaveLength(2)
    // Without -k it is the default keychain, named as such.
    expect(machine.security(['add-certificates', aliceDer])).toEqual({status: 1, stdout: '', stderr: `security: ${aliceDer}: already in default keychain\n`})
    // A name is resolved through the search list, and printed as typed.
    expect(machine.security(['add-certificates', '-k', 'login.keychain', bob]).stderr).toBe(`security: ${bob}: already in login.keychain\n`)
  })

  it('reports an unreadable file on stdout, a broken PEM block and bytes that are no certificate on stderr, and adds the rest', () => {
    const machine = mac()
    const missing = path.join(machine.home, 'nothing.cer')
    const brokenPem = path.join(machine.home, 'broken.pem')
    writeFileSync(brokenPem, '-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----\n')
    const random = `${FIXTURES}bad/random.p12`
    const result = machine.security(['add-certificates', '-k', machine.keychain, missing, brokenPem, random, bob])
    expect(result).toEqual({
      status: 1,
      stdout: `***Error reading file ${missing}\n`,
      stderr: `Error decoding cert file ${brokenPem}\nSecCertificateCreateFromData: Unknown format in import.\n`,
    })
    expect(machine.readKeychain().certificates.map((c) => c.sha256)).toEqual([sha256Of('certs/bob-rsa.pem')])
  })

  it('shows the usage for no file or an empty -k, fails on a locked keychain without a GUI and on a keychain that is not there', () => {
    const machine = mac({locked: true})
    expect(machine.security(['add-certificates', '-k', machine.keychain]).status).toBe(2)
    expect(machine.security(['add-certificates', '-k', '', bob]).status).toBe(2)
    expect(machine.security(['add-certificates', '-k', machine.keychain, bob])).toEqual({status: 1, stdout: '', stderr: 'security: SecCertificateAddToKeychain: User interaction is not allowed.\n'})
    expect(machine.readKeychain().certificates).toEqual([])
    const absent = path.join(machine.home, 'Library', 'Keychains', 'absent.keychain-db')
    expect(machine.security(['add-certificates', '-k', absent, bob])).toEqual({status: 1, stdout: '', stderr: 'security: SecCertificateAddToKeychain: The specified keychain could not be found.\n'})
    expect(machine.violations()).toEqual([])
  })

  it('delete-certificate -Z takes out a certificate without a key by SHA-1 or SHA-256; a second time it is "Unable to delete"', () => {
    const machine = mac()
    expect(machine.security(['add-certificates', '-k', machine.keychain, bob, aliceDer]).status).toBe(0)
    const [bobRecord, aliceRecord] = machine.readKeychain().certificates
    expect(machine.security(['delete-certificate', '-Z', bobRecord.sha1, machine.keychain])).toEqual({status: 0, stdout: '', stderr: ''})
    expect(machine.security(['delete-certificate', '-Z', aliceRecord.sha256, machine.keychain]).status).toBe(0)
    expect(machine.readKeychain().certificates).toEqual([])
    expect(machine.security(['delete-certificate', '-Z', bobRecord.sha1, machine.keychain])).toEqual({status: 1, stdout: '', stderr: `Unable to delete certificate matching "${bobRecord.sha1}"`})
  })
})
