/**
 * Apple Mail's accounts, read-only, from the database macOS keeps for Internet Accounts
 * (~/Library/Accounts/Accounts4.sqlite) through the system's own sqlite3, opened immutable so that
 * nothing macOS writes is touched or locked. Core Data names the tables: ZACCOUNT (one row per
 * account, ZUSERNAME usually the address) and ZACCOUNTTYPE (`com.apple.account.IMAP`, ...).
 */
import {access} from 'node:fs/promises'
import path from 'node:path'

import {type Machine, systemPath} from '../../system/platform.js'
import {runProgram} from '../../system/run-program.js'
import type {MailAccount} from '../client.js'

export function accountsDatabase(machine: Machine): string {
  return path.join(machine.home, 'Library', 'Accounts', 'Accounts4.sqlite')
}

/** Account types that carry mail; child accounts (SMTP) and the others (CalDAV, CardDAV, ...) do not. */
const MAIL_TYPES = /^com\.apple\.account\.(IMAP|POP|Exchange|Google|Yahoo|AOL|IMAPMail|Hotmail)$/

const QUERY = `SELECT a.ZIDENTIFIER AS id, a.ZUSERNAME AS username, a.ZACCOUNTDESCRIPTION AS description, a.ZACTIVE AS active, t.ZIDENTIFIER AS type
FROM ZACCOUNT a LEFT JOIN ZACCOUNTTYPE t ON a.ZACCOUNTTYPE = t.Z_PK ORDER BY a.Z_PK;`

export interface AccountRow {
  id: string | null
  username: string | null
  description: string | null
  active: number | null
  type: string | null
}

export type AccountsRead = {accounts: MailAccount[]} | {problem: string; hints: string[]}

const looksLikeAddress = (value: string | null): value is string => value !== null && /^[^\s@]+@[^\s@]+$/.test(value)

/** The mail accounts among the rows, with the address each sends from (as far as the database says). */
export function mailAccounts(rows: AccountRow[]): MailAccount[] {
  return rows
    .filter((row) => row.active !== 0 && row.type !== null && MAIL_TYPES.test(row.type) && row.id)
    .map((row) => ({
      key: row.id!,
      // ZUSERNAME is the login name: the address for nearly every provider, the description for the rest.
      email: looksLikeAddress(row.username) ? row.username : looksLikeAddress(row.description) ? row.description : null,
      name: row.description,
    }))
}

/** A path as an SQLite URI filename: only the characters a URI reserves are escaped. */
function sqliteUri(file: string): string {
  return `file:${file.replace(/[%?#]/g, (c) => encodeURIComponent(c))}?mode=ro&immutable=1`
}

const FULL_DISK_ACCESS = 'Allow your terminal program in System Settings > Privacy & Security > Full Disk Access (Terminal, iTerm or the one you use), then run mailcert again.'

export async function readMailAccounts(machine: Machine): Promise<AccountsRead> {
  const database = accountsDatabase(machine)
  try {
    await access(database)
  } catch {
    // No Internet Accounts database: Mail was never given an account.
    return {accounts: []}
  }
  const result = await runProgram(systemPath(machine, '/usr/bin/sqlite3'), ['-readonly', '-json', sqliteUri(database), QUERY], {timeoutMs: 30_000})
  if (result.notFound) return {problem: 'macOS\'s sqlite3 (/usr/bin/sqlite3) is missing, so Apple Mail\'s accounts cannot be read', hints: ['It is part of macOS: reinstalling the Command Line Tools (xcode-select --install) brings it back.']}
  if (result.exitCode !== 0) {
    const denied = /authori[sz]ation denied|unable to open database|operation not permitted/i.test(result.stderr)
    if (denied) return {problem: `macOS does not let mailcert read Apple Mail's accounts (${database})`, hints: [FULL_DISK_ACCESS]}
    return {problem: `Apple Mail's accounts (${database}) cannot be read: ${result.stderr.trim() || `sqlite3 exited with ${result.exitCode}`}`, hints: ['Open Apple Mail once, then run mailcert again.']}
  }
  let rows: AccountRow[]
  try {
    // sqlite3 -json prints nothing at all for an empty result.
    rows = result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as AccountRow[])
  } catch {
    return {problem: `Apple Mail's accounts (${database}) could not be understood`, hints: ['Run `mailcert check` to see what was found.']}
  }
  return {accounts: mailAccounts(rows)}
}
