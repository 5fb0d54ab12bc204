/**
 * `mailcert inspect` says "Ready for S/MIME" only for what the mail clients accept: a key usage that allows
 * neither signing nor encryption, a SAN entry with two addresses and a key no client can use are errors
 * (exit 5); every address a client accepts is shown; a certificate valid "until 9999" does not expire.
 */
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {FIXTURES, VECTORS} from '../helpers/fixtures.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {mlDsaPkcs12, withMacIterations} from '../identity/pkcs12-edits.js'
import {fixture} from '../helpers/fixtures.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const home = sandboxHome()
const env = {MAILCERT_PASSWORD: 'test'}

interface Result {
  emails: string[]
  addresses: Array<{address: string; source: string}>
  malformedAddresses: Array<{value: string; source: string}>
  key: {algorithm: string; name: string; curve?: string}
  hasPrivateKey: boolean
  notAfter: string
  daysLeft: number | null
  findings: Array<{severity: string; code: string; message: string}>
}

const inspectForPeople = (file: string) => runCli(['inspect', file], {env})
const inspectJson = async (file: string) => json<{status: number; result: Result}>(await runCli(['inspect', file, '--json'], {env}))

async function inspect(file: string) {
  return {human: await inspectForPeople(file), result: await inspectJson(file)}
}

const errors = (result: Result) => result.findings.filter((f) => f.severity === 'error').map((f) => f.code)

describe('a key usage that allows neither signing nor encryption', () => {
  it.each([
    ['crlsign-only.p12', 'cRLSign', 'RSA'],
    // An EC key is encrypted to by keyAgreement: keyEncipherment does nothing for it.
    ['ec-keyencipherment-only.p12', 'keyEncipherment', 'EC'],
  ])('%s is not ready for S/MIME (exit 5)', async (name, usage, algorithm) => {
    const {human, result} = await inspect(p12(name))
    expect(human.code).toBe(5)
    expect(human.stdout).not.toContain('Ready for S/MIME')
    expect(human.stdout).toContain(`The key usage (${usage}) allows neither signing nor encryption with this ${algorithm} key`)
    expect(human.stdout).toContain('Not usable for S/MIME')
    expect(result.status).toBe(5)
    expect(errors(result.result)).toEqual(['key-usage-not-for-mail'])
  })

  it('refuses an Ed25519 certificate whose key usage is keyEncipherment (pkilint ed25519_bad_ku)', async () => {
    const human = await inspectForPeople(join(VECTORS, 'pkilint-smime', 'organization', 'strict', 'ed25519_bad_ku.crttest'))
    expect(human.code).toBe(5)
    expect(human.stdout).toContain('The key usage (keyEncipherment) allows neither signing nor encryption with this Ed25519 key')
  })
})

describe('the addresses, as the mail clients count them', () => {
  it('lists the subject’s emailAddress beside the three SAN addresses, and is ready', async () => {
    const {human, result} = await inspect(p12('subject-and-san.p12'))
    expect(human.code).toBe(0)
    expect(result.result.emails).toEqual(['alice@example.com', 'alice@example.org', 'a.example@example.com', 'alice.example@example.net'])
    expect(result.result.addresses.map((a) => a.source)).toEqual(['rfc822Name', 'rfc822Name', 'rfc822Name', 'subject'])
    const lines = human.stdout.split('\n')
    const first = lines.findIndex((line) => /^\s+E-mail\s+alice@example\.com$/.test(line))
    expect(lines.slice(first + 1, first + 4).map((line) => line.trim())).toEqual([
      'alice@example.org',
      'a.example@example.com',
      'alice.example@example.net (in the subject)',
    ])
    expect(human.stdout).toContain('Ready for S/MIME')
  })

  it('calls a SAN entry with two addresses an error, and lists only the real address', async () => {
    const {human, result} = await inspect(p12('san-two-in-one.p12'))
    expect(human.code).toBe(5)
    expect(result.result.emails).toEqual(['alice@example.com'])
    expect(result.result.malformedAddresses).toEqual([{value: 'alice@example.org bob@example.org', source: 'rfc822Name'}])
    expect(errors(result.result)).toEqual(['malformed-address'])
    expect(human.stdout).toContain('"alice@example.org bob@example.org" holds several addresses in one entry')
  })
})

describe('keys mailcert names, whether or not node:crypto can load them', () => {
  it('shows a curve by the same name on screen and in JSON', async () => {
    const {human, result} = await inspect(p12('ec-p256.p12'))
    expect(result.result.key).toMatchObject({algorithm: 'EC', curve: 'P-256', name: 'EC P-256'})
    expect(human.stdout).toMatch(/^\s+Key\s+EC P-256, private key included$/m)
  })

  it('says that no mail client can use an ML-DSA certificate (exit 5)', async () => {
    const {human, result} = await inspect(join(FIXTURES, 'certs', 'mldsa44.pem'))
    expect(human.code).toBe(5)
    expect(result.result.key).toMatchObject({algorithm: 'ML-DSA', name: 'ML-DSA-44'})
    expect(errors(result.result)).toEqual(['key-not-for-mail-clients', 'no-private-key'])
    expect(human.stdout).toContain("The certificate's key is ML-DSA-44: Thunderbird, Outlook and Apple Mail do not sign S/MIME mail with post-quantum ML-DSA keys yet.")
  })

  it('reads a PKCS#12 file with an ML-DSA key as what it is, not as a damaged file', async () => {
    const file = join(home, 'mldsa44.p12')
    writeFileSync(file, mlDsaPkcs12())
    const {human, result} = await inspect(file)
    expect(human.code).toBe(5)
    expect(result.result).toMatchObject({hasPrivateKey: true, key: {algorithm: 'ML-DSA', name: 'ML-DSA-44'}})
    expect(errors(result.result)).toEqual(['key-not-for-mail-clients'])
    expect(human.stdout).toMatch(/^\s+Key\s+ML-DSA-44, private key included$/m)
  })

  it('names ML-KEM and X25519 keys too (pkilint vectors)', async () => {
    for (const [name, key] of [['mlkem512_key_with_mldsa44_sig', 'ML-KEM-512'], ['x25519_disallowed', 'X25519']]) {
      const result = await inspectJson(join(VECTORS, 'pkilint-smime', 'organization', 'strict', `${name}.crttest`))
      expect(result.result.key.name).toBe(key)
      expect(errors(result.result)).toContain('key-not-for-mail-clients')
    }
  })
})

describe('a certificate valid until 9999-12-31T23:59:59Z', () => {
  it('does not expire (RFC 5280): no date, no day count', async () => {
    const {human, result} = await inspect(p12('no-expiry.p12'))
    expect(human.code).toBe(0)
    expect(result.result.notAfter).toBe('9999-12-31T23:59:59.000Z')
    expect(result.result.daysLeft).toBeNull()
    expect(human.stdout).toMatch(/^\s+Valid\s+from 2025-01-01, does not expire$/m)
    expect(human.stdout).not.toContain('9999')
  })
})

describe('iteration counts no real program writes', () => {
  it('refuses 2^31 - 1 MAC iterations at once: exit 4, one sentence', async () => {
    const file = join(home, 'iterations.p12')
    writeFileSync(file, withMacIterations(fixture('p12/mailbox-rsa.p12'), 2 ** 31 - 1))
    const result = await runCli(['inspect', file], {env})
    expect(result.code).toBe(4)
    expect(result.stderr).toContain('The file asks for 2,147,483,647 rounds of password hashing, far beyond the 10,000,000 that any real program writes, so mailcert does not try to open it.')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})
