/**
 * The install journal: what mailcert changed, kept in a JSON file in its data folder so that
 * `remove` undoes exactly that. Real files in temp folders.
 */
import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {JournalFile} from '../../src/install/journal-file.js'
import type {RecordedTarget} from '../../src/install/plan.js'
import {
  entryToExtend,
  type IdentityRecord,
  type Journal,
  type JournalEntry,
  journalPath,
  mergeChanges,
  newestFirst,
  readJournal,
  settleInterrupted,
  writeJournal,
} from '../../src/install/journal.js'

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

const DB_KEY = 'AAAAAAAAAAAAAAAKAAAAUwCPGiw8TV5vcBE='

function identity(key: string, email: string, previous: IdentityRecord['previous'], applied: IdentityRecord['applied'], where: Partial<Pick<IdentityRecord, 'client' | 'place'>> = {}): IdentityRecord {
  return {client: 'thunderbird', place: PROFILE, key, email, previous, applied, ...where}
}

function entry(overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    sequence: 1,
    store: {kind: 'nss', location: PROFILE},
    clients: ['thunderbird'],
    label: 'Thunderbird profile "default-release" (~/.thunderbird/ab12.default-release)',
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': DB_KEY}},
    identities: [
      identity('id1', 'alice@example.com', {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false}, {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: true}),
    ],
    addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
    trustedRoot: null,
    ...overrides,
  }
}

/** An entry exactly as mailcert wrote it in journals of version 2 (version 1: the same without `sequence`): one Thunderbird profile. */
function version2Entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sequence: 1,
    client: 'thunderbird',
    label: 'Thunderbird profile "default-release" (~/.thunderbird/ab12.default-release)',
    profileName: 'default-release',
    location: PROFILE,
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', dbKey: DB_KEY},
    identities: [
      {
        key: 'id1',
        email: 'alice@example.com',
        previous: {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false},
        applied: {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: true},
      },
    ],
    addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
    trustedRoot: null,
    ...overrides,
  }
}

const empty = (): Journal => ({version: 3, entries: []})
const journalOf = (...entries: JournalEntry[]): Journal => ({version: 3, entries})

describe('journalPath', () => {
  it('is installed.json in the data folder', () => {
    expect(journalPath('/home/alice/.local/share/mailcert')).toBe('/home/alice/.local/share/mailcert/installed.json')
  })
})

describe('mergeChanges', () => {
  it('keeps the oldest previous values and the newest applied ones', () => {
    const first = entry()
    // The second install sees mailcert's own values as "previous", changes sign_mail back, and sets encryption.
    const second = entry({
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
    const merged = mergeChanges(first, second)
    expect(merged.identities).toEqual([
      {
        client: 'thunderbird',
        place: PROFILE,
        key: 'id1',
        email: 'alice@example.com',
        // Before mailcert first came: sign_mail false, no signing key; the encryption key was set by someone else.
        previous: {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false, [pref('id1', 'encryption_cert_dbkey')]: 'OLD-ENC'},
        // What mailcert set last.
        applied: {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: false, [pref('id1', 'encryption_cert_dbkey')]: 'KEY-1'},
      },
    ])
    expect(merged.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA])
  })

  it('adds identities, certificates and a root trust that the later run added; the first root trust stays', () => {
    const first = entry({addedCertificates: [ALICE_SHA], trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}})
    const second = entry({
      identities: [identity('id2', 'alice@example.com', {[pref('id2', 'signing_cert_dbkey')]: null}, {[pref('id2', 'signing_cert_dbkey')]: 'KEY-1'})],
      addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
      trustedRoot: {sha256: ROOT_SHA, previousTrust: 'C,C,'},
    })
    const merged = mergeChanges(first, second)
    expect(merged.identities.map((i) => i.key)).toEqual(['id1', 'id2'])
    expect(merged.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA])
    expect(merged.trustedRoot).toEqual({sha256: ROOT_SHA, previousTrust: ',,'})
  })

  it('keeps apart accounts with the same key of another client or in another place', () => {
    const first = entry({clients: ['thunderbird', 'evolution']})
    const applied = {[pref('id1', 'signing_cert_dbkey')]: 'KEY-2'}
    const second = entry({
      identities: [
        identity('id1', 'alice@example.com', {[pref('id1', 'signing_cert_dbkey')]: 'OTHER'}, applied, {client: 'evolution'}),
        identity('id1', 'alice@example.com', {[pref('id1', 'signing_cert_dbkey')]: 'OTHER'}, applied, {place: '/home/alice/.thunderbird/other'}),
      ],
      addedCertificates: [],
    })
    const merged = mergeChanges(first, second)
    expect(merged.identities.map((i) => [i.client, i.place, i.key])).toEqual([
      ['thunderbird', PROFILE, 'id1'],
      ['evolution', PROFILE, 'id1'],
      ['thunderbird', '/home/alice/.thunderbird/other', 'id1'],
    ])
    // The first account is untouched by the others' values.
    expect(merged.identities[0]).toEqual(first.identities[0])
  })
})

describe('entryToExtend', () => {
  it('extends the newest entry of the store when it is for the same certificate', () => {
    const first = entry({sequence: 1})
    expect(entryToExtend(journalOf(first), PROFILE, ALICE_SHA)).toBe(first)
  })

  it('starts a new entry once another certificate was installed there since, so undo passes back through each state', () => {
    const first = entry({sequence: 1})
    const renewed = entry({sequence: 2, certificate: {...first.certificate, sha256: RENEWED_SHA}})
    expect(entryToExtend(journalOf(first, renewed), PROFILE, ALICE_SHA)).toBeUndefined()
    expect(entryToExtend(journalOf(first, renewed), PROFILE, RENEWED_SHA)).toBe(renewed)
    expect(entryToExtend(journalOf(first, renewed), '/elsewhere', ALICE_SHA)).toBeUndefined()
  })
})

describe('newestFirst', () => {
  it('orders by sequence, newest first, whatever the order in the file', () => {
    const [a, b, c] = [entry({sequence: 1}), entry({sequence: 3}), entry({sequence: 2})]
    expect(newestFirst([a, b, c]).map((e) => e.sequence)).toEqual([3, 2, 1])
  })
})

describe('settleInterrupted', () => {
  it('keeps what an interrupted run recorded, no longer in progress, and drops records of nothing', () => {
    const interrupted = entry({sequence: 2, inProgress: {pid: 123, startedAt: '2026-03-01T10:00:00.000Z'}})
    const nothing = entry({sequence: 3, identities: [], addedCertificates: [], inProgress: {pid: 124, startedAt: '2026-03-01T10:00:00.000Z'}})
    const complete = entry({sequence: 1})
    const {journal, settled} = settleInterrupted(journalOf(complete, interrupted, nothing))
    expect(settled.map((e) => e.sequence)).toEqual([2, 3])
    expect(journal.entries).toEqual([complete, {...interrupted, inProgress: undefined}].map(({inProgress: _, ...rest}) => rest))
  })
})

describe('JournalFile: the write-ahead record of one run', () => {
  const target: RecordedTarget = {
    store: {kind: 'nss', location: PROFILE},
    clients: ['thunderbird'],
    label: 'Thunderbird profile "default-release"',
    certificate: entry().certificate,
  }
  const onDisk = (file: string): Journal => JSON.parse(readFileSync(file, 'utf8')) as Journal

  it('has every note on disk, marked in progress, before the change is made; finish clears the mark', async () => {
    const file = journalPath(folder())
    const journal = await JournalFile.open(file)
    const recorder = journal.recorderFor(target, () => new Date('2026-03-01T10:00:00.000Z'))
    await recorder.note({addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA]})
    expect(onDisk(file).entries).toEqual([
      {...target, sequence: 1, installedAt: '2026-03-01T10:00:00.000Z', identities: [], addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA], trustedRoot: null, inProgress: {pid: process.pid, startedAt: '2026-03-01T10:00:00.000Z'}},
    ])
    // A later note of the same kind replaces this run's part (the import narrows its candidates to what it added).
    await recorder.note({addedCertificates: [ALICE_SHA]})
    await recorder.note({identities: entry().identities})
    expect(onDisk(file).entries[0]).toMatchObject({addedCertificates: [ALICE_SHA], identities: entry().identities})
    await recorder.finish()
    const [finished] = onDisk(file).entries
    expect(finished.inProgress).toBeUndefined()
    expect(finished).toMatchObject({sequence: 1, addedCertificates: [ALICE_SHA]})
  })

  it('abandon puts the record back as it was before the run (the run was undone)', async () => {
    const file = journalPath(folder())
    const earlier = entry({sequence: 4})
    await writeJournal(file, journalOf(earlier))
    const journal = await JournalFile.open(file)
    const recorder = journal.recorderFor(target)
    await recorder.note({trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}})
    expect(onDisk(file).entries[0]).toMatchObject({sequence: 4, trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}})
    await recorder.abandon()
    expect(onDisk(file)).toEqual(journalOf(earlier))
  })

  it('a later run for another client of the same store and certificate adds that client to the record', async () => {
    const file = journalPath(folder())
    await writeJournal(file, journalOf(entry({sequence: 3, clients: ['evolution']})))
    const recorder = (await JournalFile.open(file)).recorderFor(target)
    await recorder.note({identities: entry().identities})
    await recorder.finish()
    // One entry still (same store, same certificate), now for both: `remove --client thunderbird` finds it.
    expect(onDisk(file).entries.map((e) => [e.sequence, e.clients])).toEqual([[3, ['evolution', 'thunderbird']]])
  })

  it('writes nothing for a run that noted nothing', async () => {
    const file = journalPath(folder())
    const recorder = (await JournalFile.open(file)).recorderFor(target)
    await recorder.finish()
    await recorder.abandon()
    expect(existsSync(file)).toBe(false)
  })

  it('a new certificate for the same store gets the next sequence number', async () => {
    const file = journalPath(folder())
    await writeJournal(file, journalOf(entry({sequence: 7})))
    const journal = await JournalFile.open(file)
    const recorder = journal.recorderFor({...target, certificate: {...target.certificate, sha256: RENEWED_SHA}})
    await recorder.note({addedCertificates: [RENEWED_SHA]})
    await recorder.finish()
    expect(onDisk(file).entries.map((e) => [e.sequence, e.certificate.sha256])).toEqual([
      [7, ALICE_SHA],
      [8, RENEWED_SHA],
    ])
  })

  it('refuses the change when the note cannot be written (a read-only data folder), with a sentence and no stack', async () => {
    if (process.getuid?.() === 0) {
      // root writes into read-only folders: make the journal's place a file, which no one can write into.
      const blocker = join(folder(), 'data')
      writeFileSync(blocker, '')
      const recorder = (await JournalFile.open(journalPath(join(blocker, 'mailcert')))).recorderFor(target)
      await expect(recorder.note({addedCertificates: [ALICE_SHA]})).rejects.toMatchObject({code: 'journal-unwritable', exitCode: 1})
      return
    }
    const dir = folder()
    chmodSync(dir, 0o500)
    try {
      const recorder = (await JournalFile.open(journalPath(dir))).recorderFor(target)
      await expect(recorder.note({addedCertificates: [ALICE_SHA]})).rejects.toMatchObject({code: 'journal-unwritable', exitCode: 1})
    } finally {
      chmodSync(dir, 0o700)
    }
  })
})

describe('JournalFile.lockAndOpen', () => {
  it('a data folder that cannot be made: says the record cannot be written (not a bug), and holds no lock', async () => {
    const blocker = join(folder(), 'data')
    writeFileSync(blocker, '')
    const dataDir = join(blocker, 'mailcert')
    await expect(JournalFile.lockAndOpen(dataDir, {command: 'install', waitMs: 0})).rejects.toMatchObject({
      code: 'journal-unwritable',
      message: expect.stringContaining(journalPath(dataDir)),
    })
  })

  it('removes the half-written journal a killed run left, and settles its record', async () => {
    const dataDir = folder()
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout)
    await writeJournal(journalPath(dataDir), journalOf(entry({inProgress: {pid: gone, startedAt: '2026-03-01T10:00:00.000Z'}})))
    const abandoned = join(dataDir, `.installed.json.mailcert-${gone}.tmp`)
    writeFileSync(abandoned, '{"version": 3, "entr')
    const locked = await JournalFile.lockAndOpen(dataDir, {command: 'remove', waitMs: 0})
    try {
      expect(existsSync(abandoned)).toBe(false)
      expect(locked.settled.map((e) => e.sequence)).toEqual([1])
      expect(locked.journal.journal.entries[0].inProgress).toBeUndefined()
    } finally {
      await locked.release()
    }
    expect(readdirSync(dataDir).sort()).toEqual(['installed.json'])
  })
})

describe('readJournal and writeJournal', () => {
  it('reads back what it wrote, creating the data folder', async () => {
    const file = journalPath(join(folder(), 'data', 'mailcert'))
    const journal = journalOf(entry({trustedRoot: {sha256: ROOT_SHA, previousTrust: 'c,,'}}))
    await writeJournal(file, journal)
    expect(await readJournal(file)).toEqual(journal)
    // Plain, indented JSON with a final line break, and no temporary file left beside it.
    const text = readFileSync(file, 'utf8')
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

  it('reads a missing journal as empty', async () => {
    expect(await readJournal(join(folder(), 'installed.json'))).toEqual(empty())
  })

  it('reads a version 2 journal as the previous mailcert wrote it: each entry one Thunderbird profile and its NSS database', async () => {
    const file = join(folder(), 'installed.json')
    const interrupted = version2Entry({
      sequence: 5,
      location: '/home/alice/.thunderbird/other',
      profileName: 'other',
      label: 'Thunderbird profile "other"',
      identities: [],
      addedCertificates: [ALICE_SHA],
      trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'},
      inProgress: {pid: 123, startedAt: '2026-03-02T10:00:00.000Z'},
    })
    writeFileSync(file, JSON.stringify({version: 2, entries: [version2Entry({sequence: 3}), interrupted]}, null, 2))
    const journal = await readJournal(file)
    expect(journal.version).toBe(3)
    expect(journal.entries).toHaveLength(2)
    const [first, second] = journal.entries
    expect(first.sequence).toBe(3)
    expect(first.store).toEqual({kind: 'nss', location: PROFILE})
    expect(first.clients).toEqual(['thunderbird'])
    expect(first.label).toBe('Thunderbird profile "default-release" (~/.thunderbird/ab12.default-release)')
    expect(first.installedAt).toBe('2026-03-01T10:00:00.000Z')
    // The dbKey is how the NSS store names the certificate.
    expect(first.certificate).toEqual({sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': DB_KEY}})
    // Each identity is Thunderbird's, in the entry's profile.
    expect(first.identities).toEqual([
      {
        client: 'thunderbird',
        place: PROFILE,
        key: 'id1',
        email: 'alice@example.com',
        previous: {[pref('id1', 'signing_cert_dbkey')]: null, [pref('id1', 'sign_mail')]: false},
        applied: {[pref('id1', 'signing_cert_dbkey')]: 'KEY-1', [pref('id1', 'sign_mail')]: true},
      },
    ])
    expect(first.addedCertificates).toEqual([ALICE_SHA, INTERMEDIATE_SHA])
    expect(first.trustedRoot).toBeNull()
    expect(first.inProgress).toBeUndefined()
    // Nothing of the old shape is left over.
    expect(Object.keys(first).sort()).toEqual(['addedCertificates', 'certificate', 'clients', 'identities', 'installedAt', 'label', 'sequence', 'store', 'trustedRoot'])
    expect(first).toEqual(entry({sequence: 3}))
    expect(second).toEqual({
      sequence: 5,
      store: {kind: 'nss', location: '/home/alice/.thunderbird/other'},
      clients: ['thunderbird'],
      label: 'Thunderbird profile "other"',
      installedAt: '2026-03-01T10:00:00.000Z',
      certificate: {sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': DB_KEY}},
      identities: [],
      addedCertificates: [ALICE_SHA],
      trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'},
      inProgress: {pid: 123, startedAt: '2026-03-02T10:00:00.000Z'},
    })
    // Read, not rewritten: the file stays as the previous mailcert wrote it until a change is recorded.
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(2)
  })

  it('reads a version 1 journal (no sequence numbers) in file order, as version 3 entries', async () => {
    const file = join(folder(), 'installed.json')
    const {sequence: _s, ...v1} = version2Entry()
    writeFileSync(file, JSON.stringify({version: 1, entries: [v1, {...v1, location: '/other'}]}))
    const journal = await readJournal(file)
    expect(journal.version).toBe(3)
    expect(journal.entries.map((e) => [e.sequence, e.store.location, e.identities.map((i) => i.place)])).toEqual([
      [1, PROFILE, [PROFILE]],
      [2, '/other', ['/other']],
    ])
    expect(journal.entries[0]).toEqual(entry({sequence: 1}))
    expect(journal.entries[1].certificate.references).toEqual({'nss-dbkey': DB_KEY})
  })

  it.each([
    ['garbage', 'not json {', 'not valid JSON'],
    ['an empty file', '', 'not valid JSON'],
    ['null', 'null', 'not valid JSON'],
    ['a list', '[]', 'no list of entries'],
    ['a newer version', JSON.stringify({version: 4, entries: []}), 'version 4'],
    ['entries that are not a list', JSON.stringify({version: 3, entries: {}}), 'no list of entries'],
    ['version 2 entries that are not a list', JSON.stringify({version: 2, entries: {}}), 'no list of entries'],
  ])('refuses %s instead of forgetting what it recorded', async (_what, text, why) => {
    const file = join(folder(), 'installed.json')
    writeFileSync(file, text)
    const attempt = readJournal(file)
    await expect(attempt).rejects.toMatchObject({code: 'journal-unreadable'})
    await expect(attempt).rejects.toThrow(why)
    // Left exactly as it was.
    expect(readFileSync(file, 'utf8')).toBe(text)
  })

  it('refuses a folder in its place', async () => {
    const asFolder = join(folder(), 'installed.json')
    mkdirSync(asFolder)
    await expect(readJournal(asFolder)).rejects.toMatchObject({code: 'journal-unreadable'})
  })
})
