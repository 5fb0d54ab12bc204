import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {type ContactCertificate, displayName, encryptionObstacle, readContactInput, refuseUnusableContact} from '../../src/contacts/contact-input.js'
import {UserError} from '../../src/errors.js'
import {certificatesOnly} from '../../src/identity/cms-signed-data.js'
import type {Identity} from '../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {signedMessage} from '../../src/share/signed-message.js'
import {FIXTURES, fixture, manifest, plainHex} from '../helpers/fixtures.js'

const work = mkdtempSync(join(tmpdir(), 'mailcert-contact-input-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

const NOW = new Date('2026-06-01T00:00:00Z')
const path = (name: string) => join(FIXTURES, name)

/** openssl's output (stdout) as bytes. */
function openssl(...args: string[]): Buffer {
  return execFileSync('openssl', args, {stdio: ['ignore', 'pipe', 'pipe']})
}

function file(name: string, content: Buffer | string): string {
  const target = join(work, name)
  writeFileSync(target, content)
  return target
}

const text = (...names: string[]) => names.map((name) => readFileSync(path(name), 'utf8')).join('')

/** The SHA-256 fingerprint of a fixture, as the certificate reader writes it. */
const sha256 = (name: string) => plainHex(manifest[name]!.sha256!)
const fingerprints = (certificates: ContactCertificate['chain']) => certificates.map((c) => c.fingerprints.sha256)

const BOB = sha256('certs/bob-rsa.pem')
const ALICE = sha256('certs/mailbox-rsa.pem')
const INTERMEDIATE = sha256('ca/intermediate.pem')
const ROOT = sha256('ca/root.pem')

/** The refusal `action` throws: a UserError, exit 4. */
function refusal(action: () => unknown): UserError {
  let caught: unknown
  try {
    action()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(UserError)
  const error = caught as UserError
  expect(error.exitCode).toBe(4)
  // One sentence for a person, not a stack of internals.
  expect(error.message).toMatch(/^[A-Z].*\.$/)
  expect(error.message).not.toMatch(/\n|undefined|\[object/)
  return error
}

/** The identity in a .p12 fixture, opened with its password from the manifest. */
async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error(`${name} is not read as PKCS#12`)
  return (await openPkcs12(input, manifest[name]!.password!)).identity
}

function refusalOf(bytes: Buffer | string): UserError {
  return refusal(() => readContactInput(Buffer.from(bytes)))
}

describe('readContactInput: certificates', () => {
  it('reads a DER .cer file', () => {
    const contact = readContactInput(fixture('certs/mailbox-rsa.der'))
    expect(contact.format).toBe('DER certificate')
    expect(contact.certificate.fingerprints.sha256).toBe(ALICE)
    expect(contact.certificate.emails).toEqual(['alice@example.com'])
    expect(contact.chain).toEqual([])
    expect(contact).not.toHaveProperty('from')
  })

  it('reads a DER file openssl wrote from a PEM certificate, byte for byte the same certificate', () => {
    const der = openssl('x509', '-in', path('certs/bob-rsa.pem'), '-outform', 'DER')
    const contact = readContactInput(der)
    expect(contact.format).toBe('DER certificate')
    expect(contact.certificate.der.equals(der)).toBe(true)
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
  })

  it('reads a PEM certificate alone', () => {
    const contact = readContactInput(fixture('certs/bob-rsa.pem'))
    expect(contact.format).toBe('PEM certificate')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(contact.chain).toEqual([])
  })

  it('reads a PEM with the leaf, the intermediate and the root: the chain nearest first, the root last', () => {
    const contact = readContactInput(Buffer.from(text('certs/bob-rsa.pem', 'ca/intermediate.pem', 'ca/root.pem')))
    expect(contact.format).toBe('PEM certificate')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
    expect(contact.chain.at(-1)!.selfSigned).toBe(true)
  })

  it('reads the committed chain bundle (leaf, intermediate, root)', () => {
    const contact = readContactInput(fixture('certs/chain-bundle.pem'))
    expect(contact.certificate.fingerprints.sha256).toBe(sha256('certs/chain-bundle.pem'))
    expect(contact.certificate.emails).toEqual(['alice@example.com'])
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('finds the person in a chain given in reverse order (root first), and orders the chain nearest first', () => {
    const contact = readContactInput(Buffer.from(text('ca/root.pem', 'ca/intermediate.pem', 'certs/bob-rsa.pem')))
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('reads a PEM with CRLF line ends', () => {
    const crlf = text('certs/bob-rsa.pem', 'ca/intermediate.pem').replace(/\r?\n/g, '\r\n')
    expect(crlf).toContain('\r\n')
    const contact = readContactInput(Buffer.from(crlf))
    expect(contact.format).toBe('PEM certificate')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE])
  })

  it('reads a PEM with text before the certificate (openssl x509 -text, or Bag Attributes)', () => {
    const printed = openssl('x509', '-in', path('certs/bob-rsa.pem'), '-text')
    expect(printed.toString()).toMatch(/^Certificate:/)
    expect(readContactInput(printed).certificate.fingerprints.sha256).toBe(BOB)
  })

  it.each([
    ['on one line', (b64: string) => b64],
    ['in 64-character lines', (b64: string) => b64.match(/.{1,64}/g)!.join('\n') + '\n'],
    ['in 76-character CRLF lines', (b64: string) => b64.match(/.{1,76}/g)!.join('\r\n') + '\r\n'],
  ])('reads base64 DER text without the PEM armour, %s', (_, layout) => {
    const der = fixture('certs/mailbox-rsa.der')
    const contact = readContactInput(Buffer.from(layout(der.toString('base64'))))
    expect(contact.format).toBe('DER certificate')
    expect(contact.certificate.der.equals(der)).toBe(true)
  })

  it('reads the key of an EC and of an Ed25519 certificate (whether they can be encrypted to is decided later)', () => {
    expect(readContactInput(fixture('certs/ec-p256.der')).certificate.publicKey.name).toBe('EC P-256')
    expect(readContactInput(fixture('certs/ed25519.pem')).certificate.publicKey.algorithm).toBe('Ed25519')
  })
})

describe('readContactInput: PKCS#7 certificates (.p7c/.p7b)', () => {
  const chainArgs = ['-certfile', path('certs/bob-rsa.pem'), '-certfile', path('ca/intermediate.pem'), '-certfile', path('ca/root.pem')]

  it.each([
    ['PEM', [] as string[]],
    ['DER', ['-outform', 'DER']],
  ])('reads a certs-only PKCS#7 in %s made by openssl crl2pkcs7', (form, outform) => {
    const bytes = openssl('crl2pkcs7', '-nocrl', ...chainArgs, ...outform)
    expect(bytes.subarray(0, 1).toString('latin1')).toBe(form === 'PEM' ? '-' : '0')
    const contact = readContactInput(bytes)
    expect(contact.format).toBe('PKCS#7 certificates')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('finds the person when the PKCS#7 lists the root first', () => {
    const bytes = openssl('crl2pkcs7', '-nocrl', '-outform', 'DER', '-certfile', path('ca/root.pem'), '-certfile', path('ca/intermediate.pem'), '-certfile', path('certs/bob-rsa.pem'))
    const contact = readContactInput(bytes)
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('prefers a certificate for e-mail protection to a TLS one in the same PKCS#7', () => {
    const bytes = openssl('crl2pkcs7', '-nocrl', '-outform', 'DER', '-certfile', path('certs/tls-server.pem'), '-certfile', path('certs/bob-rsa.pem'))
    expect(readContactInput(bytes).certificate.fingerprints.sha256).toBe(BOB)
  })

  it('reads a PKCS#7 PEM with CRLF line ends', () => {
    const bytes = openssl('crl2pkcs7', '-nocrl', ...chainArgs).toString('latin1').replace(/\n/g, '\r\n')
    expect(readContactInput(Buffer.from(bytes, 'latin1')).certificate.fingerprints.sha256).toBe(BOB)
  })

  it('reads a PKCS#7 given as base64 without armour', () => {
    const der = openssl('crl2pkcs7', '-nocrl', '-outform', 'DER', ...chainArgs)
    const contact = readContactInput(Buffer.from(der.toString('base64').match(/.{1,64}/g)!.join('\n')))
    expect(contact.format).toBe('PKCS#7 certificates')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
  })
})

describe('readContactInput: signed messages (.eml)', () => {
  const body = file('body.txt', 'Content-Type: text/plain\r\n\r\nHello Alice, this is my certificate.\r\n')
  const chain = file('chain.pem', text('certs/mailbox-rsa.pem', 'ca/intermediate.pem', 'ca/root.pem'))
  const sign = (...extra: string[]) =>
    openssl('smime', '-sign', '-in', body, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-certfile', chain, '-from', 'Bob Example <bob@example.com>', '-to', 'alice@example.com', '-subject', 'My certificate', ...extra)

  it('reads a detached multipart/signed message from openssl smime -sign: the signer is the From address, not the other certificates', () => {
    const message = sign()
    expect(message.toString()).toMatch(/Content-Type: multipart\/signed; protocol="application\/x-pkcs7-signature"/)
    const contact = readContactInput(message)
    expect(contact.format).toBe('signed message')
    expect(contact.from).toBe('bob@example.com')
    // Alice's certificate, travelling with the signature, is not taken for Bob's.
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('reads the same message with CRLF line ends (-crlfeol)', () => {
    const message = sign('-crlfeol')
    expect(message.toString()).toContain('\r\n\r\n')
    const contact = readContactInput(message)
    expect(contact.from).toBe('bob@example.com')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
  })

  it('reads an opaque signed message (application/pkcs7-mime, smime-type=signed-data, -nodetach)', () => {
    const message = sign('-nodetach')
    expect(message.toString()).toMatch(/Content-Type: application\/x-pkcs7-mime; smime-type=signed-data/)
    const contact = readContactInput(message)
    expect(contact.format).toBe('signed message')
    expect(contact.from).toBe('bob@example.com')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('takes the signer that matches the From address whatever its case, and falls back to the e-mail certificate', () => {
    const upper = sign().toString('latin1').replace('From: Bob Example <bob@example.com>', 'From: BOB@Example.COM')
    expect(readContactInput(Buffer.from(upper, 'latin1')).certificate.fingerprints.sha256).toBe(BOB)
    // Signed by Bob alone, From someone else: his certificate is still the only one there.
    const alone = openssl('smime', '-sign', '-in', body, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-from', 'carol@example.com')
    const contact = readContactInput(alone)
    expect(contact.from).toBe('carol@example.com')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(contact.chain).toEqual([])
  })

  it('takes the encryption certificate of a person who signs with a separate signing certificate, both sent along (as Outlook does)', async () => {
    const signing = await identityOf('p12/signing-only-rsa.p12')
    const encryption = readContactInput(fixture('certs/encryption-only-rsa.pem')).certificate
    // The signing certificate first in the SignedData, the encryption one after it.
    const both = {...signing, chain: [encryption, ...signing.chain]}
    const message = signedMessage(both, {now: NOW, unique: 'dual', encryptionCertificate: encryption})
    const contact = readContactInput(Buffer.from(message, 'ascii'))
    expect(contact.from).toBe('alice@example.com')
    expect(contact.certificate.fingerprints.sha256).toBe(sha256('certs/encryption-only-rsa.pem'))
    expect(() => refuseUnusableContact(contact, NOW)).not.toThrow()
    // The same two in a .p7c, signing first.
    const p7c = readContactInput(certificatesOnly([signing.certificate, encryption]))
    expect(p7c.certificate.fingerprints.sha256).toBe(sha256('certs/encryption-only-rsa.pem'))
    // And signed by openssl, which sorts the certificates.
    const signed = openssl('smime', '-sign', '-in', body, '-signer', path('certs/signing-only-rsa.pem'), '-inkey', path('keys/signing-only-rsa.key.pem'), '-certfile', path('certs/encryption-only-rsa.pem'), '-from', 'alice@example.com')
    expect(readContactInput(signed).certificate.fingerprints.sha256).toBe(sha256('certs/encryption-only-rsa.pem'))
    // Sent alone, the signing certificate is what there is: refused later, with the reason.
    const alone = readContactInput(certificatesOnly([signing.certificate]))
    expect(refusal(() => refuseUnusableContact(alone, NOW)).code).toBe('contact-not-for-encryption')
  })

  it('reads a signed message whose text quotes a PEM block as a signed message', () => {
    const quoting = file('quoting.txt', `Content-Type: text/plain\r\n\r\nAlice's certificate, for reference:\r\n${text('certs/mailbox-rsa.pem')}`)
    const message = openssl('smime', '-sign', '-in', quoting, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-from', 'bob@example.com')
    expect(message.toString()).toContain('-----BEGIN CERTIFICATE-----')
    const contact = readContactInput(message)
    expect(contact.format).toBe('signed message')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
  })

  it('reads a .p7m/.p7s file (the signature alone, DER) as its certificates', () => {
    const p7s = openssl('smime', '-sign', '-in', body, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-certfile', chain, '-outform', 'DER', '-nodetach')
    const contact = readContactInput(p7s)
    expect(contact.format).toBe('PKCS#7 certificates')
    expect(contact.certificate.emails.length).toBe(1)
    expect(fingerprints(contact.chain)).toEqual([INTERMEDIATE, ROOT])
  })

  it('reads a message that mailcert share signed with bob-rsa.p12', async () => {
    const identity = await identityOf('p12/bob-rsa.p12')
    const message = signedMessage(identity, {now: NOW, unique: 'fixed'})
    const contact = readContactInput(Buffer.from(message, 'ascii'))
    expect(contact.format).toBe('signed message')
    expect(contact.from).toBe('bob@example.com')
    expect(contact.certificate.fingerprints.sha256).toBe(BOB)
    expect(contact.certificate.der.equals(identity.certificate.der)).toBe(true)
    expect(contact.chain[0]!.fingerprints.sha256).toBe(INTERMEDIATE)
    expect(() => refuseUnusableContact(contact, NOW)).not.toThrow()
  })
})

describe('readContactInput: refusals (exit 4)', () => {
  it('refuses an empty file', () => {
    const error = refusalOf(Buffer.alloc(0))
    expect(error.code).toBe('contact-unreadable')
    expect(error.message).toBe('The file is empty.')
  })

  it.each([
    ['4096 random bytes', () => fixture('bad/random.p12')],
    ['random bytes that start like DER (0x30)', () => Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), fixture('bad/random.p12').subarray(0, 256)])],
    ['a lone 0x30 byte', () => Buffer.from([0x30])],
    ['a zip archive', () => fixture('bad/archive.zip')],
    ['plain text', () => fixture('bad/text.txt')],
  ])('refuses %s as unreadable', (_, bytes) => {
    const error = refusalOf(bytes())
    expect(error.code).toBe('contact-unreadable')
    expect(error.hints.join(' ')).toMatch(/certificate/)
  })

  it.each([
    ['p12/bob-rsa.p12'],
    ['p12/mailbox-rsa.p12'],
    ['p12/ec-p256.p12'],
  ])('refuses %s: it holds a private key', (name) => {
    const error = refusalOf(fixture(name))
    expect(error.code).toBe('contact-private-key')
    expect(error.message).toContain('PKCS#12')
  })

  it('refuses a .p12 given as base64 text', () => {
    const error = refusalOf(fixture('p12/bob-rsa.p12').toString('base64').match(/.{1,64}/g)!.join('\n'))
    expect(error.code).toBe('contact-private-key')
  })

  it('refuses PEM private keys: PKCS#8, traditional RSA, encrypted, and one beside its certificate', () => {
    const pkcs8 = fixture('keys/bob-rsa.key.pem')
    const traditional = openssl('pkey', '-in', path('keys/bob-rsa.key.pem'), '-traditional')
    const encrypted = openssl('pkcs8', '-topk8', '-in', path('keys/bob-rsa.key.pem'), '-passout', 'pass:test', '-v2', 'aes-256-cbc')
    const ec = openssl('ec', '-in', path('keys/ec-p256.key.pem'))
    expect(traditional.toString()).toContain('-----BEGIN RSA PRIVATE KEY-----')
    expect(encrypted.toString()).toContain('-----BEGIN ENCRYPTED PRIVATE KEY-----')
    expect(ec.toString()).toContain('-----BEGIN EC PRIVATE KEY-----')
    const nodes = openssl('pkcs12', '-in', path('p12/bob-rsa.p12'), '-passin', 'pass:test', '-nodes')
    for (const bytes of [pkcs8, traditional, encrypted, ec, Buffer.concat([fixture('certs/bob-rsa.pem'), pkcs8]), nodes]) {
      const error = refusalOf(bytes)
      expect(error.code).toBe('contact-private-key')
      expect(error.message).toContain('PEM private key')
    }
  })

  it.each([
    ['a MIME message', 'From: Bob <bob@example.com>\r\nTo: alice@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello.\r\n'],
    [
      'a multipart message with an attachment',
      'From: bob@example.com\nSubject: hi\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nHello.\n--b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\nAAEC\n--b1--\n',
    ],
    ['a plain RFC 5322 message without MIME headers', 'From: Bob <bob@example.com>\r\nTo: alice@example.com\r\nSubject: hi\r\nDate: Mon, 1 Jun 2026 10:00:00 +0000\r\n\r\nHello.\r\n'],
  ])('refuses an unsigned message: %s', (_, message) => {
    const error = refusalOf(message)
    expect(error.code).toBe('contact-unsigned-message')
    expect(error.message).toContain('not signed')
  })

  it('refuses an encrypted message (openssl smime -encrypt), which carries no certificate of its sender', () => {
    const body = file('secret.txt', 'Hello.\n')
    const message = openssl('smime', '-encrypt', '-aes256', '-in', body, '-from', 'bob@example.com', '-to', 'alice@example.com', '-subject', 'secret', path('certs/mailbox-rsa.pem'))
    expect(message.toString()).toContain('smime-type=enveloped-data')
    const error = refusalOf(message)
    expect(error.code).toBe('contact-encrypted-message')
    // Without the smime-type parameter it is still an encrypted message, not a damaged signature.
    const untyped = refusalOf(message.toString('latin1').replace(/; *smime-type=enveloped-data/, ''))
    expect(untyped.code).toBe('contact-encrypted-message')
    // The encrypted content alone, as a DER .p7m file.
    const p7m = openssl('smime', '-encrypt', '-aes256', '-in', body, '-outform', 'DER', path('certs/mailbox-rsa.pem'))
    expect(refusalOf(p7m).code).toBe('contact-encrypted-message')
  })

  it('refuses a signed message whose signature carries no certificate (-nocerts)', () => {
    const body = file('nocerts.txt', 'Hello.\n')
    const message = openssl('smime', '-sign', '-nocerts', '-in', body, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-from', 'bob@example.com')
    expect(refusalOf(message).code).toBe('contact-no-certificate')
  })

  it('refuses a signed message whose signature part is damaged', () => {
    const body = file('damaged.txt', 'Hello.\n')
    const message = openssl('smime', '-sign', '-in', body, '-signer', path('certs/bob-rsa.pem'), '-inkey', path('keys/bob-rsa.key.pem'), '-from', 'bob@example.com').toString('latin1')
    const damaged = message.replace(/(Content-Disposition: attachment; filename="smime\.p7s"\n\n)(.{20})/, (_, head: string) => `${head}AAAAAAAAAAAAAAAAAAAA`)
    expect(damaged).not.toBe(message)
    expect(refusalOf(damaged).code).toBe('contact-unreadable')
  })

  it.each([
    ['DER', ['-outform', 'DER']],
    ['PEM', [] as string[]],
  ])('refuses a %s PKCS#7 with no certificate', (_, outform) => {
    const error = refusalOf(openssl('crl2pkcs7', '-nocrl', ...outform))
    expect(error.code).toBe('contact-no-certificate')
    expect(error.message).toBe('This PKCS#7 file holds no certificate.')
  })

  it('refuses a PEM file with no certificate in it', () => {
    const error = refusalOf('-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n')
    expect(error.code).toBe('contact-no-certificate')
  })

  it('refuses damaged DER: a truncated certificate, a certificate with a broken inside, a truncated PKCS#7', () => {
    const der = fixture('certs/mailbox-rsa.der')
    // Cut short, even by one byte, it is a damaged certificate (not "a PKCS#7 file").
    for (const length of [Math.floor(der.length / 2), der.length - 1, 8]) {
      const truncated = refusalOf(der.subarray(0, length))
      expect(truncated.code).toBe('contact-unreadable')
      expect(truncated.message).toBe('This certificate is damaged (cut short or changed), so it cannot be read.')
    }
    // Its validity, overwritten with zeros, no longer parses; the outer structure still does.
    const broken = Buffer.from(der)
    const validity = broken.indexOf(Buffer.from('250101000000Z', 'ascii'))
    expect(validity).toBeGreaterThan(0)
    broken.fill(0, validity - 2, validity + 13)
    const inside = refusalOf(broken)
    expect(inside.code).toBe('contact-unreadable')
    expect(inside.message).toMatch(/^A certificate in this file is damaged: .+ cannot be read\.$/)
    const p7c = openssl('crl2pkcs7', '-nocrl', '-outform', 'DER', '-certfile', path('certs/bob-rsa.pem'))
    const cutP7c = refusalOf(p7c.subarray(0, p7c.length - 40))
    expect(cutP7c.code).toBe('contact-unreadable')
    expect(cutP7c.message).toBe('This PKCS#7 file cannot be read: it is damaged or not certificates.')
    // A cut-short .p12 is neither: unreadable, not mistaken for a certificate.
    expect(refusalOf(fixture('bad/truncated.p12')).code).toBe('contact-unreadable')
  })

  it('refuses a PEM certificate whose base64 is damaged', () => {
    const pem = text('certs/bob-rsa.pem')
    const lines = pem.split('\n')
    const damaged = [lines[0], ...lines.slice(4)].join('\n')
    expect(refusalOf(damaged).code).toBe('contact-unreadable')
  })
})

describe('refuseUnusableContact', () => {
  const contactOf = (name: string) => readContactInput(fixture(name))

  it.each([
    ['certs/bob-rsa.pem'],
    ['certs/mailbox-rsa.pem'],
    ['certs/encryption-only-rsa.pem'],
    ['certs/ec-p256.pem'],
    ['certs/no-keyusage.pem'],
  ])('lets %s through', (name) => {
    expect(refuseUnusableContact(contactOf(name), NOW)).toBeUndefined()
  })

  it.each([
    ['certs/expired.pem', 'contact-expired', 'The certificate of Alice Example expired on 2021-01-01, so mail can no longer be encrypted to it.'],
    ['certs/not-yet-valid.pem', 'contact-not-yet-valid', 'The certificate of Alice Example is not valid before 2040-01-01, so mail cannot be encrypted to it yet.'],
    ['certs/no-email.pem', 'contact-no-email', 'The certificate of Alice Example names no e-mail address, so no mail program can match it to a recipient.'],
    ['certs/tls-server.pem', 'contact-no-email', 'The certificate of Alice Example names no e-mail address, so no mail program can match it to a recipient.'],
    [
      'certs/ca-as-leaf.pem',
      'contact-is-ca',
      "This is the certificate of a certificate authority (mailcert Test Intermediate CA), not a person's, so mail cannot be encrypted to it.",
    ],
    ['ca/root.pem', 'contact-is-ca', "This is the certificate of a certificate authority (mailcert Test Root CA), not a person's, so mail cannot be encrypted to it."],
    [
      'certs/signing-only-rsa.pem',
      'contact-not-for-encryption',
      'The certificate of alice@example.com cannot be used to encrypt mail to them: its key usage (digitalSignature, nonRepudiation) does not include keyEncipherment.',
    ],
    [
      'certs/eku-client-only.pem',
      'contact-not-for-encryption',
      'The certificate of Alice Example cannot be used to encrypt mail to them: its extended key usage (clientAuth) does not include emailProtection.',
    ],
    [
      'certs/ed25519.pem',
      'contact-not-for-encryption',
      'The certificate of Alice Example Ed25519 cannot be used to encrypt mail to them: its key (Ed25519) can only sign.',
    ],
  ])('refuses %s with %s', (name, code, message) => {
    const error = refusal(() => refuseUnusableContact(contactOf(name), NOW))
    expect(error.code).toBe(code)
    expect(error.message).toBe(message)
    expect(error.hints.length).toBeGreaterThan(0)
  })

  it('decides by the date given: the expired certificate was usable in 2020, the future one is in 2041', () => {
    expect(() => refuseUnusableContact(contactOf('certs/expired.pem'), new Date('2020-06-01T00:00:00Z'))).not.toThrow()
    expect(() => refuseUnusableContact(contactOf('certs/not-yet-valid.pem'), new Date('2041-06-01T00:00:00Z'))).not.toThrow()
    // Both ends of the validity are inclusive (RFC 5280 §4.1.2.5).
    const bob = contactOf('certs/bob-rsa.pem')
    expect(() => refuseUnusableContact(bob, bob.certificate.notAfter)).not.toThrow()
    expect(() => refuseUnusableContact(bob, bob.certificate.notBefore)).not.toThrow()
    expect(refusal(() => refuseUnusableContact(bob, new Date(bob.certificate.notAfter.getTime() + 1000))).code).toBe('contact-expired')
  })

  it('judges the person, not the CA certificates that came along', () => {
    const contact = readContactInput(Buffer.from(text('ca/root.pem', 'ca/intermediate.pem', 'certs/bob-rsa.pem')))
    expect(() => refuseUnusableContact(contact, NOW)).not.toThrow()
  })
})

describe('encryptionObstacle', () => {
  const certificate = (name: string) => readContactInput(fixture(name)).certificate

  it.each([
    ['certs/bob-rsa.pem', null],
    ['certs/encryption-only-rsa.pem', null],
    ['certs/no-keyusage.pem', null],
    ['certs/ec-p256.pem', null],
    ['certs/signing-only-rsa.pem', 'its key usage (digitalSignature, nonRepudiation) does not include keyEncipherment'],
    ['certs/eku-client-only.pem', 'its extended key usage (clientAuth) does not include emailProtection'],
    ['certs/tls-server.pem', 'its extended key usage (serverAuth) does not include emailProtection'],
    ['certs/ed25519.pem', 'its key (Ed25519) can only sign'],
  ])('%s: %s', (name, obstacle) => {
    expect(encryptionObstacle(certificate(name))).toBe(obstacle)
  })

  it('asks an EC key for keyAgreement, not keyEncipherment', () => {
    const ec = certificate('certs/ec-keyencipherment-only.pem')
    expect(ec.publicKey.algorithm).toBe('EC')
    expect(encryptionObstacle(ec)).toBe('its key usage (keyEncipherment) does not include keyAgreement')
  })
})

describe('displayName', () => {
  it.each([
    ['certs/expired.pem', 'Alice Example'],
    ['certs/bob-rsa.pem', 'bob@example.com'],
    ['ca/intermediate.pem', 'mailcert Test Intermediate CA'],
    ['certs/ec-p256.pem', 'Alice Example EC'],
  ])('%s is %s (its CN)', (name, expected) => {
    expect(displayName(readContactInput(fixture(name)).certificate)).toBe(expected)
  })

  it('falls back to the first address, then to the subject, for certificates without a CN (made by openssl req)', () => {
    const selfSigned = (subject: string, ...extensions: string[]) =>
      readContactInput(openssl('req', '-x509', '-key', path('keys/bob-rsa.key.pem'), '-subj', subject, '-days', '30', ...extensions.flatMap((e) => ['-addext', e]))).certificate
    const withAddress = selfSigned('/O=Example Org/OU=Mail', 'subjectAltName=email:bob@example.com,email:robert@example.com')
    expect(displayName(withAddress)).toBe('bob@example.com')
    const withoutAddress = selfSigned('/O=Example Org/OU=Mail')
    expect(withoutAddress.emails).toEqual([])
    expect(displayName(withoutAddress)).toBe(withoutAddress.subject.text)
    expect(withoutAddress.subject.text).toContain('Example Org')
  })
})
