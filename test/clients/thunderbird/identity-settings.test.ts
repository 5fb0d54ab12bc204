import {describe, expect, it} from 'vitest'

import type {MailIdentity} from '../../../src/clients/thunderbird/accounts.js'
import {certificateDisplayName, identitiesFor, smimePrefChanges} from '../../../src/clients/thunderbird/identity-settings.js'
import {certificatesFromPem, parseCertificate} from '../../../src/identity/certificate.js'
import type {Certificate, NameAttribute} from '../../../src/identity/certificate-types.js'
import {canEncrypt} from '../../../src/identity/key-usage.js'
import {nssDbKey} from '../../../src/stores/nss/dbkey.js'
import {fixture} from '../../helpers/fixtures.js'

const certificate = (name: string): Certificate => parseCertificate(certificatesFromPem(fixture(`certs/${name}.pem`).toString('ascii'))[0])

const mailbox = certificate('mailbox-rsa')
const sponsor = certificate('sponsor-rsa')
const ed25519 = certificate('ed25519')

function identity(key: string, email: string | null, accountKeys = ['account1']): MailIdentity {
  return {
    key,
    email,
    fullName: 'Alice Example',
    label: null,
    accountKeys,
    smime: {signingCertDbKey: '', signingCertName: '', encryptionCertDbKey: '', encryptionCertName: '', signMail: false, encryptionPolicy: 0},
  }
}

const IDENTITIES = [
  identity('id1', 'alice@example.com'),
  // The same address typed differently in another account.
  identity('id2', 'Alice@Example.COM', ['account2']),
  identity('id3', 'team@example.org'),
  identity('id4', null),
  identity('id5', 'alice.example@example.org'),
  // Near misses that a substring or suffix match would take.
  identity('id6', 'malice@example.com'),
  identity('id7', 'alice@example.com.evil.test'),
]

const keysOf = (identities: MailIdentity[]) => identities.map((i) => i.key)

describe('identitiesFor', () => {
  it('takes every identity whose address is one of the certificate\'s, in any case', () => {
    expect(mailbox.emails).toEqual(['alice@example.com'])
    expect(keysOf(identitiesFor(IDENTITIES, mailbox.emails))).toEqual(['id1', 'id2'])
  })

  it('takes the identities of every address of a certificate with several', () => {
    expect(sponsor.emails).toEqual(['alice@example.com', 'alice.example@example.org'])
    expect(keysOf(identitiesFor(IDENTITIES, sponsor.emails))).toEqual(['id1', 'id2', 'id5'])
  })

  it('narrows to the addresses given with --account, compared without case', () => {
    expect(keysOf(identitiesFor(IDENTITIES, sponsor.emails, ['ALICE.EXAMPLE@example.org']))).toEqual(['id5'])
    expect(keysOf(identitiesFor(IDENTITIES, sponsor.emails, ['alice@example.com']))).toEqual(['id1', 'id2'])
  })

  it('never takes an identity with another address, even when --account names it', () => {
    expect(identitiesFor(IDENTITIES, mailbox.emails, ['team@example.org'])).toEqual([])
    expect(keysOf(identitiesFor(IDENTITIES, mailbox.emails, ['team@example.org', 'alice@example.com']))).toEqual(['id1', 'id2'])
  })

  it('takes nothing for a certificate without addresses, and skips identities without one', () => {
    expect(identitiesFor(IDENTITIES, [])).toEqual([])
    expect(identitiesFor([identity('id4', null)], mailbox.emails)).toEqual([])
  })
})

describe('certificateDisplayName', () => {
  it('is the common name, as Thunderbird\'s settings page stores it', () => {
    expect(certificateDisplayName(mailbox)).toBe('alice@example.com')
    expect(certificateDisplayName(certificate('individual-rsa'))).toBe('Alice Example')
    expect(certificateDisplayName(certificate('organization-rsa'))).toBe('Example GmbH')
    expect(certificateDisplayName(sponsor)).toBe('Alice Example')
  })

  /** The same certificate with a subject made of these attributes (the fallbacks need subjects no fixture has). */
  function withSubject(base: Certificate, attributes: Array<[string, string]>, emails = base.emails): Certificate {
    const list: NameAttribute[] = attributes.map(([type, value]) => ({type, oid: type, value}))
    return {...base, emails, subject: {...base.subject, attributes: list, text: attributes.map(([t, v]) => `${t}=${v}`).reverse().join(', ')}}
  }

  it('falls back to the organizational unit, then the organization', () => {
    expect(certificateDisplayName(withSubject(sponsor, [['C', 'DE'], ['O', 'Example GmbH'], ['OU', 'Sales']]))).toBe('Sales')
    expect(certificateDisplayName(withSubject(sponsor, [['C', 'DE'], ['O', 'Example GmbH']]))).toBe('Example GmbH')
  })

  it('is never empty, even without CN, OU and O (an empty name keeps S/MIME switched off)', () => {
    const withAddress = certificateDisplayName(withSubject(sponsor, [['C', 'DE']]))
    const withoutAddress = certificateDisplayName(withSubject(sponsor, [['C', 'DE'], ['L', 'Berlin']], []))
    expect(withAddress).not.toBe('')
    expect(withoutAddress).toContain('Berlin')
  })
})

describe('smimePrefChanges', () => {
  const dbKey = nssDbKey(mailbox)

  it('points signing and encryption of every identity at the certificate: dbKey and a non-empty name', () => {
    expect(smimePrefChanges(['id1', 'id2'], {certificate: mailbox, canEncrypt: true})).toEqual({
      'mail.identity.id1.signing_cert_dbkey': dbKey,
      'mail.identity.id1.signing_cert_name': 'alice@example.com',
      'mail.identity.id1.encryption_cert_dbkey': dbKey,
      'mail.identity.id1.encryption_cert_name': 'alice@example.com',
      'mail.identity.id2.signing_cert_dbkey': dbKey,
      'mail.identity.id2.signing_cert_name': 'alice@example.com',
      'mail.identity.id2.encryption_cert_dbkey': dbKey,
      'mail.identity.id2.encryption_cert_name': 'alice@example.com',
    })
    expect(dbKey.startsWith('AAAAAAAAAAAA')).toBe(true)
  })

  it('leaves sign_mail and encryptionpolicy alone unless asked', () => {
    const names = Object.keys(smimePrefChanges(['id1'], {certificate: mailbox, canEncrypt: true}))
    expect(names.some((name) => name.endsWith('.sign_mail') || name.endsWith('.encryptionpolicy'))).toBe(false)
  })

  it('turns signing and required encryption on by default when asked', () => {
    const changes = smimePrefChanges(['id1'], {certificate: mailbox, canEncrypt: true, signByDefault: true, encryptByDefault: true})
    expect(changes['mail.identity.id1.sign_mail']).toBe(true)
    expect(changes['mail.identity.id1.encryptionpolicy']).toBe(2)
  })

  it('turns them off by default when asked (false, and policy 0)', () => {
    const changes = smimePrefChanges(['id1'], {certificate: mailbox, canEncrypt: true, signByDefault: false, encryptByDefault: false})
    expect(changes['mail.identity.id1.sign_mail']).toBe(false)
    expect(changes['mail.identity.id1.encryptionpolicy']).toBe(0)
  })

  it('sets no encryption certificate for a key that cannot decrypt, and never requires encryption with it', () => {
    // Ed25519 can only sign.
    expect(canEncrypt(ed25519)).toBe(false)
    const changes = smimePrefChanges(['id1'], {certificate: ed25519, canEncrypt: false, signByDefault: true, encryptByDefault: true})
    expect(changes).toEqual({
      'mail.identity.id1.signing_cert_dbkey': nssDbKey(ed25519),
      'mail.identity.id1.signing_cert_name': 'Alice Example Ed25519',
      'mail.identity.id1.sign_mail': true,
    })
  })

  it('may still switch encryption by default off for a signing-only certificate', () => {
    const changes = smimePrefChanges(['id1'], {certificate: ed25519, canEncrypt: false, encryptByDefault: false})
    expect(changes['mail.identity.id1.encryptionpolicy']).toBe(0)
    expect(changes['mail.identity.id1.encryption_cert_dbkey']).toBeUndefined()
  })

  it('changes nothing for no identities', () => {
    expect(smimePrefChanges([], {certificate: mailbox, canEncrypt: true, signByDefault: true})).toEqual({})
  })
})
