import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {inspectIdentity} from '../../src/identity/inspection.js'
import {fixture, manifest, plainHex, vector} from '../helpers/fixtures.js'

async function open(bytes: Buffer, password: string) {
  const input = decodeInput(bytes)
  if (input.kind !== 'pkcs12') throw new Error(`expected PKCS#12, got ${input.kind}`)
  return openPkcs12(input, password)
}

const pkcs12Fixtures = Object.entries(manifest).filter(([, entry]) => entry.kind === 'pkcs12')

describe('reading every PKCS#12 variant made by scripts/make-fixtures', () => {
  it.each(pkcs12Fixtures)('%s', async (name, entry) => {
    const {identity, protection} = await open(fixture(name), entry.password!)
    const inspection = inspectIdentity(identity, {path: name, format: 'PKCS#12', protection}, new Date('2027-01-01T00:00:00Z'))

    expect(inspection.emails).toEqual(entry.emails)
    expect(inspection.type).toBe(entry.type)
    expect(inspection.generation).toBe(entry.generation)
    expect(inspection.key.algorithm).toBe(entry.key!.algorithm)
    if (entry.key!.bits) expect(inspection.key.bits).toBe(entry.key!.bits)
    if (entry.key!.curve) expect(inspection.key.curve).toBe(entry.key!.curve)
    expect(inspection.chain.length + 1).toBe(entry.chainLength)
    expect(inspection.friendlyName).toBe(entry.friendlyName)
    expect(inspection.fingerprints.sha256).toBe(plainHex(entry.sha256!))
    expect(inspection.serialNumber).toBe(entry.serialDer!.toLowerCase())
    expect(inspection.file.mac === null ? null : inspection.file.mac.replace('HMAC-', '').toLowerCase()).toBe(entry.mac)

    const problems = [...new Set(inspection.findings.filter((f) => f.severity !== 'info').map((f) => f.code))].sort()
    expect(problems).toEqual([...entry.expect].sort())
    expect(identity.privateKey === null).toBe(entry.expect.includes('no-private-key'))
  })

  it('orders a chain that the file lists root first', async () => {
    const {identity} = await open(fixture('p12/rsa-chain-reversed.p12'), 'test')
    expect(identity.certificate.emails).toEqual(['alice@example.com'])
    expect(identity.chain.map((c) => c.subject.attributes.find((a) => a.type === 'CN')?.value)).toEqual([
      'mailcert Test Intermediate CA',
      'mailcert Test Root CA',
    ])
    expect(identity.chainComplete).toBe(true)
  })

  it('reports a wrong password as such, for every protection scheme', async () => {
    for (const name of ['p12/mailbox-rsa.p12', 'p12/rsa-legacy.p12', 'p12/rsa-3des-sha1.p12', 'p12/rsa-nomac.p12', 'p12/ec-nonascii.p12']) {
      await expect(open(fixture(name), 'not the password'), name).rejects.toMatchObject({code: 'wrong-password', exitCode: 3})
    }
  })

  it('accepts a non-ASCII password with PBES2 (UTF-8) and with the PKCS#12 KDF (BMP)', async () => {
    for (const name of ['p12/rsa-nonascii.p12', 'p12/rsa-nonascii-legacy.p12', 'p12/rsa-nonascii-3des.p12', 'p12/ec-nss-export.p12']) {
      const {identity} = await open(fixture(name), 'pässwörd')
      expect(identity.privateKey, name).not.toBeNull()
    }
    await expect(open(fixture('p12/rsa-nonascii.p12'), 'passwort')).rejects.toMatchObject({code: 'wrong-password'})
  })

  it('describes the protection of an NSS export (BER, AES, 600,000 iterations)', async () => {
    const {protection} = await open(fixture('p12/rsa-nss-export.p12'), 'pässwörd')
    expect(protection).toMatchObject({
      mac: 'HMAC-SHA256',
      macIterations: 600_000,
      certificateEncryption: 'AES-128-CBC (PBES2, PBKDF2-HMAC-SHA256)',
      keyEncryption: 'AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256)',
      keyIterations: 600_000,
    })
  })

  it('reads a file without a MAC and one with nothing encrypted at all', async () => {
    const nomac = await open(fixture('p12/rsa-nomac.p12'), 'test')
    expect(nomac.protection.mac).toBeNull()
    const plain = await open(fixture('p12/rsa-plain-nomac.p12'), 'anything')
    expect(plain.protection).toMatchObject({mac: null, certificateEncryption: null, keyEncryption: null})
    expect(plain.identity.privateKey).not.toBeNull()
  })
})

describe("Thunderbird's own S/MIME test identities (password nss)", () => {
  it.each([
    ['thunderbird/Alice.p12', 'Alice@example.com', 'RSA', 'RSA'],
    ['thunderbird/Bob.p12', 'Bob@example.com', 'RSA', 'RSA'],
    ['thunderbird/Alice-ec.p12', 'Alice-ec@example.com', 'EC', 'ECC'],
  ])('%s', async (name, email, algorithm, ca) => {
    const {identity} = await open(vector(name), 'nss')
    expect(identity.certificate.emails).toEqual([email])
    expect(identity.key?.algorithm).toBe(algorithm)
    expect(identity.keyMatchesCertificate).toBe(true)
    expect(identity.chain.map((c) => c.subject.text)).toEqual([`CN=NSS Test CA (${ca}), O=BOGUS NSS, L=Mountain View, ST=California, C=US`])
  })
})

describe('RFC 9579 PBMAC1 vectors (password 1234)', () => {
  it.each(['rfc9579/rfc9579-a1.txt', 'rfc9579/rfc9579-a2.txt', 'rfc9579/rfc9579-a3.txt'])('reads %s', async (name) => {
    const {identity, protection} = await open(vector(name), '1234')
    expect(protection.mac).toMatch(/^PBMAC1 /)
    expect(identity.privateKey).not.toBeNull()
  })

  it('recognises the vectors from their base64 text as well', () => {
    const input = decodeInput(fixtureText('rfc9579/rfc9579-a1.txt'))
    expect(input.format).toBe('PKCS#12 (base64)')
  })

  it('rejects a4 (bad iteration count) and a5 (wrong salt): the MAC fails although the password decrypts', async () => {
    for (const name of ['rfc9579/rfc9579-a4.txt', 'rfc9579/rfc9579-a5.txt']) {
      await expect(open(vector(name), '1234'), name).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/integrity check fails/)})
    }
  })

  it('rejects a6 (no key length) and the short-key bypass before trying any password', () => {
    expect(() => decodeInput(vector('rfc9579/rfc9579-a6.txt'))).toThrow(/key length/)
    expect(() => decodeInput(vector('rfc9579/pbmac1-short-key-bypass.txt'))).toThrow(/too short/)
  })

  it('says "wrong password" for a wrong password on a PBMAC1 file', async () => {
    await expect(open(vector('rfc9579/rfc9579-a1.txt'), '12345')).rejects.toMatchObject({code: 'wrong-password'})
  })
})

function fixtureText(name: string): Buffer {
  return Buffer.from(vector(name).toString('base64'), 'ascii')
}
