import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {readContactInput} from '../../src/contacts/contact-input.js'
import {contactRecordOf, issuersToAdd, selectContacts} from '../../src/contacts/contact-service.js'
import {ContactsFile} from '../../src/contacts/contacts-record.js'
import {expiringContacts} from '../../src/contacts/expiring-contacts.js'
import {uniqueNickname} from '../../src/contacts/nss-contact-store.js'
import {FIXTURES} from '../helpers/fixtures.js'

const pem = (...files: string[]) => Buffer.from(files.map((f) => readFileSync(join(FIXTURES, f), 'utf8')).join(''))
const bob = readContactInput(pem('certs/bob-rsa.pem', 'ca/intermediate.pem', 'ca/root.pem'))
const alice = readContactInput(pem('certs/mailbox-rsa.pem'))
const store = {kind: 'nss', location: '/profile', label: 'Thunderbird profile "default"'}

describe('contact service', () => {
  it('adds the intermediates that came with a certificate, never the root', () => {
    expect(bob.chain.map((c) => c.selfSigned)).toEqual([false, true])
    expect(issuersToAdd(bob.chain).map((c) => c.subject.text)).toEqual([bob.chain[0]!.subject.text])
  })

  it('picks a nickname no certificate in the database has', () => {
    expect(uniqueNickname('Bob Example', new Set())).toBe('Bob Example')
    expect(uniqueNickname('Bob Example', new Set(['Bob Example', 'Bob Example (2)']))).toBe('Bob Example (3)')
    // A colon would name a token to NSS.
    expect(uniqueNickname('Bob: Example', new Set())).toBe('Bob  Example')
  })

  it('selects contacts by address, fingerprint start, or expiry', () => {
    const now = new Date('2026-06-01T00:00:00Z')
    const records = [contactRecordOf(bob, now), contactRecordOf(alice, now)]
    expect(selectContacts(records, {match: 'BOB@example.com'}).map((c) => c.emails[0])).toEqual(['bob@example.com'])
    expect(selectContacts(records, {match: bob.certificate.fingerprints.sha256.slice(0, 8).toUpperCase()})).toHaveLength(1)
    // Fewer than 8 hex digits names no one: too easy to hit the wrong certificate.
    expect(selectContacts(records, {match: bob.certificate.fingerprints.sha256.slice(0, 7)})).toEqual([])
    expect(selectContacts(records, {expiredAt: now})).toEqual([])
    expect(selectContacts(records, {expiredAt: new Date('2037-01-01T00:00:00Z')})).toHaveLength(2)
  })

  it('lists those that expire within 30 days or have, soonest first', () => {
    const records = [contactRecordOf(bob, new Date())]
    expect(expiringContacts(records, new Date('2036-11-01T00:00:00Z'))).toEqual([])
    expect(expiringContacts(records, new Date('2036-12-20T12:00:00Z'))).toEqual([expect.objectContaining({daysLeft: 11, expired: false})])
    expect(expiringContacts(records, new Date('2037-01-02T00:00:00Z'))).toEqual([expect.objectContaining({expired: true})])
  })

  it('records what went into a store and forgets it once it is out', async () => {
    const contacts = await ContactsFile.open(mkdtempSync(join(tmpdir(), 'mailcert-contacts-')))
    const record = contactRecordOf(bob, new Date())
    await contacts.noteAdded(record, store, {sha256: record.sha256, role: 'correspondent', name: 'bob@example.com'})
    await contacts.noteAdded(record, store, {sha256: 'ab', role: 'issuer', name: 'CA'})
    const onDisk = JSON.parse(readFileSync(contacts.path, 'utf8')) as {contacts: Array<{stores: Array<{added: unknown[]}>}>}
    expect(onDisk.contacts[0]!.stores[0]!.added).toHaveLength(2)
    await contacts.noteRemoved(record.sha256, store, record.sha256)
    await contacts.noteRemoved(record.sha256, store, 'ab')
    expect(contacts.record.contacts[0]!.stores).toEqual([])
    await contacts.put(record.sha256, null)
    expect(JSON.parse(readFileSync(contacts.path, 'utf8'))).toEqual({version: 1, contacts: []})
  })
})
