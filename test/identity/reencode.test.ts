import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {reencodeIdentity} from '../../src/identity/reencode.js'
import {fixture} from '../helpers/fixtures.js'

const work = mkdtempSync(join(tmpdir(), 'mailcert-reencode-'))

async function identityOf(name: string) {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  return (await openPkcs12(input, 'test')).identity
}

function passwordFile(password: string): string {
  const path = join(work, `pw-${Math.random().toString(36).slice(2)}`)
  writeFileSync(path, password, {mode: 0o600})
  return path
}

/** openssl prints the structure on stderr and the PEM blocks on stdout. */
function opensslInfo(file: string, password: string): string {
  // openssl cannot read an empty password from a file; `pass:` with nothing after it is no secret.
  const passin = password === '' ? 'pass:' : `file:${passwordFile(password)}`
  const result = spawnSync('openssl', ['pkcs12', '-in', file, '-info', '-nodes', '-passin', passin], {encoding: 'utf8'})
  expect(result.status, result.stderr).toBe(0)
  return `${result.stderr}${result.stdout}`
}

function pk12utilImport(file: string, password: string): {status: number | null; output: string} {
  const db = mkdtempSync(join(work, 'nssdb-'))
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${db}`])
  const args = ['-i', file, '-d', `sql:${db}`, ...(password === '' ? ['-W', ''] : ['-w', passwordFile(password)])]
  const result = spawnSync('pk12util', args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  const listing = execFileSync('certutil', ['-L', '-d', `sql:${db}`], {encoding: 'utf8'})
  return {status: result.status, output: `${result.stdout}${result.stderr}${listing}`}
}

const keys = [
  ['p12/mailbox-rsa.p12', 'RSA'],
  ['p12/ec-p256.p12', 'EC P-256'],
  ['p12/ec-p384.p12', 'EC P-384'],
  ['p12/ec-p521.p12', 'EC P-521'],
  ['p12/ed25519.p12', 'Ed25519'],
] as const

describe.each(['legacy', 'modern'] as const)('re-encoding in the %s profile', (profile) => {
  it.each(keys)('%s (%s) reads back with openssl, NSS and mailcert', async (name) => {
    const identity = await identityOf(name)
    for (const password of ['pässwörd', '']) {
      const file = join(work, `${profile}-${name.replaceAll('/', '_')}-${password === '' ? 'empty' : 'pw'}.p12`)
      writeFileSync(file, reencodeIdentity(identity, password, profile, {friendlyName: 'Älice Example'}))

      const info = opensslInfo(file, password)
      expect(info).toContain(profile === 'legacy' ? 'MAC: sha1' : 'MAC: sha256')
      expect(info).toContain(profile === 'legacy' ? 'pbeWithSHA1And3-KeyTripleDES-CBC' : 'PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256')
      expect(info).toContain('PRIVATE KEY')
      expect(info.match(/BEGIN CERTIFICATE/g)).toHaveLength(3)

      const nss = pk12utilImport(file, password)
      if (name === 'p12/ed25519.p12') {
        // Debian 12's NSS 3.87 has no Ed25519 in PKCS#12; it refuses the original file the same way.
        expect(nss.status).not.toBe(0)
      } else {
        expect(nss.status, nss.output).toBe(0)
        expect(nss.output).toMatch(/Älice Example\s+u,u,u/)
      }

      const input = decodeInput(Buffer.from(reencodeIdentity(identity, password, profile)))
      if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
      const back = await openPkcs12(input, password)
      expect(back.identity.certificate.fingerprints).toEqual(identity.certificate.fingerprints)
      expect(back.identity.privateKey).toEqual(identity.privateKey)
      expect(back.identity.chain).toHaveLength(2)
    }
  })
})

describe('the legacy profile is what old macOS and Windows read', () => {
  it('has no AES, no PBES2 and a SHA-1 MAC', async () => {
    const identity = await identityOf('p12/ec-p256.p12')
    const input = decodeInput(reencodeIdentity(identity, 'x', 'legacy'))
    expect(input.kind === 'pkcs12' && input.protection).toEqual({
      mac: 'HMAC-SHA1',
      macIterations: 2048,
      certificateEncryption: '3DES (PKCS#12 PBE, SHA-1)',
      certificateIterations: 2048,
    })
  })
})
