/**
 * What Apple Mail and Outlook for Mac look like on a Mac, put into a test's system root and HOME:
 * the app bundles' Info.plist (Mail's binary, as macOS ships it; Outlook's XML), a real
 * Accounts4.sqlite made with Debian's sqlite3 in Core Data's layout, and /usr/bin/sqlite3 itself.
 * A machine without Full Disk Access is modelled by a sqlite3 that gets the error macOS gives.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'

export interface MailAccountRow {
  /** `IMAP`, `POP`, `Exchange`, `Google`, `SMTP`, `CalDAV` ... (com.apple.account.TYPE). */
  type: string
  username: string
  description?: string
  active?: boolean
  /** The UUID of the account (Mail's folder name). */
  identifier?: string
}

function writePlist(file: string, value: Record<string, string>, format: 'binary' | 'xml'): void {
  mkdirSync(path.dirname(file), {recursive: true})
  const script = `import plistlib, sys, json\nvalue = json.loads(sys.argv[2])\nwith open(sys.argv[1], 'wb') as f:\n    plistlib.dump(value, f, fmt=plistlib.${format === 'binary' ? 'FMT_BINARY' : 'FMT_XML'})\n`
  execFileSync('python3', ['-c', script, file, JSON.stringify(value)])
}

export function installMailApp(systemRoot: string, version = '16.0'): void {
  writePlist(path.join(systemRoot, 'System/Applications/Mail.app/Contents/Info.plist'), {CFBundleIdentifier: 'com.apple.mail', CFBundleShortVersionString: version, CFBundleName: 'Mail'}, 'binary')
}

export function installOutlookApp(systemRoot: string, version = '16.91'): void {
  writePlist(path.join(systemRoot, 'Applications/Microsoft Outlook.app/Contents/Info.plist'), {CFBundleIdentifier: 'com.microsoft.Outlook', CFBundleShortVersionString: version}, 'xml')
}

/** macOS's sqlite3 at ROOT/usr/bin/sqlite3: Debian's, or one that is denied as without Full Disk Access. */
export function installSqlite(systemRoot: string, access: 'allowed' | 'denied' = 'allowed'): void {
  const file = path.join(systemRoot, 'usr/bin/sqlite3')
  mkdirSync(path.dirname(file), {recursive: true})
  if (access === 'allowed') {
    symlinkSync('/usr/bin/sqlite3', file)
    return
  }
  // What sqlite3 prints on macOS when privacy protection refuses the open (the file exists, the read is refused).
  writeFileSync(file, '#!/bin/sh\nfor last; do :; done\necho "Error: unable to open database \\"$3\\": authorization denied" >&2\nexit 1\n')
  chmodSync(file, 0o755)
}

/** ~/Library/Accounts/Accounts4.sqlite with these accounts, in the Core Data tables mailcert reads. */
export function writeAccountsDatabase(home: string, accounts: MailAccountRow[]): string {
  const file = path.join(home, 'Library/Accounts/Accounts4.sqlite')
  mkdirSync(path.dirname(file), {recursive: true})
  const types = [...new Set(accounts.map((a) => a.type))]
  const quote = (value: string) => `'${value.replace(/'/g, "''")}'`
  const sql = [
    'CREATE TABLE ZACCOUNTTYPE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZACCOUNTTYPEDESCRIPTION VARCHAR, ZIDENTIFIER VARCHAR);',
    'CREATE TABLE ZACCOUNT (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZACTIVE INTEGER, ZAUTHENTICATED INTEGER, ZACCOUNTTYPE INTEGER, ZPARENTACCOUNT INTEGER, ZACCOUNTDESCRIPTION VARCHAR, ZIDENTIFIER VARCHAR, ZUSERNAME VARCHAR);',
    ...types.map((type, index) => `INSERT INTO ZACCOUNTTYPE VALUES (${index + 1}, 3, 1, ${quote(type)}, ${quote(`com.apple.account.${type}`)});`),
    ...accounts.map(
      (account, index) =>
        `INSERT INTO ZACCOUNT VALUES (${index + 1}, 2, 1, ${account.active === false ? 0 : 1}, 1, ${types.indexOf(account.type) + 1}, NULL, ${quote(account.description ?? account.username)}, ${quote(account.identifier ?? `0000000${index}-0000-4000-8000-00000000000${index}`)}, ${quote(account.username)});`,
    ),
  ].join('\n')
  execFileSync('/usr/bin/sqlite3', [file], {input: sql})
  return file
}
