/** What a renewal replaces, read from mailcert's record, and how the plan says it. */
import {describe, expect, it} from 'vitest'

import type {Journal, JournalEntry} from '../../src/install/journal.js'
import type {Plan} from '../../src/install/plan.js'
import {describeReplaced, replacedCertificates} from '../../src/install/renewal.js'

const PROFILE = '/home/alice/.thunderbird/ab12.default'
const sha = (digit: string) => digit.repeat(64)

function installOf(sequence: number, digit: string, emails: string[], notAfter?: string): JournalEntry {
  return {
    sequence,
    store: {kind: 'nss', location: PROFILE},
    clients: ['thunderbird'],
    label: 'Thunderbird profile "default"',
    installedAt: '2026-01-01T00:00:00.000Z',
    certificate: {sha256: sha(digit), emails, subject: `CN=Alice ${digit}`, notAfter, references: {}},
    identities: emails.map((email, index) => ({client: 'thunderbird', place: PROFILE, key: `id${index + 1}`, email, previous: {}, applied: {}})),
    addedCertificates: [sha(digit)],
    trustedRoot: null,
  }
}

function planFor(accounts: string[], extra: Partial<Plan['targets'][number]> = {}): Plan {
  const recordAs = {store: {kind: 'nss', location: PROFILE}, clients: ['thunderbird'], label: 'Thunderbird profile "default"', certificate: {sha256: sha('c'), emails: accounts, subject: 'CN=Alice c', references: {}}}
  return {targets: [{clients: ['thunderbird'], label: 'Thunderbird profile "default"', location: PROFILE, accounts, steps: [], warnings: [], recordAs, ...extra}]}
}

describe('replacedCertificates', () => {
  it('names the certificate each account was last set to, not an older one it had replaced already', () => {
    const journal: Journal = {version: 3, entries: [installOf(1, 'a', ['alice@example.com', 'alice@example.org'], '2030-01-01T00:00:00.000Z'), installOf(2, 'b', ['alice@example.com'], '2032-01-01T00:00:00.000Z')]}
    const replaced = replacedCertificates(journal, planFor(['alice@example.com', 'ALICE@example.org']), sha('c'))
    expect(replaced.map((r) => [r.certificate.sha256, r.accounts])).toEqual([
      [sha('b'), ['alice@example.com']],
      [sha('a'), ['ALICE@example.org']],
    ])
  })

  it('finds nothing for a re-run with the same certificate, a first install, or a target that is skipped', () => {
    const journal: Journal = {version: 3, entries: [installOf(1, 'c', ['alice@example.com'])]}
    expect(replacedCertificates(journal, planFor(['alice@example.com']), sha('c'))).toEqual([])
    expect(replacedCertificates({version: 3, entries: []}, planFor(['alice@example.com']), sha('c'))).toEqual([])
    const older: Journal = {version: 3, entries: [installOf(1, 'a', ['alice@example.com'])]}
    expect(replacedCertificates(older, planFor(['alice@example.com'], {skip: {code: 'x', reason: 'y'}}), sha('c'))).toEqual([])
  })

  it('says that the old key stays, and whether the old certificate has expired', () => {
    const journal: Journal = {version: 3, entries: [installOf(1, 'a', ['alice@example.com'], '2030-01-01T00:00:00.000Z')]}
    const [replaced] = replacedCertificates(journal, planFor(['alice@example.com']), sha('c'))
    expect(describeReplaced(replaced!, new Date('2029-01-01')).join(' ')).toMatch(/valid until 2030-01-01.*private key stay/)
    expect(describeReplaced(replaced!, new Date('2031-01-01'))[0]).toContain('expired 2030-01-01')
  })
})
