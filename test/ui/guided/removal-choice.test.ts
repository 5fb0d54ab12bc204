/** The guided `remove`: one ticked choice per address mailcert set up, with the places it set it up in. */
import {describe, expect, it} from 'vitest'

import type {Journal, JournalEntry} from '../../../src/install/journal.js'
import {removalChoices} from '../../../src/ui/guided/removal-choice.js'

function entry(label: string, emails: string[], extra: Partial<JournalEntry> = {}): JournalEntry {
  return {
    sequence: 1,
    store: {kind: 'nss', location: `/home/alice/.thunderbird/${label}`},
    clients: ['thunderbird'],
    label,
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: 'aa'.repeat(32), emails, subject: `CN=${emails[0] ?? 'x'}`, references: {'nss-dbkey': 'AAAA'}},
    identities: emails.map((email, index) => ({client: 'thunderbird', place: `/home/alice/.thunderbird/${label}`, key: `id${index + 1}`, email, previous: {}, applied: {}})),
    addedCertificates: ['aa'.repeat(32)],
    trustedRoot: null,
    ...extra,
  }
}

const journal = (...entries: JournalEntry[]): Journal => ({version: 3, entries})

describe('removalChoices', () => {
  it('offers each address, ticked, with where mailcert set it up', () => {
    expect(removalChoices(journal(entry('Thunderbird profile "default-release"', ['alice@example.com', 'team@example.org'])))).toEqual([
      {name: 'alice@example.com (Thunderbird profile "default-release")', value: 'alice@example.com', checked: true},
      {name: 'team@example.org (Thunderbird profile "default-release")', value: 'team@example.org', checked: true},
    ])
  })

  it('offers an address set up in two profiles once, naming both', () => {
    const choices = removalChoices(journal(entry('Work', ['alice@example.com']), entry('Home', ['alice@example.com']), entry('Other', ['bob@example.com'])))
    expect(choices).toEqual([
      {name: 'alice@example.com (Work, Home)', value: 'alice@example.com', checked: true},
      {name: 'bob@example.com (Other)', value: 'bob@example.com', checked: true},
    ])
  })

  it('names a place once when two certificates of the same address went into it', () => {
    const renewed = entry('Work', ['alice@example.com'], {certificate: {sha256: 'bb'.repeat(32), emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': 'BBBB'}}})
    expect(removalChoices(journal(entry('Work', ['alice@example.com']), renewed))).toEqual([{name: 'alice@example.com (Work)', value: 'alice@example.com', checked: true}])
  })

  it('offers nothing for an empty journal', () => {
    expect(removalChoices(journal())).toEqual([])
  })
})
