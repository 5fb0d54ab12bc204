import {execFileSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import asn1 from 'node-forge/lib/asn1.js'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {certificatesFromPem, looksLikeCertificate, parseCertificate} from '../../src/identity/certificate.js'
import type {Certificate} from '../../src/identity/certificate-types.js'
import {VECTORS} from '../helpers/fixtures.js'


function vectorCertificate(path: string): Buffer {
  return certificatesFromPem(readFileSync(join(VECTORS, path), 'utf8'))[0]
}

// ---------------------------------------------------------------------------------------------------
// Certificates made here with openssl, so that each property is checked against bytes a real tool wrote.

let work: string

function openssl(...args: string[]): string {
  return execFileSync('openssl', args, {cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

const KEYS = {
  rsa: ['-newkey', 'rsa:2048'],
  p256: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  p384: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  p521: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
  ed25519: ['-newkey', 'ed25519'],
} as const

// `string_mask = default` lets OpenSSL choose T61String and BMPString for non-ASCII names, as old CAs did.
const REQUEST_CONFIG = '[req]\ndistinguished_name = dn\nutf8 = yes\nstring_mask = %MASK%\n[dn]\n'

interface LeafOptions {
  key: keyof typeof KEYS
  subject: string
  extensions: string[]
  serial?: string
  stringMask?: 'utf8only' | 'default'
  signatureOptions?: string[]
}

/** Issues a certificate from the test root; returns the PEM file's name. */
function issueLeaf(name: string, options: LeafOptions): string {
  writeFileSync(join(work, `${name}.cnf`), REQUEST_CONFIG.replace('%MASK%', options.stringMask ?? 'utf8only'))
  writeFileSync(join(work, `${name}.ext`), options.extensions.join('\n') + '\n')
  openssl('req', '-new', ...KEYS[options.key], '-nodes', '-keyout', `${name}.key`, '-config', `${name}.cnf`,
    '-subj', options.subject, '-out', `${name}.csr`)
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'root.pem', '-CAkey', 'root.key', '-days', '30',
    '-set_serial', options.serial ?? '0x1234', '-extfile', `${name}.ext`, ...(options.signatureOptions ?? []),
    '-out', `${name}.pem`)
  return `${name}.pem`
}

function pemFile(name: string): Buffer {
  return certificatesFromPem(readFileSync(join(work, name), 'utf8'))[0]
}

function opensslFingerprint(name: string, digest: 'sha1' | 'sha256'): string {
  // OpenSSL 3 prints `sha256 Fingerprint=AB:CD:…`.
  return openssl('x509', '-in', name, '-noout', '-fingerprint', `-${digest}`).trim().split('=')[1].replaceAll(':', '').toLowerCase()
}

const made: Record<string, Certificate> = {}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mailcert-certificate-'))
  openssl('req', '-x509', ...KEYS.rsa, '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '30',
    '-subj', '/C=DE/O=Example Test/CN=Example Test Root', '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
  made.root = parseCertificate(pemFile('root.pem'))

  made.alice = parseCertificate(pemFile(issueLeaf('alice', {
    key: 'rsa',
    // The serial's high bit is set, so its DER INTEGER needs a leading 00.
    serial: '0x8F1A2B3C4D5E6F7011',
    subject: '/C=DE/O=Example, Inc./GN=Jörg/SN=Müller/CN=Jörg Müller/emailAddress=subject@example.com',
    extensions: [
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, keyEncipherment',
      'extendedKeyUsage = emailProtection, clientAuth',
      'certificatePolicies = 2.23.140.1.5.3.2, 1.3.6.1.4.1.99999.1',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      'subjectAltName = @alt',
      '[alt]',
      'email.1 = alice@example.com',
      'email.2 = ALICE@example.com',
      // Without FORMAT:UTF8 OpenSSL reads the text as Latin-1 and encodes each byte.
      'otherName.1 = 1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8:jörg@exämple.de',
      'email.3 = bob@example.com',
    ],
  })))
  made.p256 = parseCertificate(pemFile(issueLeaf('p256', {key: 'p256', subject: '/CN=p256@example.com', extensions: ['keyUsage = critical, digitalSignature, keyAgreement']})))
  made.p384 = parseCertificate(pemFile(issueLeaf('p384', {key: 'p384', subject: '/CN=p384@example.com', extensions: ['keyUsage = critical, digitalSignature']})))
  made.p521 = parseCertificate(pemFile(issueLeaf('p521', {key: 'p521', subject: '/CN=p521@example.com', extensions: ['keyUsage = critical, digitalSignature']})))
  made.ed25519 = parseCertificate(pemFile(issueLeaf('ed25519', {
    key: 'ed25519',
    subject: '/CN=ed@example.com',
    extensions: ['keyUsage = critical, digitalSignature, nonRepudiation, encipherOnly, decipherOnly'],
  })))
  made.noKeyUsage = parseCertificate(pemFile(issueLeaf('no-key-usage', {
    key: 'p256',
    subject: '/emailAddress=carol@example.com',
    extensions: ['extendedKeyUsage = emailProtection'],
  })))
  made.legacyStrings = parseCertificate(pemFile(issueLeaf('legacy-strings', {
    key: 'p256',
    stringMask: 'default',
    subject: '/C=CN/O=黄恒 Ltd/CN=Jörg Müller',
    extensions: ['subjectAltName = email:dave@example.com'],
  })))
  made.pss = parseCertificate(pemFile(issueLeaf('pss', {
    key: 'p256',
    subject: '/CN=pss@example.com',
    extensions: ['keyUsage = digitalSignature'],
    signatureOptions: ['-sha384', '-sigopt', 'rsa_padding_mode:pss'],
  })))
})

afterAll(() => {
  if (work !== undefined) rmSync(work, {recursive: true, force: true})
})

describe('parseCertificate on openssl-made certificates', () => {
  it('keeps the leading 00 of a serial whose high bit is set (node:crypto drops it)', () => {
    expect(made.alice.serialHex).toBe('008f1a2b3c4d5e6f7011')
    expect(new X509Certificate(made.alice.der).serialNumber).toBe('8F1A2B3C4D5E6F7011')
    expect(made.p256.serialHex).toBe('1234')
  })

  it('reads names in order, with their DER bytes and a one-line text most significant last', () => {
    const {subject, issuer} = made.alice
    expect(subject.attributes.map(({type, value}) => [type, value])).toEqual([
      ['C', 'DE'],
      ['O', 'Example, Inc.'],
      ['givenName', 'Jörg'],
      ['surname', 'Müller'],
      ['CN', 'Jörg Müller'],
      ['emailAddress', 'subject@example.com'],
    ])
    expect(subject.attributes[4].oid).toBe('2.5.4.3')
    expect(subject.text).toBe(
      'emailAddress=subject@example.com, CN=Jörg Müller, surname=Müller, givenName=Jörg, O=Example\\, Inc., C=DE',
    )
    expect(issuer.text).toBe('CN=Example Test Root, O=Example Test, C=DE')
    // The issuer's bytes are the root's subject bytes, and each name is a slice of the certificate.
    expect(issuer.der.equals(made.root.subject.der)).toBe(true)
    expect(made.alice.der.indexOf(subject.der)).toBeGreaterThan(0)
    expect(subject.der[0]).toBe(0x30)
  })

  it('decodes TeletexString (as Latin-1) and BMPString (UTF-16BE) names', () => {
    const values = made.legacyStrings.subject.attributes.map((attribute) => attribute.value)
    expect(values).toEqual(['CN', '黄恒 Ltd', 'Jörg Müller'])
    const dump = openssl('asn1parse', '-in', 'legacy-strings.pem')
    expect(dump).toMatch(/BMPSTRING/)
    expect(dump).toMatch(/T61STRING/)
  })

  it('collects every address a mail client accepts: rfc822Name, then SmtpUTF8Mailbox, then the subject’s emailAddress, without case-insensitive duplicates', () => {
    expect(made.alice.emails).toEqual(['alice@example.com', 'bob@example.com', 'jörg@exämple.de', 'subject@example.com'])
    expect(made.alice.emailSources).toEqual(['rfc822Name', 'rfc822Name', 'SmtpUTF8Mailbox', 'subject'])
    expect(made.alice.malformedAddresses).toEqual([])
  })

  it('takes the subject’s emailAddress with a SAN and without one', () => {
    expect(made.noKeyUsage.emails).toEqual(['carol@example.com'])
    expect(made.noKeyUsage.emailSources).toEqual(['subject'])
    expect(made.p256.emails).toEqual([])
  })

  it('keeps an entry that holds two addresses out of the addresses, as a malformed one', () => {
    const certificate = parseCertificate(pemFile(issueLeaf('two-in-one', {
      key: 'p256',
      subject: '/CN=Dave/emailAddress=Dave Example <dave@example.com>',
      extensions: ['subjectAltName = @alt', '[alt]', 'email.1 = dave@example.com', 'email.2 = dave@example.org erin@example.org'],
    })))
    expect(certificate.emails).toEqual(['dave@example.com'])
    expect(certificate.malformedAddresses).toEqual([
      {value: 'dave@example.org erin@example.org', source: 'rfc822Name'},
      {value: 'Dave Example <dave@example.com>', source: 'subject'},
    ])
  })

  it('reads key usage bits, their criticality, and null when the extension is absent', () => {
    expect(made.alice.keyUsage).toEqual(['digitalSignature', 'keyEncipherment'])
    expect(made.alice.keyUsageCritical).toBe(true)
    expect(made.p256.keyUsage).toEqual(['digitalSignature', 'keyAgreement'])
    // decipherOnly is bit 8, in the BIT STRING's second byte.
    expect(made.ed25519.keyUsage).toEqual(['digitalSignature', 'nonRepudiation', 'encipherOnly', 'decipherOnly'])
    expect(made.noKeyUsage.keyUsage).toBeNull()
    expect(made.noKeyUsage.keyUsageCritical).toBe(false)
    expect(made.pss.keyUsageCritical).toBe(false)
  })

  it('reads extended key usage, basic constraints and policies', () => {
    expect(made.alice.extendedKeyUsage).toEqual(['1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.2'])
    expect(made.p256.extendedKeyUsage).toBeNull()
    expect(made.alice.basicConstraints).toEqual({ca: false})
    expect(made.root.basicConstraints).toEqual({ca: true, pathLength: 0})
    expect(made.p256.basicConstraints).toBeNull()
    expect(made.alice.policies).toEqual(['2.23.140.1.5.3.2', '1.3.6.1.4.1.99999.1'])
    expect(made.p256.policies).toEqual([])
  })

  it('links the leaf’s authority key identifier to the root’s subject key identifier', () => {
    expect(made.root.subjectKeyIdentifier).toMatch(/^[0-9a-f]{40}$/)
    expect(made.alice.authorityKeyIdentifier).toBe(made.root.subjectKeyIdentifier)
  })

  it.each([
    ['alice', {algorithm: 'RSA', bits: 2048, name: 'RSA 2048 bits'}],
    ['p256', {algorithm: 'EC', bits: 256, curve: 'P-256', name: 'EC P-256'}],
    ['p384', {algorithm: 'EC', bits: 384, curve: 'P-384', name: 'EC P-384'}],
    ['p521', {algorithm: 'EC', bits: 521, curve: 'P-521', name: 'EC P-521'}],
    ['ed25519', {algorithm: 'Ed25519', name: 'Ed25519'}],
  ])('reads the %s public key', (name, expected) => {
    expect(made[name].publicKey).toEqual(expected)
  })

  it('names the signature algorithm and its hash, including RSASSA-PSS parameters', () => {
    expect(made.alice.signatureAlgorithm).toEqual({oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256'})
    expect(made.pss.signatureAlgorithm).toEqual({oid: '1.2.840.113549.1.1.10', name: 'RSASSA-PSS', hash: 'SHA-384'})
  })

  it('tells a self-signed root from a leaf', () => {
    expect(made.root.selfSigned).toBe(true)
    expect(made.alice.selfSigned).toBe(false)
  })

  it('has the validity dates openssl reports', () => {
    const dates = openssl('x509', '-in', 'alice.pem', '-noout', '-startdate', '-enddate')
    const [, notBefore] = /notBefore=(.*)/.exec(dates) ?? []
    const [, notAfter] = /notAfter=(.*)/.exec(dates) ?? []
    expect(made.alice.notBefore).toEqual(new Date(notBefore))
    expect(made.alice.notAfter).toEqual(new Date(notAfter))
  })

  it.each(['root', 'alice', 'ed25519'])('has the fingerprints openssl computes for %s', (name) => {
    const file = name === 'root' ? 'root.pem' : `${name}.pem`
    expect(made[name].fingerprints).toEqual({
      sha1: opensslFingerprint(file, 'sha1'),
      sha256: opensslFingerprint(file, 'sha256'),
    })
  })

  it('decodes a UniversalString (UTF-32BE) name', () => {
    // OpenSSL will not write one any more; put one into a real certificate's subject. The signature no longer
    // matches, which parsing does not check.
    const certificate = asn1.fromDer(made.p256.der.toString('binary'))
    const tbs = certificate.value[0] as typeof certificate
    const fields = tbs.value as Array<typeof certificate>
    const utf32 = Buffer.alloc(16)
    ;[...'Ünï😀'].forEach((character, index) => utf32.writeUInt32BE(character.codePointAt(0) ?? 0, index * 4))
    const universalString = asn1.create(asn1.Class.UNIVERSAL, 28 as typeof asn1.Type.UTF8, false, utf32.toString('binary'))
    const commonName = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('2.5.4.3').getBytes())
    fields[5] = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [commonName, universalString]),
      ]),
    ])
    const patched = Buffer.from(asn1.toDer(certificate).getBytes(), 'binary')
    expect(parseCertificate(patched).subject.attributes).toEqual([{type: 'CN', oid: '2.5.4.3', value: 'Ünï😀'}])
  })
})

describe('parseCertificate on certificates from other projects', () => {
  it('reads Thunderbird’s test root', () => {
    const root = parseCertificate(vectorCertificate('thunderbird/TestCA.pem'))
    expect(root).toMatchObject({
      serialHex: '01',
      selfSigned: true,
      basicConstraints: {ca: true},
      keyUsage: ['keyCertSign', 'cRLSign'],
      keyUsageCritical: false,
      extendedKeyUsage: null,
      emails: [],
      publicKey: {algorithm: 'RSA', bits: 2048},
      notBefore: new Date('2026-01-26T14:38:03Z'),
      notAfter: new Date('2076-01-26T14:38:03Z'),
    })
    expect(root.subject.text).toBe('CN=NSS Test CA (RSA), O=BOGUS NSS, L=Mountain View, ST=California, C=US')
    expect(root.fingerprints.sha256).toBe(
      'ce2f0804d61de9f12328114a46c4e88a716e094607268023cc1d32921572c988',
    )
  })

  it('gives the non-ASCII address from a SmtpUTF8Mailbox otherName', () => {
    const certificate = parseCertificate(vectorCertificate('pkilint-smime/mailbox/multipurpose/smtputf8mailbox_only.crttest'))
    expect(certificate.emails).toEqual(['山田花子@example.com'])
    expect(certificate.emailSources).toEqual(['SmtpUTF8Mailbox'])
    expect(certificate.subject.text).toBe('CN=山田花子@example.com')
    expect(certificate.policies).toEqual(['2.23.140.1.5.1.2'])
  })

  it('reads a subject with UTF-8 names and an organizationIdentifier', () => {
    const certificate = parseCertificate(vectorCertificate('pkilint-smime/sponsored/multipurpose/trustasia_inclusion.crttest'))
    expect(certificate.subject.text).toBe(
      'CN=黄恒, surname=黄, givenName=恒, O=TrustAsia Technologies\\, Inc., organizationIdentifier=NTRCN\\+SH-913101040660431939, L=Xuhui District, ST=Shanghai, C=CN',
    )
  })

  it('reads an EC key and an Ed25519 key', () => {
    const ec = parseCertificate(vectorCertificate('pkilint-smime/individual/multipurpose/ecdsa_dual_use.crttest'))
    expect(ec.publicKey).toEqual({algorithm: 'EC', bits: 256, curve: 'P-256', name: 'EC P-256'})
    const ed = parseCertificate(vectorCertificate('pkilint-smime/organization/strict/ed25519.crttest'))
    expect(ed.publicKey).toEqual({algorithm: 'Ed25519', name: 'Ed25519'})
  })

  it('names the keys Node 20’s OpenSSL cannot load (ML-DSA, ML-KEM, X25519) by their OIDs', () => {
    const certificate = parseCertificate(vectorCertificate('pkilint-smime/organization/strict/mldsa44.crttest'))
    expect(certificate.publicKey).toEqual({algorithm: 'ML-DSA', name: 'ML-DSA-44', oid: '2.16.840.1.101.3.4.3.17'})
    const mlkem = parseCertificate(vectorCertificate('pkilint-smime/organization/strict/mlkem512_key_with_mldsa44_sig.crttest'))
    expect(mlkem.publicKey).toEqual({algorithm: 'ML-KEM', name: 'ML-KEM-512', oid: '2.16.840.1.101.3.4.4.1'})
    const x25519 = parseCertificate(vectorCertificate('pkilint-smime/organization/strict/x25519_disallowed.crttest'))
    expect(x25519.publicKey).toMatchObject({algorithm: 'X25519', name: 'X25519'})
    expect(certificate.signatureAlgorithm).toEqual({oid: '2.16.840.1.101.3.4.3.17', name: 'ML-DSA-44'})
    expect(certificate.selfSigned).toBe(false)
  })

  it('reads a SHA-1 signature', () => {
    const certificate = parseCertificate(vectorCertificate('pkilint-smime/individual/legacy/sha1_signature.crttest'))
    expect(certificate.signatureAlgorithm).toEqual({oid: '1.2.840.113549.1.1.5', name: 'sha1WithRSAEncryption', hash: 'SHA-1'})
  })
})

describe('telling certificates from other bytes', () => {
  const pkcs12 = () => readFileSync(join(VECTORS, 'thunderbird/Alice.p12'))

  it('recognises a DER certificate and rejects a PKCS#12 file and junk', () => {
    expect(looksLikeCertificate(vectorCertificate('thunderbird/TestCA.pem'))).toBe(true)
    expect(looksLikeCertificate(pkcs12())).toBe(false)
    expect(looksLikeCertificate(Buffer.from('-----BEGIN CERTIFICATE-----'))).toBe(false)
    expect(looksLikeCertificate(Buffer.alloc(0))).toBe(false)
    expect(looksLikeCertificate(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x30]))).toBe(false)
  })

  it.each([
    ['a PKCS#12 file', pkcs12],
    ['PEM text', () => readFileSync(join(VECTORS, 'thunderbird/TestCA.pem'))],
    ['a truncated certificate', () => vectorCertificate('thunderbird/TestCA.pem').subarray(0, 200)],
    ['an empty buffer', () => Buffer.alloc(0)],
  ])('refuses %s with a clear error', (_, bytes) => {
    expect(() => parseCertificate(bytes())).toThrow(expect.objectContaining({name: 'CertificateFormatError', message: expect.stringMatching(/^Not an X\.509 certificate/)}))
  })

  it('refuses a structure that only looks like a certificate', () => {
    // SEQUENCE { SEQUENCE { INTEGER 1 } }
    expect(() => parseCertificate(Buffer.from('30053003020101', 'hex'))).toThrow(/^Not an X\.509 certificate/)
  })
})

describe('certificatesFromPem', () => {
  it('finds every block, whatever the label and line endings, and keeps only the certificate of a TRUSTED one', () => {
    const root = readFileSync(join(work, 'root.pem'), 'utf8')
    const trusted = openssl('x509', '-in', 'root.pem', '-trustout', '-addtrust', 'emailProtection')
    expect(trusted).toMatch(/BEGIN TRUSTED CERTIFICATE/)
    const x509Label = readFileSync(join(work, 'alice.pem'), 'utf8').replace(/-----(BEGIN|END) CERTIFICATE/g, '-----$1 X509 CERTIFICATE')
    const text = ['junk before', root.replace(/\n/g, '\r\n'), 'between', trusted, x509Label].join('\n')

    const found = certificatesFromPem(text)
    expect(found).toHaveLength(3)
    expect(found[0].equals(made.root.der)).toBe(true)
    expect(found[1].equals(made.root.der)).toBe(true)
    expect(found[2].equals(made.alice.der)).toBe(true)
  })

  it('finds nothing in text without certificates', () => {
    expect(certificatesFromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')).toEqual([])
  })
})
