/** The parsers of `security`'s output, with the strings research/macos-mail.md §1 documents. */
import {describe, expect, it} from 'vitest'

import {ExternalError} from '../../../src/errors.js'
import {classifySecurityError, parseCertificateKeyHashes, parseFindCertificate, parseFindIdentity, parseIdentityPreference, parseKeychainPaths, parsePrivateKeyHashes} from '../../../src/stores/keychain/security-output.js'
import {commandLine, quoteArgument} from '../../../src/stores/keychain/security-tool.js'
import {FIXTURES} from '../../helpers/fixtures.js'
import {readFileSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {splitLine} from '../../macos/security-simulator/split-line.mjs'

const A = '3F1C2B4D5E6F708192A3B4C5D6E7F8091A2B3C9A'
const B = 'B4C5D6E7F8091A2B3C3F1C2B4D5E6F708192A39A'

describe('parseKeychainPaths', () => {
  it('reads the quoted paths login-keychain, default-keychain and list-keychains print', () => {
    expect(parseKeychainPaths('    "/Users/u/Library/Keychains/login.keychain-db"\n')).toEqual(['/Users/u/Library/Keychains/login.keychain-db'])
    expect(parseKeychainPaths('    "/Users/u/Library/Keychains/login.keychain-db"\n    "/Library/Keychains/System.keychain"\n')).toEqual(['/Users/u/Library/Keychains/login.keychain-db', '/Library/Keychains/System.keychain'])
    expect(parseKeychainPaths('')).toEqual([])
  })
})

describe('parseFindIdentity', () => {
  it('reads the -v output: SHA-1, label, and the trust error when there is one', () => {
    const output = `  1) ${A} "Jane Doe"\n  2) ${B} "jane@example.com" (CSSMERR_TP_CERT_EXPIRED)\n     2 valid identities found\n`
    expect(parseFindIdentity(output)).toEqual({
      matching: null,
      valid: [
        {sha1: A, label: 'Jane Doe', trustError: null},
        {sha1: B, label: 'jane@example.com', trustError: 'CSSMERR_TP_CERT_EXPIRED'},
      ],
    })
  })

  it('reads both sections without -v, and only the first policy', () => {
    const output = `\nPolicy: S/MIME\n  Matching identities\n  1) ${A} "Jane "JD" Doe" (CSSMERR_TP_NOT_TRUSTED)\n  2) ${B} "jane@example.com"\n     2 identities found\n\n  Valid identities only\n  1) ${B} "jane@example.com"\n     1 valid identities found\n\nPolicy: X.509 Basic\n  Matching identities\n  1) ${A} "x"\n`
    expect(parseFindIdentity(output)).toEqual({
      matching: [
        {sha1: A, label: 'Jane "JD" Doe', trustError: 'CSSMERR_TP_NOT_TRUSTED'},
        {sha1: B, label: 'jane@example.com', trustError: null},
      ],
      valid: [{sha1: B, label: 'jane@example.com', trustError: null}],
    })
    expect(parseFindIdentity('     0 valid identities found\n')).toEqual({matching: null, valid: []})
  })
})

describe('parseFindCertificate', () => {
  const der = readFileSync(`${FIXTURES}certs/mailbox-rsa.der`)
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`
  const sha1 = createHash('sha1').update(der).digest('hex').toUpperCase()
  const sha256 = createHash('sha256').update(der).digest('hex').toUpperCase()

  it('reads -Z -p blocks: SHA-256 (optional), SHA-1, PEM', () => {
    const output = `SHA-256 hash: ${sha256}\nSHA-1 hash: ${sha1}\n${pem}SHA-256 hash: ${sha256}\nSHA-1 hash: ${sha1}\nemail addresses: alice@example.com, a@example.org\n${pem}`
    const blocks = parseFindCertificate(output)
    expect(blocks).toHaveLength(2)
    expect(blocks[0]).toEqual({sha256, sha1, emails: null, der})
    expect(blocks[1].emails).toEqual(['alice@example.com', 'a@example.org'])
  })

  it('reads the older output with only SHA-1, and -Z without -p (the attribute dump is skipped)', () => {
    expect(parseFindCertificate(`SHA-1 hash: ${sha1}\n${pem}SHA-1 hash: ${B}\n${pem}`).map((block) => [block.sha256, block.sha1, block.der?.length])).toEqual([
      [null, sha1, der.length],
      [null, B, der.length],
    ])
    const dump = `SHA-256 hash: ${sha256}\nSHA-1 hash: ${sha1}\nkeychain: "/Users/u/Library/Keychains/login.keychain-db"\nversion: 512\nclass: 0x80001000 \nattributes:\n    "labl"<blob>="Alice"\n`
    expect(parseFindCertificate(dump)).toEqual([{sha256, sha1, emails: null, der: null}])
    expect(parseFindCertificate('')).toEqual([])
  })

  it('reads get-identity-preference -c -Z -p', () => {
    expect(parseIdentityPreference(`common name: "Alice Example"\nSHA-256 hash: ${sha256}\nSHA-1 hash: ${sha1}\n${pem}`)).toEqual({commonName: 'Alice Example', sha256, sha1, der})
    expect(parseIdentityPreference(`SHA-1 hash: ${sha1}\nkeychain: "/k"\n`)).toEqual({commonName: null, sha256: null, sha1, der: null})
  })
})

describe('classifySecurityError', () => {
  it('gives each documented error line its stable code', () => {
    const cases: Array<[string, string | null]> = [
      ['security: SecKeychainItemImport: MAC verification failed during PKCS12 import (wrong password?)', 'wrong-password'],
      ['security: SecKeychainItemImport: The user name or passphrase you entered is not correct.', 'wrong-password'],
      ['security: SecKeychainUnlock: The user name or passphrase you entered is not correct.', 'wrong-keychain-password'],
      ['security: SecKeychainUnlock /Users/u/Library/Keychains/login.keychain-db: The user name or passphrase you entered is not correct.', 'wrong-keychain-password'],
      ['security: SecKeychainItemImport: Unable to decode the provided data.', 'cannot-decode'],
      ['security: SecKeychainItemImport: The specified item already exists in the keychain.', 'duplicate'],
      ['security: SecKeychainItemImport: User interaction is not allowed.', 'keychain-locked'],
      ['security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.', 'not-found'],
      ['security: SecCertificateFindByEmail: The specified item could not be found in the keychain.', 'not-found'],
      ['security: SecIdentityCopyPreference: The specified item could not be found in the keychain.', 'not-found'],
      [`Unable to delete certificate matching "${A}"`, 'not-found'],
      ['security: SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction was possible.', 'auth-unavailable'],
      ['security: SecTrustSettingsSetTrustSettings: The authorization was canceled by the user.', 'auth-denied'],
      ['security: SecKeychainItemImport: The specified keychain could not be found.', 'no-such-keychain'],
      ['security: something new', null],
    ]
    for (const [line, code] of cases) expect([line, classifySecurityError(`${line}\n`)]).toEqual([line, code])
  })
})

describe('commandLine', () => {
  it('quotes each argument so that split_line gives it back, backslashes and quotes included', () => {
    const args = ['import', '/Users/o\'neil/My "p12" files/x.p12', '-k', '/a\\b', '-P', 'p"w\\d \t x', '']
    const line = commandLine(args)
    expect(line.endsWith('\n')).toBe(true)
    expect(splitLine(line.slice(0, -1)).args).toEqual(args)
    expect(quoteArgument('a"b\\c')).toBe('"a\\"b\\\\c"')
  })

  it('refuses what split_line would cut: a line break, more than 32 arguments, more than 4095 bytes', () => {
    expect(() => commandLine(['import', 'a\nb'])).toThrow(ExternalError)
    expect(() => commandLine(Array.from({length: 33}, () => 'x'))).toThrow(/at most 32/)
    expect(() => commandLine(['import', 'x'.repeat(4100)])).toThrow(/4095 bytes/)
  })
})

describe('the public key hashes that pair a certificate with its private key', () => {
  const H1 = 'AA11BB22CC33DD44EE55FF6677889900AABBCCDD'
  const H2 = '0102030405060708090A0B0C0D0E0F1011121314'
  const certificateDump = (sha1: string, hpky: string) =>
    `SHA-256 hash: ${'0'.repeat(64)}\nSHA-1 hash: ${sha1}\nkeychain: "/k"\nversion: 512\nclass: 0x80001000 \nattributes:\n    "alis"<blob>="bob@example.com"\n    "hpky"<blob>=${hpky}\n    "labl"<blob>="bob@example.com"\n`

  it('reads each certificate\'s hpky after its SHA-1 line, in hex with or without the ASCII rendering print_buffer adds', () => {
    const text = certificateDump(A, `0x${H1} `) + certificateDump(B, `0x${H2.toLowerCase()}  "\\001\\002"`)
    expect(parseCertificateKeyHashes(text)).toEqual([
      {sha1: A, publicKeyHash: H1},
      {sha1: B, publicKeyHash: H2},
    ])
    // A hash of printable bytes only is printed as a string: not read, so the caller keeps the certificate.
    expect(parseCertificateKeyHashes(certificateDump(A, '"abcdefghijklmnopqrst"'))).toEqual([{sha1: A, publicKeyHash: null}])
  })

  it('takes the label (attribute 6) of private keys only, not of public keys or of certificates', () => {
    const key = (itemClass: string, label: string) => `keychain: "/k"\nversion: 512\nclass: ${itemClass} \nattributes:\n    0x00000000 <uint32>=${itemClass} \n    0x00000006 <blob>=${label}\n`
    const text = key('0x00000010', `0x${H1} `) + key('0x0000000F', `0x${H2} `) + certificateDump(A, `0x${H2} `)
    expect(parsePrivateKeyHashes(text)).toEqual({hashes: new Set([H1]), unreadable: false})
    expect(parsePrivateKeyHashes(key('0x00000010', '"abcdefghijklmnopqrst"'))).toEqual({hashes: new Set(), unreadable: true})
    expect(parsePrivateKeyHashes('')).toEqual({hashes: new Set(), unreadable: false})
  })

  it('classifies add-certificates\' "already in" line as a duplicate, with -k or for the default keychain', () => {
    expect(classifySecurityError('security: /tmp/m/certificate.cer-1: already in /Users/u/Library/Keychains/login.keychain-db\n')).toBe('duplicate')
    expect(classifySecurityError('security: /tmp/c.cer: already in default keychain\n')).toBe('duplicate')
  })
})
