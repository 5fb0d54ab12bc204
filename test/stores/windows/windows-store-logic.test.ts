import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../../src/identity/input.js'
import {verdictOfChain} from '../../../src/stores/windows/chain-verdict.js'
import {FIRST_AES_BUILD, windowsPfxProfile} from '../../../src/stores/windows/pfx-profile.js'
import {issuersStillUsed, placeCertificates} from '../../../src/stores/windows/placement.js'
import {buildOfRelease} from '../../../src/system/windows-version.js'
import {fixture} from '../../helpers/fixtures.js'

async function identityOf(name: string) {
  const decoded = decodeInput(fixture(name))
  if (decoded.kind !== 'pkcs12') throw new Error('not a p12')
  return (await openPkcs12(decoded, 'test')).identity
}

describe('the Windows build and the file handed to PFXImportCertStore', () => {
  it('reads the build from os.release()', () => {
    expect(buildOfRelease('10.0.19045')).toBe(19045)
    expect(buildOfRelease('6.1.7601')).toBe(7601)
    expect(buildOfRelease('5.15.0-91-generic')).toBe(0)
    expect(buildOfRelease('unknown')).toBeNull()
  })

  it('uses AES only from Windows 10 1709 (16299) on, 3DES/SHA-1 before and when unknown', () => {
    expect(windowsPfxProfile(FIRST_AES_BUILD)).toBe('modern')
    expect(windowsPfxProfile(22631)).toBe('modern')
    expect(windowsPfxProfile(16298)).toBe('legacy')
    expect(windowsPfxProfile(14393)).toBe('legacy')
    expect(windowsPfxProfile(null)).toBe('legacy')
  })
})

describe('placing the chain', () => {
  it('puts the intermediate in CA and the self-signed root apart, by basicConstraints', async () => {
    const identity = await identityOf('p12/rsa-legacy.p12')
    const placement = placeCertificates(identity.certificate, identity.chain)
    expect(placement.leaf).toBe(identity.certificate)
    expect(placement.intermediates.map((c) => c.subject.text)).toEqual(['CN=mailcert Test Intermediate CA, O=mailcert Test PKI'])
    expect(placement.root?.subject.text).toBe('CN=mailcert Test Root CA, O=mailcert Test PKI')
    expect(placement.ignored).toEqual([])
  })

  it('keeps an issuer that another certificate of My still chains to, and only that one', async () => {
    const alice = await identityOf('p12/rsa-legacy.p12')
    const other = await identityOf('p12/bob-rsa.p12')
    const intermediate = alice.chain[0]!
    const root = alice.chain[1]!
    const pool = [...alice.chain]
    // Bob's certificate comes from the same test PKI: the intermediate stays while it is in My.
    expect(issuersStillUsed([intermediate, root], [other.certificate], pool)).toEqual(new Set(other.chain.map((c) => c.fingerprints.sha256).filter((sha) => pool.some((c) => c.fingerprints.sha256 === sha))))
    expect(issuersStillUsed([intermediate, root], [], pool).size).toBe(0)
  })
})

describe("Windows' chain verdict", () => {
  it('accepts a chain with no error bits and no policy error', () => {
    expect(verdictOfChain({errorStatus: 0, policyError: 0})).toEqual({valid: true})
  })
  it('names the reason of the status bits, the most telling first', () => {
    expect(verdictOfChain({errorStatus: 0x20, policyError: 0x800b0109}).code).toBe('untrusted-issuer')
    expect(verdictOfChain({errorStatus: 0x10 | 0x20, policyError: 0x800b0109}).code).toBe('untrusted-issuer')
    expect(verdictOfChain({errorStatus: 0x1 | 0x20, policyError: 0x800b0101}).code).toBe('expired')
    expect(verdictOfChain({errorStatus: 0x10, policyError: 0}).code).toBe('inadequate-usage')
    expect(verdictOfChain({errorStatus: 0x10000, policyError: 0x800b010a}).code).toBe('unknown-issuer')
  })
  it('falls back to the policy error, and to its code when unknown', () => {
    expect(verdictOfChain({errorStatus: 0, policyError: 0x80092010}).code).toBe('revoked')
    expect(verdictOfChain({errorStatus: 0, policyError: 0x80001234}).reason).toContain('0x80001234')
  })
})
