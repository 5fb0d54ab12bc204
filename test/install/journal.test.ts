/**
 * The install journal: what mailcert changed, kept in a JSON file in its data folder so that
 * `remove` undoes exactly that. Real files in temp folders.
 */
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {type IdentityRecord, type Journal, type JournalEntry, journalPath, readJournal, recordInstall, writeJournal} from '../../src/install/journal.js'

const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
})

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-journal-'))
  scratch.push(dir)
  return dir
}

const ALICE_SHA = '64bf10930e03a5f0e66df3c77487491e555d8b8f184162a6334087fee8e980e0'
const RENEWED_SHA = '11'.repeat(32)
const INTERMEDIATE_SHA = 'daecc8761e5640517d6011f7e209bb00e92ed8d261839e65003585d21e97ea28'
const ROOT_SHA = '5a00b4f6e012c16c52b7c19b8bdd6eeb392ddf5dfe54310079d1ee74092da6ef'
const PROFILE = '/home/alice/.thunderbird/ab12.default-release'

const pref = (key: string, attribute: string) => `mail.identity.${key}.${attribute}`

function identity(key: string, email: string, previous: IdentityRecord['previous'], applied: IdentityRecord['applied']): IdentityRecord {
  return {key, email, previous, applied}
}

function entry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    client: 'thunderbird',
    label: 'Thunderbird profile "default-release" (~/.thunderbird/ab12.default-release)',
    profileName: 'default-release',
    location: PROFILE,
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', dbKey: 'AAAAAAAAAAAAAAAKAAAAUwCPGiw8TV5vcBE='},
    identities: [
      identity('id1', 'alice@example.com', {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false}, {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: true}),
    ],
    addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
    trustedRoot: null,
    ...overrides,
  }
}

const empty = (): Journal => ({version: 1, entries: []})

describe('journalPath', () => {
  it('is installed.json in the data folder', () => {
    expect(journalPath('/home/alice/.local/share/mailcert')).toBe('/home/alice/.local/share/mailcert/installed.json')
  })
})

describe('recordInstall', () => {
  it('adds the first install as an entry', () => {
    const first = entry()
    expect(recordInstall(empty(), first)).toEqual({version: 1, entries: [first]})
  })

  it('merges a second install of the same certificate into the same profile, keeping the oldest previous values', () => {
    const first = entry()
    // The second install sees mailcert's own values as "previous", changes sign_mail back, and sets encryption.
    const second = entry({
      installedAt: '2026-04-01T10:00:00.000Z',
      identities: [
        identity(
          'id1',
          'alice@example.com',
          {[pref('id1', 'sign_mail')]: true, [pref('id1', 'encryption_cert_dbkey')]: 'OLD-ENC'},
          {[pref('id1', 'sign_mail')]: false, [pref('id1', 'encryption_cert_dbkey')]: 'KEY-1'},
        ),
      ],
      addedCertificates: [],
    })
    const journal = recordInstall(recordInstall(empty(), first), second)
    expect(journal.entries).toHaveLength(1)
    const [merged] = journal.entries
    expect(merged?.installedAt).toBe('2026-03-01T10:00:00.000Z')
    expect(merged?.identities).toEqual([
      {
        key: 'id1',
        email: 'alice@example.com',
        // Before mailcert first came: sign_mail false, no signing key; the encryption key was set by someone else.
        previous: {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false, [pref('id1', 'encryption_cert_dbkey')]: 'OLD-ENC'},
        // What mailcert set last.
        applied: {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: false, [pref('id1', 'encryption_cert_dbkey')]: 'KEY-1'},
      },
    ])
    expect(merged?.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA])
  })

  it('adds the identities a second install set up, and the certificates and root trust it added', () => {
    const first = entry({addedCertificates: [ALICE_SHA]})
    const second = entry({
      identities: [identity('id2', 'alice@example.com', {[pref('id2', 'signing_cert_dbkey')]: null}, {[pref('id2', 'signing_cert_dbkey')]: 'KEY-1'})],
      addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
      trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'},
    })
    const [merged] = recordInstall(recordInstall(empty(), first), second).entries
    expect(merged?.identities.map((i) => i.key)).toEqual(['id1', 'id2'])
    expect(merged?.identities[1]).toEqual(second.identities[0])
    expect(merged?.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA])
    expect(merged?.trustedRoot).toEqual({sha256: ROOT_SHA, previousTrust: ',,'})
  })

  it('keeps the root trust the first install recorded', () => {
    const first = entry({trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}})
    const second = entry({trustedRoot: {sha256: ROOT_SHA, previousTrust: 'C,C,'}})
    expect(recordInstall(recordInstall(empty(), first), second).entries[0]?.trustedRoot).toEqual({sha256: ROOT_SHA, previousTrust: ',,'})
  })

  it('makes a new entry for another certificate in the same profile, or the same certificate in another profile', () => {
    const first = entry()
    const renewed = entry({certificate: {...first.certificate, sha256: RENEWED_SHA}})
    const elsewhere = entry({location: '/home/alice/.thunderbird/cd34.work', profileName: 'work'})
    const journal = [renewed, elsewhere].reduce(recordInstall, recordInstall(empty(), first))
    expect(journal.entries).toEqual([first, renewed, elsewhere])
  })

  it('leaves the other entries as they were when it merges', () => {
    const other = entry({location: '/home/alice/.thunderbird/cd34.work'})
    const journal = recordInstall(recordInstall(recordInstall(empty(), other), entry()), entry({addedCertificates: [ROOT_SHA]}))
    expect(journal.entries[0]).toEqual(other)
    expect(journal.entries[1]?.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA, ROOT_SHA])
  })

  it('does not change the journal it was given', () => {
    const before = recordInstall(empty(), entry())
    const snapshot = structuredClone(before)
    const second = entry({identities: [identity('id1', 'alice@example.com', {[pref('id1', 'sign_mail')]: true}, {[pref('id1', 'sign_mail')]: false})]})
    const after = recordInstall(before, second)
    expect(after.entries[0]?.identities[0]?.applied[pref('id1', 'sign_mail')]).toBe(false)
    // The journal read from disk is still what is on disk: recordInstall returns a new one.
    expect(before).toEqual(snapshot)
  })
})

describe('readJournal and writeJournal', () => {
  it('reads back what it wrote, creating the data folder', async () => {
    const file = journalPath(join(folder(), 'data', 'mailcert'))
    const journal = recordInstall(empty(), entry({trustedRoot: {sha256: ROOT_SHA, previousTrust: 'c,,'}}))
    await writeJournal(file, journal)
    expect(await readJournal(file)).toEqual(journal)
    // Plain, indented JSON with a final line break, and no temporary file left beside it.
    const text = readFileSync(file, 'utf8')
    expect(JSON.parse(text)).toEqual(journal)
    expect(text.endsWith('}\n')).toBe(true)
    expect(text).toContain('\n  "entries": [')
    expect(readdirSync(join(file, '..'))).toEqual(['installed.json'])
  })

  it('keeps the journal private: the folder it creates 0700, the file 0600', async () => {
    const data = join(folder(), 'mailcert')
    const file = journalPath(data)
    await writeJournal(file, empty())
    expect(statSync(data).mode & 0o777).toBe(0o700)
    expect(statSync(file).mode & 0o777).toBe(0o600)
  })

  it('replaces an older journal whole', async () => {
    const file = journalPath(folder())
    await writeJournal(file, recordInstall(empty(), entry()))
    await writeJournal(file, empty())
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({version: 1, entries: []})
  })

  it('reads a missing journal as empty', async () => {
    expect(await readJournal(join(folder(), 'installed.json'))).toEqual(empty())
  })

  it.each([
    ['garbage', 'not json {'],
    ['an empty file', ''],
    ['null', 'null'],
    ['a list', '[]'],
    ['another version', JSON.stringify({version: 2, entries: [entry()]})],
    ['entries that are not a list', JSON.stringify({version: 1, entries: {}})],
  ])('reads %s as an empty journal', async (_what, text) => {
    const file = join(folder(), 'installed.json')
    writeFileSync(file, text)
    expect(await readJournal(file)).toEqual(empty())
  })

  it('reads a journal it may not open, or a folder in its place, as empty', async () => {
    const dir = folder()
    const file = join(dir, 'installed.json')
    writeFileSync(file, JSON.stringify(recordInstall(empty(), entry())))
    chmodSync(file, 0o000)
    try {
      // root reads it anyway; anyone else gets EACCES.
      const journal = await readJournal(file)
      expect(journal.entries).toHaveLength(process.getuid?.() === 0 ? 1 : 0)
    } finally {
      chmodSync(file, 0o600)
    }
    const asFolder = join(dir, 'folder.json')
    mkdirSync(asFolder)
    expect(await readJournal(asFolder)).toEqual(empty())
    expect(existsSync(file)).toBe(true)
  })
})
