/**
 * `mailcert remove`'s bookkeeping: which parts of the journal a request covers, what the journal
 * keeps after a removal, when a selection is required, and planRemove's refusals (which come before
 * it looks at the machine).
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mailClients} from '../../src/clients/index.js'
import {ExitCode, UsageError, UserError} from '../../src/errors.js'
import type {IdentityRecord, Journal, JournalEntry} from '../../src/install/journal.js'
import {planRemove, type RemoveRequest, requireSelection, selectEntries, withoutRemoved} from '../../src/install/remove-service.js'
import {machineFor} from '../../src/system/platform.js'

const ALICE_SHA = '64bf10930e03a5f0e66df3c77487491e555d8b8f184162a6334087fee8e980e0'
const RENEWED_SHA = '11'.repeat(32)
const INTERMEDIATE_SHA = 'daecc8761e5640517d6011f7e209bb00e92ed8d261839e65003585d21e97ea28'
const ROOT_SHA = '5a00b4f6e012c16c52b7c19b8bdd6eeb392ddf5dfe54310079d1ee74092da6ef'

const record = (place: string, key: string, email: string, client = 'thunderbird'): IdentityRecord => ({
  client,
  place,
  key,
  email,
  previous: {[`mail.identity.${key}.signing_cert_dbkey`]: null},
  applied: {[`mail.identity.${key}.signing_cert_dbkey`]: 'KEY'},
})

let sequence = 0

function entry(location: string, identities: IdentityRecord[], extra: Partial<JournalEntry> = {}): JournalEntry {
  return {
    sequence: ++sequence,
    store: {kind: 'nss', location},
    clients: ['thunderbird'],
    label: `Thunderbird profile (${location})`,
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: ALICE_SHA, emails: ['alice@example.com', 'alice.example@example.org'], subject: 'CN=Alice Example', references: {'nss-dbkey': 'KEY'}},
    identities,
    addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA],
    trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'},
    ...extra,
  }
}

const WORK = '/home/alice/.thunderbird/ab12.work'
const HOME = '/home/alice/.thunderbird/cd34.home'

/** Two profiles: work with alice's two addresses, home with alice. */
function twoProfiles(): Journal {
  return {
    version: 3,
    entries: [
      entry(WORK, [record(WORK, 'id1', 'alice@example.com'), record(WORK, 'id2', 'alice.example@example.org')]),
      entry(HOME, [record(HOME, 'id3', 'alice@example.com')], {addedCertificates: [ALICE_SHA], trustedRoot: null}),
    ],
  }
}

const keys = (entries: JournalEntry[]) => entries.map((e) => [e.store.location, e.identities.map((i) => i.key)])

describe('selectEntries', () => {
  it('takes everything when no account or client is named', () => {
    const journal = twoProfiles()
    expect(selectEntries(journal, [], [])).toEqual(journal.entries)
  })

  it('narrows each entry to the identities with the addresses asked for, whatever their case', () => {
    expect(keys(selectEntries(twoProfiles(), ['Alice.Example@EXAMPLE.org'], []))).toEqual([[WORK, ['id2']]])
    expect(keys(selectEntries(twoProfiles(), ['alice@example.com'], []))).toEqual([
      [WORK, ['id1']],
      [HOME, ['id3']],
    ])
  })

  it('keeps the entry\'s certificates and root in the selection, for --delete-identity to judge', () => {
    const [selected] = selectEntries(twoProfiles(), ['alice.example@example.org'], [])
    expect(selected).toMatchObject({addedCertificates: [ALICE_SHA, INTERMEDIATE_SHA], trustedRoot: {sha256: ROOT_SHA}})
  })

  it('selects nothing for an address mailcert did not set up, or another client', () => {
    expect(selectEntries(twoProfiles(), ['bob@example.com'], [])).toEqual([])
    expect(selectEntries(twoProfiles(), [], ['outlook'])).toEqual([])
    expect(selectEntries(twoProfiles(), [], ['thunderbird'])).toHaveLength(2)
  })

  it('takes an entry that has only certificates left when everything is asked for, and not for an account', () => {
    const journal: Journal = {version: 3, entries: [entry(WORK, [])]}
    expect(selectEntries(journal, [], [])).toHaveLength(1)
    expect(selectEntries(journal, ['alice@example.com'], [])).toEqual([])
  })

  it('narrows an entry of a store that two clients read to the identities of the client asked for', () => {
    const shared = '/home/alice/.pki/nssdb'
    const journal: Journal = {
      version: 3,
      entries: [entry(shared, [record(WORK, 'id1', 'alice@example.com'), record('/home/alice/.config/evolution/sources', 'id1', 'alice@example.com', 'evolution')], {clients: ['thunderbird', 'evolution']})],
    }
    expect(selectEntries(journal, [], ['evolution']).map((e) => e.identities.map((i) => [i.client, i.key]))).toEqual([[['evolution', 'id1']]])
    expect(selectEntries(journal, ['alice@example.com'], ['thunderbird']).map((e) => e.identities.map((i) => [i.client, i.key]))).toEqual([[['thunderbird', 'id1']]])
    expect(selectEntries(journal, [], [])[0]!.identities).toHaveLength(2)
  })

  it('does not change the journal', () => {
    const journal = twoProfiles()
    const snapshot = structuredClone(journal)
    selectEntries(journal, ['alice@example.com'], [])
    expect(journal).toEqual(snapshot)
  })
})

describe('withoutRemoved', () => {
  it('takes out the removed identities and keeps the certificates while other identities still use them', () => {
    const journal = twoProfiles()
    const [work] = selectEntries(journal, ['alice@example.com'], []).filter((e) => e.store.location === WORK)
    const after = withoutRemoved(journal, [{entry: work!, certificatesRemoved: true}])
    expect(after.entries).toEqual([{...journal.entries[0], identities: [record(WORK, 'id2', 'alice.example@example.org')]}, journal.entries[1]])
  })

  it('drops an entry when its identities and its certificates are gone', () => {
    const journal = twoProfiles()
    const [work] = selectEntries(journal, [], []).filter((e) => e.store.location === WORK)
    expect(withoutRemoved(journal, [{entry: work!, certificatesRemoved: true}]).entries).toEqual([journal.entries[1]])
  })

  it('keeps the certificates and root of an entry whose identities went but whose certificates were not removed', () => {
    const journal = twoProfiles()
    const [work] = selectEntries(journal, [], []).filter((e) => e.store.location === WORK)
    expect(withoutRemoved(journal, [{entry: work!, certificatesRemoved: false}]).entries).toEqual([
      {...journal.entries[0], identities: []},
      journal.entries[1],
    ])
  })

  it('takes out only the account removed, not one with the same key of another client or place', () => {
    const sources = '/home/alice/.config/evolution/sources'
    const journal: Journal = {
      version: 3,
      entries: [entry(WORK, [record(WORK, 'id1', 'alice@example.com'), record(sources, 'id1', 'alice@example.com', 'evolution'), record(HOME, 'id1', 'alice@example.com')], {clients: ['thunderbird', 'evolution']})],
    }
    const [evolution] = selectEntries(journal, [], ['evolution'])
    const after = withoutRemoved(journal, [{entry: evolution!, certificatesRemoved: true}])
    expect(after.entries).toEqual([{...journal.entries[0], identities: [record(WORK, 'id1', 'alice@example.com'), record(HOME, 'id1', 'alice@example.com')]}])
  })

  it('drops an entry that had only certificates once they are removed', () => {
    const journal: Journal = {version: 3, entries: [entry(WORK, [])]}
    expect(withoutRemoved(journal, [{entry: journal.entries[0]!, certificatesRemoved: true}]).entries).toEqual([])
  })

  it('leaves the other entries alone: another profile, and another certificate in the same profile', () => {
    const journal = twoProfiles()
    const renewed = entry(WORK, [record(WORK, 'id1', 'alice@example.com')], {certificate: {...journal.entries[0]!.certificate, sha256: RENEWED_SHA}, addedCertificates: [RENEWED_SHA]})
    journal.entries.push(renewed)
    const [home] = selectEntries(journal, [], []).filter((e) => e.store.location === HOME)
    const after = withoutRemoved(journal, [{entry: home!, certificatesRemoved: true}])
    expect(after.entries).toEqual([journal.entries[0], renewed])
  })

  it('handles several removals at once, and nothing removed changes nothing', () => {
    const journal = twoProfiles()
    const removed = selectEntries(journal, [], []).map((e) => ({entry: e, certificatesRemoved: true}))
    expect(withoutRemoved(journal, removed)).toEqual({version: 3, entries: []})
    expect(withoutRemoved(journal, [])).toEqual(journal)
  })
})

describe('requireSelection', () => {
  it('asks for a selection without a terminal', () => {
    for (const flags of [{}, {account: [], client: []}, {all: false}]) {
      expect(() => requireSelection(flags, false)).toThrow(UsageError)
    }
    const error = (() => {
      try {
        requireSelection({}, false)
      } catch (caught) {
        return caught
      }
      return null
    })()
    expect(error).toMatchObject({exitCode: ExitCode.usage, hints: [expect.stringContaining('--account EMAIL')]})
  })

  it('is satisfied by a terminal, --all, --account or --client', () => {
    expect(() => requireSelection({}, true)).not.toThrow()
    expect(() => requireSelection({all: true}, false)).not.toThrow()
    expect(() => requireSelection({account: ['alice@example.com']}, false)).not.toThrow()
    expect(() => requireSelection({client: ['thunderbird']}, false)).not.toThrow()
  })
})

describe('planRemove refusals', () => {
  const homes: string[] = []
  afterAll(() => {
    for (const dir of homes) rmSync(dir, {recursive: true, force: true})
  })

  let registry: RemoveRequest['registry']
  beforeAll(async () => {
    registry = await mailClients()
  })

  function request(journal: Journal, accounts: string[] = []): RemoveRequest {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-remove-home-'))
    homes.push(home)
    return {
      journal,
      accounts,
      clients: [],
      deleteIdentity: false,
      registry,
      context: {machine: machineFor({platform: 'linux', home, env: {HOME: home}}), flags: {'nss-driver': 'tools'}},
      storePassword: async () => {
        throw new Error('no password should be asked')
      },
    }
  }

  it('says there is nothing to remove when mailcert set up nothing', async () => {
    const error = await planRemove(request({version: 3, entries: []})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error).toMatchObject({
      code: 'nothing-to-remove',
      exitCode: ExitCode.usage,
      message: 'mailcert has not set up anything on this machine (for this user), so there is nothing to remove.',
    })
  })

  it('names what mailcert did set up when asked for an account it did not', async () => {
    const error = await planRemove(request(twoProfiles(), ['bob@example.com'])).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'nothing-to-remove',
      exitCode: ExitCode.usage,
      message: 'mailcert set up nothing for bob@example.com. It set up: alice@example.com, alice.example@example.org.',
      hints: [expect.stringContaining('mailcert check')],
    })
  })

  it('names the client asked for when mailcert set up nothing for it', async () => {
    const error = await planRemove({...request(twoProfiles()), clients: ['evolution']}).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'nothing-to-remove',
      exitCode: ExitCode.usage,
      message: 'mailcert set up nothing for evolution. It set up: alice@example.com, alice.example@example.org.',
    })
  })

  it('says "certificates only" when no account of the journal is left', async () => {
    const error = await planRemove(request({version: 3, entries: [entry(WORK, [])]}, ['bob@example.com'])).catch((e: unknown) => e)
    expect(error).toMatchObject({message: 'mailcert set up nothing for bob@example.com. It set up: certificates only.'})
  })
})

describe('--expired and renewals in the record', () => {
  const SIGN = 'mail.identity.id1.signing_cert_dbkey'
  const SIGN_BY_DEFAULT = 'mail.identity.id1.sign_mail'
  const expiredOld = () =>
    entry(WORK, [{...record(WORK, 'id1', 'alice@example.com'), previous: {[SIGN]: null, [SIGN_BY_DEFAULT]: false}, applied: {[SIGN]: 'OLD', [SIGN_BY_DEFAULT]: true}}], {
      certificate: {sha256: ALICE_SHA, emails: ['alice@example.com'], subject: 'CN=Alice Example', notAfter: '2036-12-31T23:59:59.000Z', references: {'nss-dbkey': 'OLD'}},
    })
  const renewal = () =>
    entry(WORK, [{...record(WORK, 'id1', 'alice@example.com'), previous: {[SIGN]: 'OLD'}, applied: {[SIGN]: 'NEW'}}], {
      certificate: {sha256: RENEWED_SHA, emails: ['alice@example.com'], subject: 'CN=Alice Example', notAfter: '2038-12-31T23:59:59.000Z', references: {'nss-dbkey': 'NEW'}},
      addedCertificates: [RENEWED_SHA],
      trustedRoot: null,
    })

  it('selects only installs whose certificate had expired, and none recorded without a date', () => {
    const old = expiredOld()
    const undated = entry(HOME, [record(HOME, 'id3', 'alice@example.com')])
    const journal: Journal = {version: 3, entries: [old, renewal(), undated]}
    expect(selectEntries(journal, [], [], new Date('2037-06-01')).map((e) => e.sequence)).toEqual([old.sequence])
    expect(selectEntries(journal, [], [], new Date('2026-12-01'))).toEqual([])
  })

  it('hands what the expired install changed over to the renewal, so that undoing the renewal returns to before both', () => {
    const old = expiredOld()
    const renewed = renewal()
    const after = withoutRemoved({version: 3, entries: [old, renewed]}, [{entry: old, certificatesRemoved: true}])
    expect(after.entries).toHaveLength(1)
    expect(after.entries[0]!.identities[0]).toMatchObject({previous: {[SIGN]: null, [SIGN_BY_DEFAULT]: false}, applied: {[SIGN]: 'NEW', [SIGN_BY_DEFAULT]: true}})
  })
})
