import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {identityPrefName, readAccounts, SMIME_IDENTITY_ATTRIBUTES, type SmimeSettings} from '../../../src/clients/thunderbird/accounts.js'
import {parsePrefs} from '../../../src/clients/thunderbird/prefs-js.js'

const FIXTURES = new URL('../../fixtures/thunderbird/', import.meta.url)
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES))

const DBKEY = 'AAAAAAAAAAAAAAAHAAAAMwCKGyw9Tl8wMTEdMBsGA1UEAwwUVGVzdCBJbnRlcm1lZGlhdGUgQ0ExEDAOBgNVBAoMB0V4YW1wbGU='

const NO_SMIME: SmimeSettings = {
  signingCertDbKey: '',
  signingCertName: '',
  encryptionCertDbKey: '',
  encryptionCertName: '',
  signMail: false,
  encryptionPolicy: 0,
}

/** A prefs.js from statements, one per line. */
const prefs = (...statements: string[]) => parsePrefs(statements.join('\n'))

describe('readAccounts on prefs.js files written by Thunderbird', () => {
  it('finds nothing in a new profile', () => {
    expect(readAccounts(parsePrefs(fixture('prefs.js')))).toEqual({accounts: [], identities: [], defaultAccountKey: null, skippedAccounts: []})
  })

  it('reads accounts, servers, shared identities and S/MIME settings', () => {
    const model = readAccounts(parsePrefs(fixture('prefs-with-accounts.js')))
    expect(model.defaultAccountKey).toBe('account1')
    expect(model.skippedAccounts).toEqual([])
    expect(model.accounts).toEqual([
      {
        key: 'account1',
        server: {key: 'server1', type: 'imap', hostname: 'imap.example.com', userName: 'alice', name: 'alice@example.com'},
        identityKeys: ['id1', 'id2'],
      },
      {
        key: 'account2',
        server: {key: 'server2', type: 'pop3', hostname: 'pop.example.org', userName: 'team', name: 'Team mailbox'},
        identityKeys: ['id2'],
      },
      {
        // Local Folders, which Thunderbird re-created as account4 (the orphan account3 is not in the list).
        key: 'account4',
        server: {key: 'server3', type: 'none', hostname: 'Local Folders', userName: 'nobody', name: 'Local Folders'},
        identityKeys: [],
      },
    ])
    expect(model.identities).toEqual([
      {
        key: 'id1',
        email: 'alice@example.com',
        fullName: 'Alice Exämple',
        label: null,
        accountKeys: ['account1'],
        smime: {
          signingCertDbKey: DBKEY,
          signingCertName: 'Alice Example',
          encryptionCertDbKey: DBKEY,
          encryptionCertName: 'Alice Example',
          signMail: true,
          encryptionPolicy: 2,
        },
      },
      {key: 'id2', email: 'team@example.org', fullName: 'Example Team', label: 'Team', accountKeys: ['account1', 'account2'], smime: NO_SMIME},
    ])
  })

  it('lets user.js override prefs.js', () => {
    const userJs = parsePrefs('user_pref("mail.identity.id2.sign_mail", true);\nuser_pref("mail.accountmanager.defaultaccount", "account2");')
    const model = readAccounts([parsePrefs(fixture('prefs-with-accounts.js')), userJs])
    expect(model.defaultAccountKey).toBe('account2')
    expect(model.identities.find((identity) => identity.key === 'id2')?.smime.signMail).toBe(true)
  })
})

describe('readAccounts, as Thunderbird loads the account list', () => {
  const server = (key: string, type = 'imap') => `user_pref("mail.server.${key}.type", "${type}");`

  it('does not strip whitespace from account keys, and skips empty and repeated ones', () => {
    const model = readAccounts(
      prefs(
        'user_pref("mail.accountmanager.accounts", ",account1,, account2,account1");',
        'user_pref("mail.account.account1.server", "server1");',
        'user_pref("mail.account.account2.server", "server2");',
        server('server1'),
        server('server2'),
      ),
    )
    expect(model.accounts.map((account) => account.key)).toEqual(['account1'])
    expect(model.skippedAccounts).toEqual([{key: ' account2', reason: 'no-server'}])
  })

  it('skips an account whose server another account has, or whose server has no type', () => {
    const model = readAccounts(
      prefs(
        'user_pref("mail.accountmanager.accounts", "account1,account2,account3");',
        'user_pref("mail.account.account1.server", "server1");',
        'user_pref("mail.account.account2.server", "server1");',
        'user_pref("mail.account.account3.server", "server3");',
        server('server1'),
        'user_pref("mail.server.server3.hostname", "typeless.example");',
      ),
    )
    expect(model.accounts.map((account) => account.key)).toEqual(['account1'])
    expect(model.skippedAccounts).toEqual([
      {key: 'account2', reason: 'duplicate-server'},
      {key: 'account3', reason: 'no-server-type'},
    ])
  })

  it('strips whitespace from identity keys and drops empty and repeated ones', () => {
    const model = readAccounts(
      prefs(
        'user_pref("mail.accountmanager.accounts", "account1");',
        'user_pref("mail.account.account1.server", "server1");',
        'user_pref("mail.account.account1.identities", " id1 ,,id 2, id1,");',
        server('server1'),
      ),
    )
    expect(model.accounts[0]?.identityKeys).toEqual(['id1', 'id2'])
    expect(model.identities.map((identity) => [identity.key, identity.email])).toEqual([
      ['id1', null],
      ['id2', null],
    ])
  })

  it('reads only prefs of the right type', () => {
    const model = readAccounts(prefs('user_pref("mail.accountmanager.accounts", 1);', 'user_pref("mail.accountmanager.defaultaccount", true);'))
    expect(model).toEqual({accounts: [], identities: [], defaultAccountKey: null, skippedAccounts: []})
  })
})

describe('identity settings', () => {
  const oneIdentity = (...statements: string[]) =>
    readAccounts(
      prefs(
        'user_pref("mail.accountmanager.accounts", "account1");',
        'user_pref("mail.account.account1.server", "server1");',
        'user_pref("mail.account.account1.identities", "id1");',
        'user_pref("mail.server.server1.type", "imap");',
        ...statements,
      ),
    ).identities[0]

  it("falls back to mail.identity.default, then to Thunderbird's defaults", () => {
    const identity = oneIdentity(
      'user_pref("mail.identity.default.sign_mail", true);',
      'user_pref("mail.identity.default.signing_cert_name", "Shared");',
      'user_pref("mail.identity.id1.signing_cert_name", "Own");',
      'user_pref("mail.identity.default.encryptionpolicy", 2);',
      'user_pref("mail.identity.default.fullName", "Nobody");',
    )
    expect(identity?.smime).toEqual({...NO_SMIME, signMail: true, signingCertName: 'Own', encryptionPolicy: 2})
    expect(identity?.fullName).toBe('Nobody')
  })

  it('skips a value of the wrong type, as the typed pref getters fail on it', () => {
    const identity = oneIdentity(
      'user_pref("mail.identity.id1.sign_mail", 1);',
      'user_pref("mail.identity.default.sign_mail", true);',
      'user_pref("mail.identity.id1.encryptionpolicy", "2");',
      'user_pref("mail.identity.id1.useremail", false);',
    )
    expect(identity?.smime.signMail).toBe(true)
    expect(identity?.smime.encryptionPolicy).toBe(0)
    expect(identity?.email).toBeNull()
  })

  it('keeps an old dbkey with line breaks as written; Thunderbird strips them when it looks the key up', () => {
    const identity = oneIdentity('user_pref("mail.identity.id1.signing_cert_dbkey", "AAAA\\r\\nBBBB");')
    expect(identity?.smime.signingCertDbKey).toBe('AAAA\r\nBBBB')
  })
})

describe('identityPrefName', () => {
  it('names identity prefs', () => {
    expect(identityPrefName('id3', 'signing_cert_dbkey')).toBe('mail.identity.id3.signing_cert_dbkey')
    expect(Object.values(SMIME_IDENTITY_ATTRIBUTES).map((attribute) => identityPrefName('id1', attribute))).toEqual([
      'mail.identity.id1.signing_cert_dbkey',
      'mail.identity.id1.signing_cert_name',
      'mail.identity.id1.encryption_cert_dbkey',
      'mail.identity.id1.encryption_cert_name',
      'mail.identity.id1.sign_mail',
      'mail.identity.id1.encryptionpolicy',
    ])
  })
})
