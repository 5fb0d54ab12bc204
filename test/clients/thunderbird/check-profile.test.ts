/**
 * checkIdentities against a real NSS database read through NSS's own tools (ToolsDriver), with a
 * ThunderbirdProfile built from a small prefs.js: every problem code `mailcert check` reports for an
 * identity, with the certificates of the private test PKI in test/fixtures.
 */
import {rmSync} from 'node:fs'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ExpectedCertificate, IdentityCheck} from '../../../src/clients/client.js'
import {EXPIRY_WARNING_DAYS} from '../../../src/identity/findings.js'
import {checkIdentities} from '../../../src/clients/thunderbird/check-profile.js'
import type {ThunderbirdProfile} from '../../../src/clients/thunderbird/discovery.js'
import {ToolsDriver} from '../../../src/stores/nss/tools-driver.js'
import {manifest, plainHex} from '../../helpers/fixtures.js'
import {profileFromPrefs} from '../../helpers/profile-object.js'
import {addCertificate, fixtureCertificate, fixtureDbKey, importP12, makeNssDb, ROOT_NICKNAME, setTrust} from '../../helpers/nss-db.js'

const DAY_MS = 86_400_000
/** check warns when a certificate has fewer days left than this. */

const ALICE_KEY = fixtureDbKey('certs/mailbox-rsa.pem')
const BOB_KEY = fixtureDbKey('certs/bob-rsa.pem')
const SPONSOR_KEY = fixtureDbKey('certs/sponsor-rsa.pem')
const EXPIRED_KEY = fixtureDbKey('certs/expired.pem')
const CLIENT_ONLY_KEY = fixtureDbKey('certs/eku-client-only.pem')
const NOT_YET_VALID_KEY = fixtureDbKey('certs/not-yet-valid.pem')
/** A real certificate of the test PKI that no database here holds. */
const ABSENT_KEY = fixtureDbKey('certs/organization-rsa.pem')
const ALICE_NOT_AFTER = fixtureCertificate('certs/mailbox-rsa.pem').notAfter
const ALICE_FIX = 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com'

interface TestIdentity {
  key: string
  email?: string
  fullName?: string
  signing?: {dbKey: string; name?: string}
  encryption?: {dbKey: string; name?: string}
  signMail?: boolean
  encryptionPolicy?: number
}

const quote = (text: string): string => JSON.stringify(text)

/** prefs.js as Thunderbird writes it: one IMAP account per identity. */
function prefsText(identities: TestIdentity[]): string {
  const lines = ['// Mozilla User Preferences', '']
  const accounts = identities.map((_, index) => `account${index + 1}`)
  lines.push(`user_pref("mail.accountmanager.accounts", ${quote(accounts.join(','))});`)
  identities.forEach((identity, index) => {
    const n = index + 1
    const id = (attribute: string, value: string | number | boolean): string =>
      `user_pref("mail.identity.${identity.key}.${attribute}", ${typeof value === 'string' ? quote(value) : String(value)});`
    lines.push(
      `user_pref("mail.account.account${n}.identities", ${quote(identity.key)});`,
      `user_pref("mail.account.account${n}.server", "server${n}");`,
      `user_pref("mail.server.server${n}.type", "imap");`,
      `user_pref("mail.server.server${n}.hostname", "imap.example.com");`,
    )
    if (identity.email !== undefined) lines.push(id('useremail', identity.email))
    if (identity.fullName !== undefined) lines.push(id('fullName', identity.fullName))
    if (identity.signing) {
      lines.push(id('signing_cert_dbkey', identity.signing.dbKey))
      if (identity.signing.name !== undefined) lines.push(id('signing_cert_name', identity.signing.name))
    }
    if (identity.encryption) {
      lines.push(id('encryption_cert_dbkey', identity.encryption.dbKey))
      if (identity.encryption.name !== undefined) lines.push(id('encryption_cert_name', identity.encryption.name))
    }
    if (identity.signMail !== undefined) lines.push(id('sign_mail', identity.signMail))
    if (identity.encryptionPolicy !== undefined) lines.push(id('encryptionpolicy', identity.encryptionPolicy))
  })
  return `${lines.join('\n')}\n`
}

function profileOf(dir: string, identities: TestIdentity[]): ThunderbirdProfile {
  return profileFromPrefs(dir, prefsText(identities))
}

let driver: ToolsDriver

/** checkIdentities on a fresh session of the database in `dir`, as `mailcert check` does it. */
async function check(dir: string, identities: TestIdentity[], now = new Date()): Promise<IdentityCheck[]> {
  const session = await driver.open(dir, {})
  try {
    return await checkIdentities(profileOf(dir, identities), session, now)
  } finally {
    await session.close()
  }
}

async function checkOne(dir: string, identity: TestIdentity, now?: Date): Promise<IdentityCheck> {
  const [result] = await check(dir, [identity], now)
  expect(result).toBeDefined()
  return result!
}

const codes = (identity: IdentityCheck): string[] => identity.problems.map((p) => p.code)

const alice = (overrides: Partial<TestIdentity> = {}): TestIdentity => ({
  key: 'id1',
  email: 'alice@example.com',
  fullName: 'Alice Example',
  signing: {dbKey: ALICE_KEY, name: 'alice@example.com'},
  encryption: {dbKey: ALICE_KEY, name: 'alice@example.com'},
  ...overrides,
})

const scratch: string[] = []
/**
 * A database with alice (mailbox-rsa), bob, and the expired, client-auth-only and not-yet-valid
 * certificates imported with their keys, sponsor-rsa without its key, and the test root trusted for e-mail.
 */
let db: string

beforeAll(async () => {
  const located = await ToolsDriver.locate()
  if (!located) throw new Error('these tests need certutil and pk12util (libnss3-tools)')
  driver = located
  db = makeNssDb()
  scratch.push(db)
  importP12(db, 'mailbox-rsa.p12')
  importP12(db, 'bob-rsa.p12')
  importP12(db, 'expired.p12')
  importP12(db, 'eku-client-only.p12')
  importP12(db, 'not-yet-valid.p12')
  addCertificate(db, 'Alice Sponsor (no key)', 'certs/sponsor-rsa.pem')
  setTrust(db, ROOT_NICKNAME, ',C,')
})

afterAll(() => {
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
})

describe('checkIdentities: a correctly set-up identity', () => {
  it('describes the certificate the identity signs and decrypts with, and finds nothing wrong', async () => {
    const result = await checkOne(db, alice({signMail: true, encryptionPolicy: 2}))
    const entry = manifest['p12/mailbox-rsa.p12']!
    const expected = {
      reference: ALICE_KEY,
      name: 'alice@example.com',
      certificate: {
        subject: 'CN=alice@example.com',
        emails: ['alice@example.com'],
        notAfter: '2036-12-31T23:59:59.000Z',
        daysLeft: expect.any(Number),
        fingerprintSha256: plainHex(entry.sha256!),
        nickname: 'Alice Example',
      },
      hasKey: true,
      verdict: {valid: true},
    }
    expect(result).toMatchObject({
      key: 'id1',
      email: 'alice@example.com',
      name: 'Alice Example',
      accounts: ['account1'],
      configured: true,
      signing: expected,
      encryption: expected,
      signByDefault: true,
      encryptByDefault: true,
      problems: [],
    })
    expect(result.signing!.certificate!.daysLeft).toBeGreaterThan(EXPIRY_WARNING_DAYS)
  })

  it('matches the address case-insensitively, and finds a dbKey written with line breaks (old Thunderbird)', async () => {
    const wrapped = `${ALICE_KEY.slice(0, 20)}\r\n${ALICE_KEY.slice(20, 64)}\n${ALICE_KEY.slice(64)}`
    const result = await checkOne(db, alice({email: 'Alice@Example.COM', signing: {dbKey: wrapped, name: 'alice'}}))
    expect(result.signing!.certificate).not.toBeNull()
    expect(result.signing!.hasKey).toBe(true)
    expect(result.problems).toEqual([])
  })

  it('accepts a certificate that names the address in a second SAN entry', async () => {
    // sponsor-rsa names alice@example.com and alice.example@example.org; only its missing key is wrong.
    const result = await checkOne(db, alice({email: 'alice.example@example.org', signing: {dbKey: SPONSOR_KEY, name: 'Alice Example'}, encryption: undefined}))
    expect(codes(result)).toEqual(['private-key-missing'])
  })

  it('reports every identity of the profile, in account order', async () => {
    const results = await check(db, [alice(), {key: 'id2', email: 'bob@example.com', fullName: 'Bob', signing: {dbKey: BOB_KEY, name: 'bob'}}])
    expect(results.map((r) => [r.key, r.email, r.accounts, r.problems.length])).toEqual([
      ['id1', 'alice@example.com', ['account1'], 0],
      ['id2', 'bob@example.com', ['account2'], 0],
    ])
    // An identity that only signs has no encryption state.
    expect(results[1]!.encryption).toBeNull()
    expect(results[1]!.signByDefault).toBe(false)
    expect(results[1]!.encryptByDefault).toBe(false)
  })
})

describe('checkIdentities: one problem code each', () => {
  it('smime-not-configured (info) for an identity without certificates', async () => {
    const [withAddress, withoutAddress] = await check(db, [{key: 'id1', email: 'carol@example.com'}, {key: 'id7'}])
    expect(withAddress).toMatchObject({configured: false, signing: null, encryption: null})
    expect(withAddress!.problems).toEqual([
      {
        severity: 'info',
        code: 'smime-not-configured',
        message: 'carol@example.com has no S/MIME certificate.',
        fix: 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account carol@example.com',
        profile: db,
        account: 'carol@example.com',
      },
    ])
    // Without an address the identity is named by its key, and the fix cannot name an account.
    expect(withoutAddress!.problems).toEqual([
      {severity: 'info', code: 'smime-not-configured', message: 'id7 has no S/MIME certificate.', fix: 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird', profile: db, account: undefined},
    ])
  })

  it('signing-certificate-missing when the dbKey points at nothing in the database', async () => {
    const result = await checkOne(db, alice({signing: {dbKey: ABSENT_KEY, name: 'Example GmbH'}, encryption: undefined}))
    expect(result.signing).toEqual({reference: ABSENT_KEY, name: 'Example GmbH', certificate: null, hasKey: false, verdict: null})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'signing-certificate-missing',
        message: "The signing certificate this identity points at is not in the profile's database.",
        fix: ALICE_FIX,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('signing-certificate-missing for a dbKey that is not even well-formed', async () => {
    const result = await checkOne(db, alice({signing: {dbKey: 'AAAAAAAAAAAAnot-a-real-key', name: 'x'}, encryption: undefined}))
    expect(codes(result)).toEqual(['signing-certificate-missing'])
  })

  it('private-key-missing for a certificate added with certutil -A, without its key', async () => {
    const result = await checkOne(db, alice({signing: {dbKey: SPONSOR_KEY, name: 'Alice Example'}, encryption: {dbKey: SPONSOR_KEY, name: 'Alice Example'}}))
    expect(result.signing).toMatchObject({hasKey: false, verdict: {valid: true}, certificate: {nickname: 'Alice Sponsor (no key)'}})
    // Signing and encryption use the same certificate: the problem is reported once.
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'private-key-missing',
        message: "The signing certificate's private key is not in the profile's database.",
        fix: ALICE_FIX,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('signing-name-empty when signing_cert_name is empty or unset (the compose window keeps S/MIME off)', async () => {
    const unset = await checkOne(db, alice({signing: {dbKey: ALICE_KEY}, encryption: undefined}))
    expect(unset.problems).toMatchObject([{severity: 'warning', code: 'signing-name-empty', fix: ALICE_FIX, account: 'alice@example.com'}])
    const empty = await checkOne(db, alice({signing: {dbKey: ALICE_KEY, name: ''}, encryption: {dbKey: ALICE_KEY, name: 'alice@example.com'}}))
    expect(codes(empty)).toEqual(['signing-name-empty'])
    expect(empty.problems[0]!.message).toMatch(/signing certificate has no name/)
  })

  it('encryption-name-empty, also when encryption uses the signing certificate', async () => {
    const same = await checkOne(db, alice({encryption: {dbKey: ALICE_KEY, name: ''}}))
    expect(same.problems).toMatchObject([{severity: 'warning', code: 'encryption-name-empty', fix: ALICE_FIX}])
    const both = await checkOne(db, alice({signing: {dbKey: ALICE_KEY}, encryption: {dbKey: ALICE_KEY}}))
    expect(codes(both).sort()).toEqual(['encryption-name-empty', 'signing-name-empty'])
  })

  it("address-mismatch for bob's certificate on alice's identity", async () => {
    const result = await checkOne(db, alice({signing: {dbKey: BOB_KEY, name: 'bob@example.com'}, encryption: {dbKey: BOB_KEY, name: 'bob@example.com'}}))
    expect(result.signing).toMatchObject({hasKey: true, verdict: {valid: true}, certificate: {emails: ['bob@example.com']}})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'address-mismatch',
        message: 'The signing certificate is for bob@example.com, not alice@example.com.',
        fix: ALICE_FIX,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('expired, when the clock is past the certificate\'s notAfter (and no second "not valid" for the same cause)', async () => {
    const now = new Date(ALICE_NOT_AFTER.getTime() + 3 * DAY_MS)
    const result = await checkOne(db, alice(), now)
    expect(result.signing!.certificate!.daysLeft).toBe(-3)
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'expired',
        message: 'The signing certificate expired on 2036-12-31: it can no longer sign, and nobody can encrypt to it.',
        fix: `Get a new certificate from your certificate authority, then: ${ALICE_FIX.replace('YOUR-CERTIFICATE', 'NEW-CERTIFICATE')} (the old key stays, so mail encrypted to the old certificate still opens)`,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('expired for a certificate that really expired in 2021: NSS also rejects it, and that is not reported twice', async () => {
    const result = await checkOne(db, alice({signing: {dbKey: EXPIRED_KEY, name: 'Alice Example'}, encryption: undefined}))
    expect(result.signing).toMatchObject({hasKey: true, certificate: {notAfter: '2021-01-01T00:00:00.000Z'}, verdict: {valid: false}})
    expect(codes(result)).toEqual(['expired'])
    expect(result.problems[0]!.message).toBe('The signing certificate expired on 2021-01-01: it can no longer sign, and nobody can encrypt to it.')
  })

  it('expires-soon within 30 days of notAfter, and not at exactly 30 days', async () => {
    const soon = await checkOne(db, alice(), new Date(ALICE_NOT_AFTER.getTime() - 10 * DAY_MS))
    expect(soon.problems).toEqual([
      {
        severity: 'warning',
        code: 'expires-soon',
        message: 'The signing certificate expires in 10 days (2036-12-31).',
        fix: `Ask your certificate authority for the new one now; when its file arrives: ${ALICE_FIX.replace('YOUR-CERTIFICATE', 'NEW-CERTIFICATE')}`,
        profile: db,
        account: 'alice@example.com',
      },
    ])
    const edge = await checkOne(db, alice(), new Date(ALICE_NOT_AFTER.getTime() - EXPIRY_WARNING_DAYS * DAY_MS))
    expect(edge.signing!.certificate!.daysLeft).toBe(EXPIRY_WARNING_DAYS)
    expect(edge.problems).toEqual([])
    const justInside = await checkOne(db, alice(), new Date(ALICE_NOT_AFTER.getTime() - EXPIRY_WARNING_DAYS * DAY_MS + 1))
    expect(codes(justInside)).toEqual(['expires-soon'])
  })

  it('not-valid when NSS rejects a certificate for another reason (EKU clientAuth only, no emailProtection)', async () => {
    const result = await checkOne(db, alice({signing: {dbKey: CLIENT_ONLY_KEY, name: 'Alice Example'}, encryption: undefined}))
    expect(result.signing).toMatchObject({hasKey: true, verdict: {valid: false, code: 'inadequate-usage'}})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'not-valid',
        message: 'The signing certificate is not accepted: the certificate is not allowed for this use (key usage or extended key usage).',
        fix: ALICE_FIX,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('a certificate that is not valid yet (notBefore 2040) is not called expired', async () => {
    // NSS reports both cases as SEC_ERROR_EXPIRED_CERTIFICATE (-8181); mailcert knows the dates and
    // must not tell the user that a certificate which only starts in 2040 has expired.
    const result = await checkOne(db, alice({signing: {dbKey: NOT_YET_VALID_KEY, name: 'Alice Example'}, encryption: undefined}))
    expect(result.signing).toMatchObject({hasKey: true, verdict: {valid: false}})
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]).toMatchObject({severity: 'error', account: 'alice@example.com'})
    expect(result.problems[0]!.message).not.toMatch(/expired/i)
    expect(result.problems[0]!.message).toContain('2040-01-01')
  })

  it('several problems of one certificate are all reported', async () => {
    // bob's certificate with no name, and the clock moved past its end: mismatch, no name, expired.
    const now = new Date(fixtureCertificate('certs/bob-rsa.pem').notAfter.getTime() + DAY_MS)
    const result = await checkOne(db, alice({signing: {dbKey: BOB_KEY, name: ''}, encryption: undefined}), now)
    expect(codes(result).sort()).toEqual(['address-mismatch', 'expired', 'signing-name-empty'])
  })
})

describe('checkIdentities: trust of a private root', () => {
  it('not-trusted while the test root is not trusted for e-mail, valid once it is (certutil -M -t ",C,")', async () => {
    const untrusted = makeNssDb()
    scratch.push(untrusted)
    importP12(untrusted, 'mailbox-rsa.p12')

    const before = await checkOne(untrusted, alice())
    expect(before.signing!.hasKey).toBe(true)
    expect(before.signing!.verdict).toMatchObject({valid: false, code: expect.stringMatching(/^(untrusted|unknown)-issuer$/), reason: expect.any(String)})
    expect(before.encryption!.verdict).toMatchObject({valid: false})
    expect(before.problems).toHaveLength(1)
    expect(before.problems[0]).toMatchObject({
      severity: 'error',
      code: 'not-trusted',
      message: expect.stringMatching(/^The signing certificate is not accepted: .+\.$/),
      fix: `${ALICE_FIX} --trust-root (if its root is your organisation's), or install the missing intermediate certificate`,
      account: 'alice@example.com',
    })

    setTrust(untrusted, ROOT_NICKNAME, ',C,')
    const after = await checkOne(untrusted, alice())
    expect(after.signing!.verdict).toEqual({valid: true})
    expect(after.encryption!.verdict).toEqual({valid: true})
    expect(after.problems).toEqual([])
  })

  it('not-trusted when only the leaf is in the database (no intermediate to build a chain)', async () => {
    const leafOnly = makeNssDb()
    scratch.push(leafOnly)
    addCertificate(leafOnly, 'Alice', 'certs/mailbox-rsa.pem')
    const result = await checkOne(leafOnly, alice({encryption: undefined}))
    expect(result.signing!.verdict).toMatchObject({valid: false, code: 'unknown-issuer'})
    expect(codes(result)).toEqual(['private-key-missing', 'not-trusted'])
  })
})

describe('checkIdentities: encryption is checked on its own when it uses another certificate', () => {
  it("reports the encryption certificate's problems separately from a good signing certificate", async () => {
    const result = await checkOne(db, alice({encryption: {dbKey: BOB_KEY, name: 'bob@example.com'}}))
    expect(result.signing).toMatchObject({reference: ALICE_KEY, verdict: {valid: true}})
    expect(result.encryption).toMatchObject({reference: BOB_KEY, hasKey: true, verdict: {valid: true}, certificate: {emails: ['bob@example.com']}})
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'address-mismatch',
        message: 'The encryption certificate is for bob@example.com, not alice@example.com.',
        fix: ALICE_FIX,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('encryption-certificate-missing, and the encryption problems of a certificate without its key', async () => {
    const missing = await checkOne(db, alice({encryption: {dbKey: ABSENT_KEY, name: 'x'}}))
    expect(missing.signing!.certificate).not.toBeNull()
    expect(missing.problems).toMatchObject([
      {severity: 'error', code: 'encryption-certificate-missing', message: "The encryption certificate this identity points at is not in the profile's database."},
    ])

    const noKey = await checkOne(db, alice({encryption: {dbKey: SPONSOR_KEY, name: ''}}))
    expect(noKey.problems.map((p) => [p.code, p.message])).toEqual([
      ['private-key-missing', "The encryption certificate's private key is not in the profile's database."],
      ['encryption-name-empty', 'The encryption certificate has no name in the settings, so the compose window keeps S/MIME switched off.'],
    ])
  })

  it('an identity that only encrypts is configured, and its missing signing certificate is not invented', async () => {
    const carol = {key: 'id1', email: 'carol@example.com', encryption: {dbKey: ALICE_KEY, name: 'alice'}}
    const result = await checkOne(db, carol)
    expect(result.configured).toBe(true)
    expect(result.signing).toBeNull()
    expect(result.encryption).toMatchObject({verdict: {valid: true}})
    // carol's address has no certificate anywhere: only the certificate she decrypts with is judged.
    expect(codes(result)).toEqual(['address-mismatch'])
  })

  it('an identity that only encrypts while its own certificate (with key) is in the database cannot sign: certificate-not-set', async () => {
    const result = await checkOne(db, alice({signing: undefined}))
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'certificate-not-set',
        message: "alice@example.com has no signing certificate set, though the profile's database holds one for this address with its private key (CN=alice@example.com, until 2036-12-31).",
        fix: `${ALICE_FIX}\nor in Thunderbird: Account Settings > End-To-End Encryption > S/MIME > Select, and choose "Alice Example"`,
        profile: db,
        account: 'alice@example.com',
      },
    ])
  })

  it('expires-soon is reported for each certificate in use', async () => {
    const now = new Date(Math.min(ALICE_NOT_AFTER.getTime(), fixtureCertificate('certs/bob-rsa.pem').notAfter.getTime()) - 5 * DAY_MS)
    const result = await checkOne(db, {key: 'id1', email: 'bob@example.com', signing: {dbKey: BOB_KEY, name: 'bob'}, encryption: {dbKey: ALICE_KEY, name: 'alice'}}, now)
    expect(result.problems.filter((p) => p.code === 'expires-soon').map((p) => p.message.split(' expires')[0])).toEqual([
      'The signing certificate',
      'The encryption certificate',
    ])
  })
})

describe('checkIdentities: a renewed certificate added without its key', () => {
  it('private-key-missing for the new certificate even though an older one with the same subject has its key', async () => {
    // legacy-mailbox has the same subject (CN=alice@example.com) as mailbox-rsa, whose key is in the
    // database: the situation after a renewal whose certificate was imported from a .cer file alone.
    const renewal = makeNssDb()
    scratch.push(renewal)
    importP12(renewal, 'mailbox-rsa.p12')
    setTrust(renewal, ROOT_NICKNAME, ',C,')
    addCertificate(renewal, 'Alice renewed', 'certs/legacy-mailbox.pem')
    const renewedKey = fixtureDbKey('certs/legacy-mailbox.pem')

    const result = await checkOne(renewal, alice({signing: {dbKey: renewedKey, name: 'alice'}, encryption: undefined}))
    expect(result.signing!.certificate).not.toBeNull()
    expect(result.signing!.hasKey).toBe(false)
    expect(codes(result)).toEqual(['private-key-missing'])
    // And the old certificate, which does have its key, is still seen as having it.
    const old = await checkOne(renewal, alice({encryption: undefined}))
    expect(old.signing!.hasKey).toBe(true)
  })
})

describe('checkIdentities: an identity with no certificate set although one for its address is known', () => {
  const MAILBOX = fixtureCertificate('certs/mailbox-rsa.pem')
  const given = (file?: string): ExpectedCertificate => ({
    source: 'given',
    emails: MAILBOX.emails,
    subject: MAILBOX.subject.text,
    references: {'nss-dbkey': ALICE_KEY},
    notAfter: MAILBOX.notAfter,
    label: 'the certificate in mailbox-rsa.p12',
    ...(file ? {file} : {}),
  })
  const bare = {key: 'id1', email: 'alice@example.com', fullName: 'Alice Example'}

  async function checkWith(dir: string, identity: TestIdentity, expected: ExpectedCertificate[], now = new Date()): Promise<IdentityCheck> {
    const session = await driver.open(dir, {})
    try {
      const [result] = await checkIdentities(profileOf(dir, [identity]), session, now, expected)
      return result!
    } finally {
      await session.close()
    }
  }

  it("the profile's database holds a certificate for the address with its key: an error, not information", async () => {
    const result = await checkOne(db, bare)
    expect(result).toMatchObject({configured: false, signing: null, encryption: null})
    expect(result.problems).toMatchObject([{severity: 'error', code: 'certificate-not-set', account: 'alice@example.com'}])
    expect(result.problems[0]!.message).toContain("the profile's database holds one for this address with its private key (CN=alice@example.com, until 2036-12-31)")
  })

  it('what the database holds only counts when it could sign today: with its key, in date, for e-mail', async () => {
    // Each certificate here names an address and is in the database, but none could sign: sponsor-rsa has
    // no key, one expired, one is for clientAuth only, one is valid from 2040.
    const onlyUnusable = makeNssDb()
    scratch.push(onlyUnusable)
    importP12(onlyUnusable, 'expired.p12')
    importP12(onlyUnusable, 'eku-client-only.p12')
    importP12(onlyUnusable, 'not-yet-valid.p12')
    addCertificate(onlyUnusable, 'Alice Sponsor (no key)', 'certs/sponsor-rsa.pem')
    for (const file of ['certs/expired.pem', 'certs/eku-client-only.pem', 'certs/not-yet-valid.pem', 'certs/sponsor-rsa.pem']) {
      const email = fixtureCertificate(file).emails[0]!
      expect(codes(await checkOne(onlyUnusable, {key: 'id1', email})), `${file} (${email})`).toEqual(['smime-not-configured'])
    }
  })

  it('a certificate the user named (a .p12): the fix installs that file', async () => {
    const empty = makeNssDb()
    scratch.push(empty)
    const result = await checkWith(empty, bare, [given('/home/alice/Downloads/alice cert.p12')])
    expect(result.problems).toEqual([
      {
        severity: 'error',
        code: 'certificate-not-set',
        message: 'alice@example.com has no S/MIME certificate set, though the certificate in mailbox-rsa.p12 (CN=alice@example.com, until 2036-12-31) is for this address.',
        fix: 'mailcert install "/home/alice/Downloads/alice cert.p12" --client thunderbird --account alice@example.com',
        profile: empty,
        account: 'alice@example.com',
      },
    ])
    // A bare certificate cannot be installed: the fix asks for the .p12 that holds it.
    expect((await checkWith(empty, bare, [given()])).problems[0]!.fix).toBe(ALICE_FIX)
    // An identity with another address is none of its business.
    expect(codes(await checkWith(empty, {key: 'id1', email: 'carol@example.com'}, [given('/tmp/a.p12')]))).toEqual(['smime-not-configured'])
  })

  it("mailcert's journal says it set the identity up: the setting is gone", async () => {
    const empty = makeNssDb()
    scratch.push(empty)
    const installed: ExpectedCertificate = {source: 'journal', emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': ALICE_KEY}, installedAt: '2026-11-30T08:00:00.000Z'}
    const result = await checkWith(empty, bare, [installed])
    expect(result.problems).toMatchObject([
      {severity: 'error', code: 'certificate-not-set', message: 'alice@example.com has no S/MIME certificate set, though mailcert set it up with CN=alice@example.com on 2026-11-30.', fix: ALICE_FIX},
    ])
  })

  it('other-certificate: an identity for the named certificate that signs with another one', async () => {
    const result = await checkWith(db, alice({signing: {dbKey: SPONSOR_KEY, name: 'Alice Sponsor'}, encryption: undefined}), [given('/tmp/alice.p12')])
    expect(codes(result)).toEqual(['private-key-missing', 'other-certificate'])
    expect(result.problems[1]).toEqual({
      severity: 'warning',
      code: 'other-certificate',
      message: `alice@example.com signs with another certificate (${fixtureCertificate('certs/sponsor-rsa.pem').subject.text}, until ${fixtureCertificate('certs/sponsor-rsa.pem').notAfter.toISOString().slice(0, 10)}) than the certificate in mailbox-rsa.p12.`,
      fix: 'mailcert install /tmp/alice.p12 --client thunderbird --account alice@example.com',
      profile: db,
      account: 'alice@example.com',
    })
    // Signing with the named certificate is what was asked for.
    expect((await checkWith(db, alice(), [given('/tmp/alice.p12')])).problems).toEqual([])
  })

  it('a named certificate without a recorded reference: Thunderbird computes its own dbKey from the certificate', async () => {
    const named: ExpectedCertificate = {...given('/tmp/alice.p12'), references: {}, certificate: MAILBOX}
    expect((await checkWith(db, alice(), [named])).problems).toEqual([])
    const other = await checkWith(db, alice({signing: {dbKey: SPONSOR_KEY, name: 'Alice Sponsor'}, encryption: undefined}), [named])
    expect(codes(other)).toEqual(['private-key-missing', 'other-certificate'])
  })
})

describe('checkIdentities without a database session (it could not be read)', () => {
  it('lists every identity and what its settings point at, and judges nothing that needs the database', async () => {
    const profile = profileOf(db, [alice({signing: {dbKey: ABSENT_KEY, name: 'Example GmbH'}}), {key: 'id2', email: 'bob@example.com'}])
    const [first, second] = await checkIdentities(profile, null, new Date())
    expect(first).toMatchObject({email: 'alice@example.com', configured: true, signing: {reference: ABSENT_KEY, name: 'Example GmbH', certificate: null, hasKey: false, verdict: null}, problems: []})
    expect(second).toMatchObject({email: 'bob@example.com', configured: false, problems: [{severity: 'info', code: 'smime-not-configured'}]})
  })
})
