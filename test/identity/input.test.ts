import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {checkIterations} from '../../src/identity/pkcs12/pbe.js'
import {MAX_INPUT_BYTES, readInputFile} from '../../src/system/input-file.js'
import {fixture, FIXTURES} from '../helpers/fixtures.js'
import {withCertificateIterations, withMacIterations} from './pkcs12-edits.js'

describe('recognising what a file is', () => {
  it.each([
    ['bad/empty.p12', /empty/],
    ['bad/random.p12', /not a PKCS#12/],
    ['bad/truncated.p12', /incomplete/],
    ['bad/archive.zip', /ZIP archive/],
    ['bad/text.txt', /text file/],
  ])('%s is refused with one sentence (exit 4)', (name, message) => {
    expect(() => decodeInput(fixture(name))).toThrow(expect.objectContaining({exitCode: 4, message: expect.stringMatching(message)}))
  })

  it('tells a bare certificate (PEM, DER, a PEM bundle) from a PKCS#12 file', () => {
    expect(decodeInput(fixture('certs/mailbox-rsa.pem'))).toMatchObject({kind: 'certificate', format: 'PEM certificate'})
    expect(decodeInput(fixture('certs/mailbox-rsa.der'))).toMatchObject({kind: 'certificate', format: 'DER certificate'})
    const bundle = decodeInput(fixture('certs/chain-bundle.pem'))
    expect(bundle.kind === 'certificate' && bundle.identity.chainComplete).toBe(true)
    expect(decodeInput(fixture('p12/mailbox-rsa.p12'))).toMatchObject({kind: 'pkcs12', format: 'PKCS#12'})
  })

  it('explains a PEM private key and a PKCS#7 bundle', () => {
    expect(() => decodeInput(fixture('keys/mailbox-rsa.key.pem'))).toThrow(/only a private key/)
    expect(() => decodeInput(Buffer.from('-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n'))).toThrow(/PKCS#7/)
  })

  it('describes the protection without a password', () => {
    const input = decodeInput(fixture('p12/rsa-legacy.p12'))
    expect(input.kind === 'pkcs12' && input.protection).toEqual({
      mac: 'HMAC-SHA1',
      macIterations: 2048,
      certificateEncryption: 'RC2-40 (PKCS#12 PBE, SHA-1)',
      certificateIterations: 2048,
    })
  })
})

describe('reading the file from disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-input-'))

  it('refuses a missing file, a folder and a file over 10 MB with exit 4', async () => {
    await expect(readInputFile(join(dir, 'missing.p12'))).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/no file/)})
    await expect(readInputFile(FIXTURES)).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/folder/)})
    const big = join(dir, 'big.p12')
    writeFileSync(big, Buffer.alloc(MAX_INPUT_BYTES + 1))
    await expect(readInputFile(big)).rejects.toMatchObject({exitCode: 4, message: expect.stringMatching(/too large/)})
  })
})

/** The bytes with the first subjectAltName's first entry claiming more bytes than it has: every outer length stays right. */
function withDamagedSan(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes)
  // extnID 2.5.29.17, then extnValue OCTET STRING { SEQUENCE { [1] rfc822Name ... } }
  const at = copy.indexOf(Buffer.from('0603551d1104', 'hex'))
  expect(at).toBeGreaterThan(0)
  const entryLength = at + 6 + 1 + 2 + 1
  expect(copy[entryLength - 1]).toBe(0x81)
  copy[entryLength] = 0x7f
  return copy
}

describe('damaged certificates: exit 4, one sentence that names the damaged part', () => {
  it('in a DER certificate file', () => {
    expect(() => decodeInput(withDamagedSan(fixture('certs/mailbox-rsa.der')))).toThrow(
      expect.objectContaining({exitCode: 4, message: 'The certificate in this file is damaged: its subjectAltName extension cannot be read.'}),
    )
  })

  it('inside a PKCS#12 file without a MAC, where nothing else notices', async () => {
    const input = decodeInput(withDamagedSan(fixture('p12/rsa-plain-nomac.p12')))
    if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
    await expect(openPkcs12(input, 'test')).rejects.toMatchObject({
      exitCode: 4,
      message: 'A certificate inside the file is damaged: its subjectAltName extension cannot be read.',
    })
  })

  it('with dates that are not dates', () => {
    const der = Buffer.from(fixture('certs/mailbox-rsa.der'))
    // notBefore is the first UTCTime: 17 0d YYMMDDHHMMSSZ; letters where the month belongs.
    const at = der.indexOf(Buffer.from('170d', 'hex'))
    der.write('ZZ', at + 4, 'latin1')
    expect(() => decodeInput(der)).toThrow(expect.objectContaining({exitCode: 4, message: 'The certificate in this file is damaged: its validity dates cannot be read.'}))
  })
})

describe('iteration counts beyond what any real producer writes', () => {
  const refused = expect.objectContaining({
    exitCode: 4,
    message: 'The file asks for 2,147,483,647 rounds of password hashing, far beyond the 10,000,000 that any real program writes, so mailcert does not try to open it.',
  })

  it('refuses a MAC of 2^31 - 1 iterations before any password is tried', () => {
    expect(() => decodeInput(withMacIterations(fixture('p12/mailbox-rsa.p12'), 2 ** 31 - 1))).toThrow(refused)
  })

  it('refuses certificates encrypted with 2^31 - 1 PBKDF2 iterations', () => {
    expect(() => decodeInput(withCertificateIterations(fixture('p12/mailbox-rsa.p12'), 2 ** 31 - 1))).toThrow(refused)
  })

  it('draws the line at 10,000,000, far above the 600,000 that NSS writes', () => {
    expect(checkIterations(10_000_000)).toBe(10_000_000)
    expect(() => checkIterations(10_000_001)).toThrow(/beyond the 10,000,000/)
    expect(() => decodeInput(withMacIterations(fixture('p12/mailbox-rsa.p12'), 10_000_001))).toThrow(expect.objectContaining({exitCode: 4}))
  })
})
