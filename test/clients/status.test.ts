/**
 * The verdict of `mailcert status` over check results: installed only when every account with one of
 * the certificate's addresses names it, with its key, for signing and encryption. The check results
 * are shaped as the clients' checks make them, with the test PKI's real certificates (manifest).
 */
import {describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/clients/check.js'
import type {CertificateState, ClientCheck, IdentityCheck, PlaceCheck} from '../../src/clients/client.js'
import {installedTargets, judgeStatus, normaliseFingerprint, statusReasons, type StatusTarget, targetFromStores} from '../../src/clients/status.js'
import {supportRow} from '../../src/clients/support-table.js'
import type {JournalEntry} from '../../src/install/journal.js'
import {manifest, plainHex} from '../helpers/fixtures.js'

const ALICE = {sha256: plainHex(manifest['p12/mailbox-rsa.p12']!.sha256!), emails: ['alice@example.com'], subject: 'CN=alice@example.com'}
const BOB = {sha256: plainHex(manifest['p12/bob-rsa.p12']!.sha256!), emails: ['bob@example.com'], subject: 'CN=bob@example.com'}
const ALICE_TARGET: StatusTarget = {sha256: ALICE.sha256, emails: ALICE.emails, subject: ALICE.subject}

function state(of: typeof ALICE | null, hasKey = true): CertificateState {
  return {
    reference: 'dbkey',
    name: 'name',
    certificate: of ? {subject: of.subject, emails: of.emails, notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2036-12-31T00:00:00.000Z', daysLeft: 3000, fingerprintSha256: of.sha256, nickname: 'name'} : null,
    hasKey,
    verdict: null,
  }
}

function identity(email: string, signing: CertificateState | null, encryption: CertificateState | null = signing): IdentityCheck {
  return {key: email, email, name: null, accounts: [], configured: signing !== null, signing, encryption, signByDefault: false, encryptByDefault: false, problems: []}
}

function place(name: string, identities: IdentityCheck[], problems: PlaceCheck['problems'] = []): PlaceCheck {
  return {name, dir: `/home/alice/${name}`, title: name, facts: [], busy: false, checkedWith: 'tools', identities, problems}
}

function client(id: string, name: string, places: PlaceCheck[]): ClientCheck {
  return {client: id, name, program: null, support: supportRow('thunderbird', 'linux')!, storeAccess: 'tools', profiles: places}
}

function result(...clients: ClientCheck[]): CheckResult {
  return {platform: 'linux', clients, notInstalled: [], problems: []}
}

describe('judgeStatus', () => {
  it('installed: every account for the address uses the certificate with its key, in every client; one line', () => {
    const status = judgeStatus(
      [ALICE_TARGET],
      result(
        client('thunderbird', 'Thunderbird', [place('default', [identity('Alice@Example.com', state(ALICE)), identity('bob@example.com', null)]), place('work', [identity('alice@example.com', state(ALICE))])]),
        client('evolution', 'Evolution', [place('Evolution', [identity('alice@example.com', state(ALICE))])]),
      ),
    )
    expect(status.installed).toBe(true)
    expect(status.line).toBe('alice@example.com: installed, used by 3 accounts (Thunderbird "default", Thunderbird "work", Evolution)')
    expect(statusReasons(status)).toEqual([])
  })

  it('not installed when one account of several does not use it, each reason said', () => {
    const cases: Array<[IdentityCheck, string]> = [
      [identity('alice@example.com', null), 'no signing certificate is set'],
      [identity('alice@example.com', state(BOB)), 'its signing certificate is another one (CN=bob@example.com)'],
      [identity('alice@example.com', state(null)), 'the signing certificate it names is not in the store'],
      [identity('alice@example.com', state(ALICE, false)), 'the store holds the certificate without its private key'],
      [identity('alice@example.com', state(ALICE), null), 'no encryption certificate is set'],
      [identity('alice@example.com', state(ALICE), state(BOB)), 'its encryption certificate is another one (CN=bob@example.com)'],
    ]
    for (const [wrong, reason] of cases) {
      const status = judgeStatus([ALICE_TARGET], result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', state(ALICE))]), place('work', [wrong])])))
      expect(status).toMatchObject({installed: false, line: null})
      expect(statusReasons(status)).toEqual([`alice@example.com: Thunderbird "work", alice@example.com: ${reason}`])
    }
  })

  it('with --deep a verdict that refuses the certificate counts against it; one that could not be made does not', () => {
    const refused = {...state(ALICE), verdict: {valid: false, code: 'expired', reason: 'it has expired'}} as CertificateState
    const unchecked = {...state(ALICE), verdict: {valid: false, code: 'cannot-check', reason: 'no vfychain'}} as CertificateState
    expect(judgeStatus([ALICE_TARGET], result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', refused)])]))).installed).toBe(false)
    expect(judgeStatus([ALICE_TARGET], result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', unchecked)])]))).installed).toBe(true)
  })

  it('not installed when no account has the address at all', () => {
    const status = judgeStatus([ALICE_TARGET], result(client('thunderbird', 'Thunderbird', [place('default', [identity('bob@example.com', state(BOB))])])))
    expect(status.installed).toBe(false)
    expect(statusReasons(status)).toEqual(['alice@example.com: no mail account with alice@example.com was found.'])
  })

  it('a client that chooses the certificate itself: its store lacking the identity counts against it', () => {
    const noIdentity = {severity: 'error' as const, code: 'no-identity', message: 'The keychain holds no valid certificate with its private key for alice@example.com', fix: 'mailcert install', account: 'alice@example.com'}
    const tb = client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', state(ALICE))])])
    expect(judgeStatus([ALICE_TARGET], result(tb, client('outlook-mac', 'Outlook for Mac', [place('Outlook for Mac', [], [noIdentity])]))).installed).toBe(false)
    expect(judgeStatus([ALICE_TARGET], result(tb, client('outlook-mac', 'Outlook for Mac', [place('Outlook for Mac', [])]))).installed).toBe(true)
  })

  it('several certificates: installed only when each one is, still one line', () => {
    const both = result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', state(ALICE)), identity('bob@example.com', state(BOB))])]))
    const bobTarget = {sha256: BOB.sha256, emails: BOB.emails, subject: BOB.subject}
    expect(judgeStatus([ALICE_TARGET, bobTarget], both).line).toBe('2 identities installed: alice@example.com (1 account); bob@example.com (1 account)')
    const aliceOnly = result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', state(ALICE)), identity('bob@example.com', null)])]))
    expect(judgeStatus([ALICE_TARGET, bobTarget], aliceOnly)).toMatchObject({installed: false, line: null})
  })

  it('nothing to detect: no certificate named and none installed', () => {
    const status = judgeStatus([], result())
    expect(status).toMatchObject({installed: false, line: null, nothingToDetect: expect.stringMatching(/mailcert has installed none/)})
    expect(statusReasons(status)).toEqual([status.nothingToDetect])
  })
})

describe('what status asks about', () => {
  it('fingerprints in any spelling, and only SHA-256', () => {
    const colons = manifest['p12/mailbox-rsa.p12']!.sha256!
    expect(normaliseFingerprint(colons)).toBe(ALICE.sha256)
    expect(normaliseFingerprint(ALICE.sha256.toUpperCase())).toBe(ALICE.sha256)
    expect(normaliseFingerprint(` ${colons.replaceAll(':', ' ')} `)).toBe(ALICE.sha256)
    expect(normaliseFingerprint(ALICE.sha256.slice(0, 40))).toBeNull()
    expect(normaliseFingerprint(`${ALICE.sha256.slice(0, 63)}g`)).toBeNull()
  })

  it('the journal: each certificate once, though it went into several stores', () => {
    const entry = (location: string, of: typeof ALICE) => ({certificate: {sha256: of.sha256, emails: of.emails, subject: of.subject, references: {}}, store: {kind: 'nss', location}}) as unknown as JournalEntry
    expect(installedTargets([entry('/a', ALICE), entry('/b', ALICE), entry('/a', BOB)])).toEqual([ALICE_TARGET, {sha256: BOB.sha256, emails: BOB.emails, subject: BOB.subject}])
  })

  it('a fingerprint mailcert did not record: its addresses from the certificate an account names', () => {
    const checked = result(client('thunderbird', 'Thunderbird', [place('default', [identity('alice@example.com', state(ALICE))])]))
    expect(targetFromStores(ALICE.sha256, checked)).toEqual(ALICE_TARGET)
    expect(targetFromStores(BOB.sha256, checked)).toBeNull()
  })
})
