import {execFileSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'

import {certificatesFromPem, parseCertificate} from '../../../src/identity/certificate.js'
import type {Certificate} from '../../../src/identity/certificate-types.js'
import {nssDbKey, sameDbKey} from '../../../src/stores/nss/dbkey.js'
import {FIXTURES, fixture, manifest} from '../../helpers/fixtures.js'
import {importPkcs12, newNssDatabase, nssTool} from '../../helpers/nss.js'

const FIND_BY_DBKEY = fileURLToPath(new URL('../../helpers/nss-find-by-dbkey.py', import.meta.url))

const certificate = (name: string): Certificate => parseCertificate(certificatesFromPem(fixture(`certs/${name}.pem`).toString('ascii'))[0])

interface Element {
  offset: number
  headerLength: number
  length: number
  depth: number
  kind: string
}

/** OpenSSL's view of a certificate: the DER bytes and the elements `openssl asn1parse` lists. */
function opensslView(name: string): {der: Buffer; elements: Element[]} {
  const der = execFileSync('openssl', ['x509', '-in', `${FIXTURES}certs/${name}.pem`, '-outform', 'DER'])
  const listing = execFileSync('openssl', ['asn1parse', '-inform', 'DER'], {input: der, encoding: 'utf8'})
  const elements = listing
    .split('\n')
    .map((line) => /^\s*(\d+):d=(\d+)\s+hl=(\d+)\s+l=\s*(\d+)\s+(?:prim|cons):\s*(.*?)\s*(?::|$)/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((m) => ({offset: Number(m[1]), depth: Number(m[2]), headerLength: Number(m[3]), length: Number(m[4]), kind: m[5]}))
  return {der, elements}
}

/** The dbKey built from OpenSSL's offsets: the TBSCertificate's serial INTEGER contents and its issuer Name. */
function expectedDbKey(name: string): {dbKey: string; serial: Buffer; issuer: Buffer} {
  const {der, elements} = opensslView(name)
  // Children of the TBSCertificate: [0] version, serial, signature algorithm, issuer, ...
  const tbsFields = elements.filter((e) => e.depth === 2)
  expect(tbsFields[0].kind).toBe('cont [ 0 ]')
  const [serialField, , issuerField] = tbsFields.slice(1)
  expect(serialField.kind).toBe('INTEGER')
  expect(issuerField.kind).toBe('SEQUENCE')
  const serial = der.subarray(serialField.offset + serialField.headerLength, serialField.offset + serialField.headerLength + serialField.length)
  const issuer = der.subarray(issuerField.offset, issuerField.offset + issuerField.headerLength + issuerField.length)
  const lengths = Buffer.alloc(8)
  lengths.writeUInt32BE(serial.length, 0)
  lengths.writeUInt32BE(issuer.length, 4)
  return {dbKey: Buffer.concat([Buffer.alloc(8), lengths, serial, issuer]).toString('base64'), serial, issuer}
}

describe('nssDbKey: the layout measured in the prototype (research/prototype.md §3.1)', () => {
  // The prototype's issuer "C=DE, O=Proto Test, CN=Proto Intermediate CA", DER written out by hand.
  const protoIssuer = Buffer.concat([
    Buffer.from('3042310b3009060355040613024445', 'hex'),
    Buffer.from('3113301106035504' + '0a0c0a', 'hex'),
    Buffer.from('Proto Test'),
    Buffer.from('311e301c06035504' + '030c15', 'hex'),
    Buffer.from('Proto Intermediate CA'),
  ])
  const protoCertificate = (serialHex: string) => ({serialHex, issuer: {der: protoIssuer, attributes: [], text: ''}})

  it('gives the prototype\'s key for the serial with the high bit set (leading 00 kept)', () => {
    expect(protoIssuer.length).toBe(68)
    expect(nssDbKey(protoCertificate('008f1a2b3c4d5e6f7011'))).toBe(
      'AAAAAAAAAAAAAAAKAAAARACPGis8TV5vcBEwQjELMAkGA1UEBhMCREUxEzARBgNVBAoMClByb3RvIFRlc3QxHjAcBgNVBAMMFVByb3RvIEludGVybWVkaWF0ZSBDQQ==',
    )
  })

  it('gives the prototype\'s key for the serial without the high bit', () => {
    expect(nssDbKey(protoCertificate('1a2b3c4d5e6f7011'))).toBe(
      'AAAAAAAAAAAAAAAIAAAARBorPE1eb3ARMEIxCzAJBgNVBAYTAkRFMRMwEQYDVQQKDApQcm90byBUZXN0MR4wHAYDVQQDDBVQcm90byBJbnRlcm1lZGlhdGUgQ0E=',
    )
  })
})

describe('nssDbKey of the fixture certificates, checked against OpenSSL\'s reading of the DER', () => {
  it.each(['mailbox-rsa', 'ec-p256', 'ec-p384', 'organization-rsa', 'sponsor-rsa', 'ed25519'])('%s', (name) => {
    expect(nssDbKey(certificate(name))).toBe(expectedDbKey(name).dbKey)
  })

  it('keeps the leading 00 of serial 8F1A2B3C4D5E6F7011 (high bit set)', () => {
    const dbKey = Buffer.from(nssDbKey(certificate('mailbox-rsa')), 'base64')
    expect(manifest['certs/mailbox-rsa.pem'].serialDer).toBe('008F1A2B3C4D5E6F7011')
    expect(dbKey.readUInt32BE(8)).toBe(10)
    expect(dbKey.subarray(16, 26).toString('hex')).toBe('008f1a2b3c4d5e6f7011')
  })

  it('has no 00 before serial 1A2B3C4D5E6F7011 (high bit clear)', () => {
    const dbKey = Buffer.from(nssDbKey(certificate('ec-p256')), 'base64')
    expect(manifest['certs/ec-p256.pem'].serialDer).toBe('1A2B3C4D5E6F7011')
    expect(dbKey.readUInt32BE(8)).toBe(8)
    expect(dbKey.subarray(16, 24).toString('hex')).toBe('1a2b3c4d5e6f7011')
  })

  it('starts with 8 zero bytes, and is plain base64 with padding and no line breaks', () => {
    for (const name of ['mailbox-rsa', 'ec-p256', 'sponsor-rsa']) {
      const dbKey = nssDbKey(certificate(name))
      expect(dbKey).toMatch(/^AAAAAAAAAAAA[A-Za-z0-9+/]+={0,2}$/)
      expect(dbKey.length % 4).toBe(0)
    }
  })

  it('differs from the key built from Node\'s serialNumber, which drops the 00', () => {
    const {serial, issuer} = expectedDbKey('mailbox-rsa')
    const stripped = serial.subarray(1)
    const lengths = Buffer.alloc(8)
    lengths.writeUInt32BE(stripped.length, 0)
    lengths.writeUInt32BE(issuer.length, 4)
    const strippedKey = Buffer.concat([Buffer.alloc(8), lengths, stripped, issuer]).toString('base64')
    expect(nssDbKey(certificate('mailbox-rsa'))).not.toBe(strippedKey)
  })
})

describe('nssDbKey against NSS itself', () => {
  const databases: Record<string, string> = {}
  /** The TBSCertificate of the fixture, to compare with what NSS finds. */
  const tbsOf = (name: string): string => {
    const {der, elements} = opensslView(name)
    const tbs = elements.find((e) => e.depth === 1)!
    return der.subarray(tbs.offset, tbs.offset + tbs.headerLength + tbs.length).toString('base64')
  }
  const findByDbKey = (name: string, dbKey: string): string =>
    execFileSync('python3', [FIND_BY_DBKEY, `sql:${databases[name]}`, dbKey], {encoding: 'utf8'}).trim()

  beforeAll(() => {
    for (const name of ['mailbox-rsa', 'ec-p256']) {
      databases[name] = newNssDatabase({prefix: `mailcert-dbkey-${name}-`})
      const imported = importPkcs12(databases[name], `${FIXTURES}p12/${name}.p12`, 'test')
      expect(imported.status, imported.output).toBe(0)
    }
  })

  it('certutil shows the serial of the imported certificate with the leading 00 that the dbKey encodes', () => {
    const shown = nssTool('certutil', ['-L', '-d', `sql:${databases['mailbox-rsa']}`, '-n', 'Alice Example'])
    expect(shown.status, shown.output).toBe(0)
    const serialLine = /Serial Number:\s*\n\s*([0-9a-f:]+)/.exec(shown.stdout)
    expect(serialLine?.[1]).toBe('00:8f:1a:2b:3c:4d:5e:6f:70:11')
    const dbKey = Buffer.from(nssDbKey(certificate('mailbox-rsa')), 'base64')
    expect(dbKey.subarray(16, 16 + dbKey.readUInt32BE(8)).toString('hex')).toBe(serialLine![1].replaceAll(':', ''))
  })

  it('NSS finds the certificate by the dbKey, as Thunderbird\'s FindCertByDBKey does', () => {
    for (const name of ['mailbox-rsa', 'ec-p256']) {
      expect(findByDbKey(name, nssDbKey(certificate(name)))).toBe(`FOUND ${tbsOf(name)}`)
    }
  })

  it('NSS finds nothing with the serial stripped of its 00', () => {
    const dbKey = Buffer.from(nssDbKey(certificate('mailbox-rsa')), 'base64')
    const issuer = dbKey.subarray(26)
    const lengths = Buffer.alloc(8)
    lengths.writeUInt32BE(9, 0)
    lengths.writeUInt32BE(issuer.length, 4)
    const stripped = Buffer.concat([Buffer.alloc(8), lengths, dbKey.subarray(17, 26), issuer]).toString('base64')
    expect(findByDbKey('mailbox-rsa', stripped)).toBe('NOT FOUND')
  })
})

describe('sameDbKey', () => {
  const dbKey = nssDbKey(certificate('mailbox-rsa'))

  it('ignores the line breaks NSS\'s BTOA_DataToAscii puts every 64 characters, and other whitespace', () => {
    const wrapped = dbKey.replace(/(.{64})/g, '$1\r\n')
    expect(wrapped).not.toBe(dbKey)
    expect(sameDbKey(wrapped, dbKey)).toBe(true)
    expect(sameDbKey(` ${dbKey.slice(0, 10)}\n\t${dbKey.slice(10)} `, dbKey)).toBe(true)
  })

  it('tells different certificates apart', () => {
    expect(sameDbKey(dbKey, nssDbKey(certificate('ec-p256')))).toBe(false)
    expect(sameDbKey(dbKey, dbKey.slice(0, -4))).toBe(false)
    expect(sameDbKey(dbKey, '')).toBe(false)
  })
})
