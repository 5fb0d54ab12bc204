/**
 * `--from-store`'s choice among the certificates a store holds for an address, with the fixtures'
 * real certificates: the newest valid one for e-mail with its key, and a reason for every other.
 */
import {describe, expect, it} from 'vitest'

import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import {chooseStoredIdentity, unusableBecause} from '../../src/install/stored-choice.js'
import type {StoredCertificate} from '../../src/stores/store.js'
import {fixture} from '../helpers/fixtures.js'

function stored(name: string, hasKey = true): StoredCertificate {
  return {certificate: parseCertificate(certificatesFromPem(fixture(`certs/${name}.pem`).toString('utf8'))[0]!), name, hasKey}
}

const IN_2026 = new Date('2026-06-01T00:00:00Z')
const IN_2041 = new Date('2041-01-01T00:00:00Z')

describe('chooseStoredIdentity', () => {
  it('takes the only usable certificate and says why the others were passed over', () => {
    const choice = chooseStoredIdentity([stored('expired'), stored('mailbox-rsa'), stored('eku-client-only'), stored('individual-rsa', false)], 'Alice@Example.com', IN_2026)
    expect(choice.chosen?.name).toBe('mailbox-rsa')
    expect(choice.candidates).toBe(4)
    expect(choice.why).toBe('the newest valid of 4 certificates for Alice@Example.com; 3 others are expired, not for e-mail or without key')
    expect(choice.passedOver).toHaveLength(3)
    expect(choice.passedOver.find((line) => line.includes('2021-01-01'))).toMatch(/expired/)
    expect(choice.passedOver.join('\n')).toMatch(/extended key usage lacks E-mail Protection/)
    expect(choice.passedOver.join('\n')).toMatch(/does not hold its private key/)
  })

  it('prefers the newest notBefore, then the later expiry', () => {
    // In 2041 the 2025 certificates with an end in 2036 have expired; no-expiry (2025) and not-yet-valid (2040) are both valid.
    expect(chooseStoredIdentity([stored('no-expiry'), stored('not-yet-valid'), stored('mailbox-rsa')], 'alice@example.com', IN_2041).chosen?.name).toBe('not-yet-valid')
    // Same notBefore (2025-01-01): the one that lasts longer.
    const tie = chooseStoredIdentity([stored('mailbox-rsa'), stored('no-expiry')], 'alice@example.com', IN_2026)
    expect(tie.chosen?.name).toBe('no-expiry')
    expect(tie.passedOver).toEqual([expect.stringMatching(/: an older one$/)])
  })

  it('chooses nothing when no certificate is for the address or none can be used', () => {
    expect(chooseStoredIdentity([stored('bob-rsa')], 'alice@example.com', IN_2026)).toMatchObject({chosen: null, candidates: 0, why: 'no certificate for alice@example.com'})
    const none = chooseStoredIdentity([stored('not-yet-valid'), stored('tls-server'), stored('expired')], 'alice@example.com', IN_2026)
    expect(none.chosen).toBeNull()
    expect(none.why).toBe('none of the 2 certificates for alice@example.com can be used')
  })

  it('counts a certificate listed twice once', () => {
    const choice = chooseStoredIdentity([stored('mailbox-rsa'), stored('mailbox-rsa')], 'alice@example.com', IN_2026)
    expect(choice).toMatchObject({candidates: 1, why: 'the only certificate for alice@example.com', passedOver: []})
  })

  it('judges a stored certificate by the rules a file is held to, without asking for the key in a file', () => {
    expect(unusableBecause(stored('mailbox-rsa'), IN_2026)).toBeNull()
    expect(unusableBecause(stored('not-yet-valid'), IN_2026)).toBe('The certificate is not valid until 2040-01-01')
    expect(unusableBecause(stored('no-keyusage'), IN_2026)).toBeNull()
  })
})
