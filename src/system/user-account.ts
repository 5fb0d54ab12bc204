/**
 * Who a user named on the command line (`--user NAME`) is: uid, primary gid, home and shell, asked
 * of the system's own user database (NSS's `getent passwd` on Linux, so LDAP and SSSD users count
 * too; Directory Services' `dscl` on macOS, where /etc/passwd holds only system accounts).
 */
import {UsageError} from '../errors.js'
import {type Machine, systemPath} from './platform.js'
import {runProgram} from './run-program.js'

export interface UserAccount {
  name: string
  uid: number
  gid: number
  home: string
  shell: string
}

/** A user name as useradd and macOS accept it: it never starts with a dash, so it is never an option. */
const USER_NAME = /^[A-Za-z0-9_.][A-Za-z0-9_.@-]*\$?$/

export function isUserName(name: string): boolean {
  return USER_NAME.test(name) && name.length <= 256
}

/** One line of passwd(5): `name:password:uid:gid:gecos:home:shell`. Null for anything else. */
export function parsePasswdLine(line: string): UserAccount | null {
  const fields = line.replace(/\r?\n$/, '').split(':')
  if (fields.length !== 7) return null
  const [name, , uid, gid, , home, shell] = fields
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid) || !home.startsWith('/')) return null
  return {name, uid: Number(uid), gid: Number(gid), home, shell: shell || '/bin/sh'}
}

/**
 * `dscl . -read /Users/NAME UniqueID PrimaryGroupID NFSHomeDirectory UserShell`: one `Key: value`
 * line per attribute, or `Key:` with the value on the next line, indented by a space, when it holds
 * spaces. Null when an attribute is missing.
 */
export function parseDsclRecord(name: string, text: string): UserAccount | null {
  const values = new Map<string, string>()
  const lines = text.split(/\r?\n/)
  for (let index = 0; index < lines.length; index++) {
    const match = /^(\w+):(?: (.*))?$/.exec(lines[index])
    if (!match) continue
    const value = match[2] ?? (lines[index + 1]?.startsWith(' ') ? lines[++index].slice(1) : '')
    values.set(match[1], value)
  }
  const uid = values.get('UniqueID') ?? ''
  const gid = values.get('PrimaryGroupID') ?? ''
  const home = values.get('NFSHomeDirectory') ?? ''
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid) || !home.startsWith('/')) return null
  return {name, uid: Number(uid), gid: Number(gid), home, shell: values.get('UserShell') || '/bin/sh'}
}

function noSuchUser(name: string): UsageError {
  return new UsageError(`There is no user named ${name} on this machine.`, ['Give --user the login name of the person whose mail clients to set up (as `id NAME` knows it).'], 'no-such-user')
}

export async function lookUpUser(machine: Machine, name: string): Promise<UserAccount> {
  if (!isUserName(name)) throw noSuchUser(name)
  if (machine.os === 'macos') {
    const dscl = await runProgram(systemPath(machine, '/usr/bin/dscl'), ['.', '-read', `/Users/${name}`, 'UniqueID', 'PrimaryGroupID', 'NFSHomeDirectory', 'UserShell'], {timeoutMs: 30_000})
    const account = dscl.exitCode === 0 ? parseDsclRecord(name, dscl.stdout) : null
    if (!account) throw noSuchUser(name)
    return account
  }
  // getent exits 2 for a name it does not know.
  const getent = await runProgram('getent', ['passwd', name], {timeoutMs: 30_000})
  const account = getent.exitCode === 0 ? parsePasswdLine(getent.stdout.split('\n')[0]) : null
  if (!account || account.name !== name) throw noSuchUser(name)
  return account
}
