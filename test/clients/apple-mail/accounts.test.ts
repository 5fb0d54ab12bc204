import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {mailAccounts, readMailAccounts} from '../../../src/clients/apple-mail/accounts.js'
import {machineFor} from '../../../src/system/platform.js'
import {installSqlite, writeAccountsDatabase} from '../../helpers/apple-mail-fixtures.js'

const made: string[] = []
function mac(access: 'allowed' | 'denied' = 'allowed') {
  const dir = mkdtempSync(path.join(tmpdir(), 'mailcert-accounts-'))
  made.push(dir)
  const home = path.join(dir, 'home')
  const systemRoot = path.join(dir, 'root')
  installSqlite(systemRoot, access)
  return {home, machine: machineFor({platform: 'darwin', home, env: {HOME: home}, systemRoot})}
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, {recursive: true, force: true})
})

describe('Apple Mail accounts from Accounts4.sqlite', () => {
  it('lists the active mail accounts with their addresses, and leaves out SMTP, calendars and inactive ones', async () => {
    const {home, machine} = mac()
    writeAccountsDatabase(home, [
      {type: 'IMAP', username: 'alice@example.com', description: 'Work', identifier: 'A1'},
      {type: 'SMTP', username: 'alice@example.com', identifier: 'S1'},
      {type: 'CalDAV', username: 'alice@example.com', identifier: 'C1'},
      {type: 'Google', username: 'alice.private@gmail.com', description: 'Google', identifier: 'G1'},
      {type: 'POP', username: 'old@example.com', active: false, identifier: 'P1'},
      {type: 'IMAP', username: 'alice', description: "Alice's O'Brien <x>", identifier: 'A2'},
    ])
    expect(await readMailAccounts(machine)).toEqual({
      accounts: [
        {key: 'A1', email: 'alice@example.com', name: 'Work'},
        {key: 'G1', email: 'alice.private@gmail.com', name: 'Google'},
        {key: 'A2', email: null, name: "Alice's O'Brien <x>"},
      ],
    })
  })

  it('takes the description as the address when the login name is not one', () => {
    expect(mailAccounts([{id: 'X', username: 'alice', description: 'alice@example.org', active: 1, type: 'com.apple.account.IMAP'}])).toEqual([{key: 'X', email: 'alice@example.org', name: 'alice@example.org'}])
  })

  it('no database: no account yet, not an error', async () => {
    const {machine} = mac()
    expect(await readMailAccounts(machine)).toEqual({accounts: []})
  })

  it('privacy protection refusing the read says what to allow', async () => {
    const {home, machine} = mac('denied')
    writeAccountsDatabase(home, [{type: 'IMAP', username: 'alice@example.com'}])
    const read = await readMailAccounts(machine)
    expect(read).toMatchObject({problem: expect.stringContaining('does not let mailcert read'), hints: [expect.stringContaining('Full Disk Access')]})
  })
})
