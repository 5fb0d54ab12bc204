import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {certificatesOnly} from '../../src/identity/cms-signed-data.js'
import type {Identity} from '../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {signedMessage} from '../../src/share/signed-message.js'
import {FIXTURES, fixture, manifest} from '../helpers/fixtures.js'

const work = mkdtempSync(join(tmpdir(), 'mailcert-share-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(name))
  if (input.kind === 'certificate') return input.identity
  return (await openPkcs12(input, 'test')).identity
}

function file(name: string, content: Buffer | string): string {
  const path = join(work, `${Math.random().toString(36).slice(2)}-${name}`)
  writeFileSync(path, content)
  return path
}

function run(program: string, args: string[]): {status: number | null; stdout: string; stderr: string} {
  const result = spawnSync(program, args)
  return {status: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString()}
}

/** The signed first part and the signature, cut out of the message as a mail client does (RFC 8551 §3.5). */
function partsOf(message: string): {content: string; signature: Buffer} {
  const boundary = /boundary="([^"]+)"/.exec(message)![1]!
  const sections = message.split(`\r\n--${boundary}`)
  const content = sections[1]!.slice(2)
  const signature = Buffer.from(sections[2]!.split('\r\n\r\n')[1]!.replace(/\r\n/g, ''), 'base64')
  return {content, signature}
}

// NSS's own S/MIME code (cmsutil, the library Thunderbird verifies with), with the test root trusted for e-mail.
const nssDb = join(work, 'nssdb')
beforeAll(() => {
  expect(run('mkdir', ['-p', nssDb]).status).toBe(0)
  expect(run('certutil', ['-N', '-d', `sql:${nssDb}`, '--empty-password']).status).toBe(0)
  for (const [name, root] of [['root', 'ca/root.pem'], ['ec-root', 'ca/ec-root.pem']]) {
    expect(run('certutil', ['-A', '-d', `sql:${nssDb}`, '-n', name, '-t', 'C,C,C', '-i', join(FIXTURES, root)]).status).toBe(0)
  }
})

function nssStatus(content: string, signature: Buffer): string {
  const result = run('cmsutil', ['-D', '-i', file('smime.p7s', signature), '-c', file('content.txt', content), '-d', `sql:${nssDb}`, '-n', '-u', '4', '-h', '2'])
  expect(result.status, result.stderr).toBe(0)
  return /signer0\.status=(\w+)/.exec(result.stdout)?.[1] ?? result.stdout
}

describe('signedMessage', () => {
  it.each([
    ['an RSA key', 'p12/mailbox-rsa.p12', 'ca/root.pem'],
    ['an EC P-256 key', 'p12/ec-p256.p12', 'ca/root.pem'],
    ['an EC P-384 key', 'p12/ec-p384.p12', 'ca/ec-root.pem'],
  ])('is a multipart/signed message that openssl and NSS verify, signed with %s', async (_, p12, root) => {
    const identity = await identityOf(p12)
    const message = signedMessage(identity, {now: new Date('2026-12-02T10:00:00Z'), unique: 'fixed'})

    expect(message.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    expect(message).toMatch(/^Content-Type: multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary="----mailcert-fixed"\r$/m)
    expect(message).toContain(`From: <${identity.certificate.emails[0]}>\r\n`)
    expect(message).toContain('Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n')

    const verified = run('openssl', ['cms', '-verify', '-in', file('m.eml', message), '-CAfile', join(FIXTURES, root), '-purpose', 'smimesign'])
    expect(verified.status, verified.stderr).toBe(0)
    expect(verified.stderr).toContain('Verification successful')
    expect(verified.stdout).toContain(identity.certificate.fingerprints.sha256)

    const {content, signature} = partsOf(message)
    expect(nssStatus(content, signature)).toBe('GoodSignature')
    expect(nssStatus(content.replace('signed', 'forged'), signature)).toBe('DigestMismatch')
  })

  it('carries the chain, the ciphers the sender reads, and which certificate to encrypt to', async () => {
    const identity = await identityOf('p12/mailbox-rsa.p12')
    const {signature} = partsOf(signedMessage(identity, {now: new Date()}))
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('s.p7s', signature)])
    expect(printed.status, printed.stderr).toBe(0)
    expect(printed.stdout).toContain('S/MIME Capabilities (1.2.840.113549.1.9.15)')
    expect(printed.stdout).toContain('aes-256-cbc')
    expect(printed.stdout).toMatch(/1\.2\.840\.113549\.1\.9\.16\.2\.11|SMIME Encryption Key Preference/i)
    expect(printed.stdout).toContain('1.3.6.1.4.1.311.16.4')
    const certificates = run('openssl', ['pkcs7', '-inform', 'DER', '-in', file('s.p7s', signature), '-print_certs', '-noout'])
    expect(certificates.stdout.match(/^subject=/gm)).toHaveLength(3)
  })

  it('names a separate encryption certificate as the one to encrypt to', async () => {
    const signing = await identityOf('p12/signing-only-rsa.p12')
    const encryption = (await identityOf('p12/encryption-only-rsa.p12')).certificate
    const {signature} = partsOf(signedMessage(signing, {now: new Date(), encryptionCertificate: encryption}))
    const printed = run('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file('s.p7s', signature)])
    // Both preference attributes hold the encryption certificate's serial; the signer's is named once, by its SignerInfo.
    const serials = [...printed.stdout.matchAll(/INTEGER\s+:([0-9A-F]+)$/gm)].map((m) => m[1]!.replace(/^00/, ''))
    const hex = (serialHex: string) => serialHex.toUpperCase().replace(/^00/, '')
    const mentions = serials.filter((serial) => serial === hex(encryption.serialHex))
    expect(serials).not.toContain(hex(signing.certificate.serialHex))
    expect(mentions).toHaveLength(2)
  })
})

describe('certificatesOnly', () => {
  it('is a .p7c that openssl reads as the certificate and its chain', async () => {
    const identity = await identityOf('p12/mailbox-rsa.p12')
    const p7c = certificatesOnly([identity.certificate, ...identity.chain])
    const printed = run('openssl', ['pkcs7', '-inform', 'DER', '-in', file('c.p7c', p7c), '-print_certs'])
    expect(printed.status, printed.stderr).toBe(0)
    expect(printed.stdout.match(/^subject=/gm)).toHaveLength(3)
    expect(printed.stdout).toContain('subject=CN = alice@example.com')
    expect(manifest['p12/mailbox-rsa.p12']).toBeDefined()
  })
})
