import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import type {Identity} from '../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {signProfile} from '../../src/profiles/sign-profile.js'
import {FIXTURES, fixture} from '../helpers/fixtures.js'

const work = mkdtempSync(join(tmpdir(), 'mailcert-sign-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(name))
  if (input.kind === 'certificate') return input.identity
  return (await openPkcs12(input, 'test')).identity
}

const content = Buffer.from('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<string>profile</string>\n</plist>\n')

/** `openssl cms -verify` of a DER signed profile: what it printed, and the content it got out. */
function verify(signed: Buffer, trust: string[]): {status: number | null; stderr: string; content: Buffer} {
  const file = join(work, `signed-${Math.random().toString(36).slice(2)}.der`)
  writeFileSync(file, signed)
  const result = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', file, '-binary', ...trust])
  return {status: result.status, stderr: result.stderr.toString(), content: result.stdout}
}

describe('signProfile', () => {
  it.each([
    ['an RSA key', 'p12/mailbox-rsa.p12', 'ca/root.pem'],
    ['an EC P-384 key', 'p12/ec-p384.p12', 'ca/ec-root.pem'],
  ])('signs with %s: openssl verifies it against the root, with the chain from the signature itself', async (_kind, signerFile, root) => {
    const signed = signProfile(content, await identityOf(signerFile), new Date('2026-03-04T05:06:07Z'))
    const checked = verify(signed, ['-CAfile', join(FIXTURES, root)])
    expect(checked.stderr).toContain('Verification successful')
    expect(checked.status).toBe(0)
    expect(checked.content.equals(content)).toBe(true)

    const printed = spawnSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], {input: signed, encoding: 'utf8'}).stdout
    expect(printed).toMatch(/object: contentType[\s\S]*object: signingTime[\s\S]*UTCTIME:Mar {2}4 05:06:07 2026 GMT[\s\S]*object: messageDigest/)
    // The leaf and its two issuers travel with the signature.
    expect(printed.match(/cert_info:/g)).toHaveLength(3)
  })

  it('refuses keys it cannot sign with, and a file without a key, saying why', async () => {
    const [ed25519, certificateOnly] = [await identityOf('p12/ed25519.p12'), await identityOf('certs/mailbox-rsa.pem')]
    expect(() => signProfile(content, ed25519, new Date())).toThrow(/Ed25519; profiles can be signed with RSA and EC keys only/)
    expect(() => signProfile(content, certificateOnly, new Date())).toThrow(/holds no private key/)
  })
})
