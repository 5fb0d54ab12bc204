/**
 * The Windows contact store's decisions that need no Windows: which store each role goes into and
 * is looked for in, the store names a record may give, and the one store classic and new Outlook
 * both offer for correspondents (the Win32 side: contact-store.test.ts, under Wine).
 */
import {describe, expect, it} from 'vitest'

import type {ClientSurvey} from '../../../src/clients/client.js'
import {mailClients} from '../../../src/clients/index.js'
import {contactStoreFor, storeOfAdded, storesLookedIn} from '../../../src/stores/windows/contact-store.js'
import {windowsStoreRef} from '../../../src/stores/windows/windows-store.js'
import {machineFor} from '../../../src/system/platform.js'

const context = {machine: machineFor({platform: 'win32', home: 'C:\\Users\\alice', env: {USERPROFILE: 'C:\\Users\\alice'}}), flags: {}}

describe('where a contact certificate goes', () => {
  it('puts the correspondent into AddressBook (Other People) and an issuer into CA', () => {
    expect(contactStoreFor('correspondent')).toBe('AddressBook')
    expect(contactStoreFor('issuer')).toBe('CA')
  })

  it('finds an issuer already there in CA or as a trusted root, a correspondent only in AddressBook', () => {
    expect(storesLookedIn('correspondent')).toEqual(['AddressBook'])
    expect(storesLookedIn('issuer')).toEqual(['CA', 'Root'])
  })

  it('removes only from the stores it adds to, and refuses any other name a record gives', () => {
    const added = {sha256: 'ab'.repeat(32), role: 'correspondent' as const, name: 'AddressBook'}
    expect(storeOfAdded(added)).toBe('AddressBook')
    expect(storeOfAdded({...added, role: 'issuer', name: 'CA'})).toBe('CA')
    for (const name of ['My', 'Root', 'addressbook', 'CurrentUser\\AddressBook', '']) {
      expect(() => storeOfAdded({...added, name})).toThrow(expect.objectContaining({code: 'contacts-unreadable', exitCode: 1}))
    }
  })
})

describe("Outlook's correspondent store", () => {
  async function outlooks() {
    const clients = await mailClients(['outlook', 'new-outlook'])
    expect(clients.map((client) => client.id)).toEqual(['outlook', 'new-outlook'])
    return clients
  }

  it('is one store for classic and new Outlook, of the Windows store kind, read live (never busy)', async () => {
    const stores = await Promise.all(
      (await outlooks()).map(async (client) => {
        const survey: ClientSurvey = {client, program: null, installed: true, places: [], searchedFor: client.name, searched: []}
        return client.correspondentStores!(survey, context)
      }),
    )
    expect(stores.map((list) => list.length)).toEqual([1, 1])
    const [classic, fresh] = stores.map((list) => list[0]!)
    expect(classic!.ref).toEqual({kind: windowsStoreRef().kind, location: 'CurrentUser\\AddressBook', label: 'your Windows certificate store (Other People)'})
    expect(fresh!.ref).toEqual(classic!.ref)
    expect([classic!.readers, fresh!.readers]).toEqual([['Outlook'], ['New Outlook']])
    expect([classic!.busy, fresh!.busy]).toEqual([null, null])
  })

  it('is offered only where the client is installed', async () => {
    for (const client of await outlooks()) {
      const survey: ClientSurvey = {client, program: null, installed: false, places: [], searchedFor: client.name, searched: []}
      expect(await client.correspondentStores!(survey, context)).toEqual([])
    }
  })
})
