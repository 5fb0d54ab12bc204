#!/usr/bin/env node
// sudo as mailcert uses it on macOS: `sudo -u NAME -H -- PROGRAM ARGS…`, by root (no password).
// Like the real one it resets the environment (env_reset, secure_path) and closes every descriptor
// above standard error (closefrom 3); the uid, gid and groups switch is setpriv's here.
import {fail, passwd, record, runThrough} from './common.mjs'

const args = process.argv.slice(2)
record('sudo', args)
let user = null
let setHome = false
let index = 0
for (; index < args.length; index++) {
  const arg = args[index]
  if (arg === '--') {
    index++
    break
  }
  if (arg === '-u') user = args[++index]
  else if (arg === '-H') setHome = true
  else if (arg.startsWith('-')) fail(`sudo: unknown option ${arg}`, 1)
  else break
}
const [program, ...rest] = args.slice(index)
if (!program) fail('usage: sudo -u user -H -- command', 1)
if (process.getuid() !== 0) fail('sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper', 1)
const account = passwd(user ?? 'root')
if (!account || account.name !== (user ?? 'root')) fail(`sudo: unknown user ${user}`, 1)
const env = {
  PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
  HOME: setHome ? account.home : process.env.HOME ?? '/var/root',
  USER: account.name,
  LOGNAME: account.name,
  SHELL: account.shell,
  SUDO_USER: 'root',
  SUDO_UID: '0',
  SUDO_GID: '0',
  ...(process.env.TERM ? {TERM: process.env.TERM} : {}),
}
runThrough('setpriv', ['--reuid', String(account.uid), '--regid', String(account.gid), '--init-groups', '--', program, ...rest], {stdio: [0, 1, 2], env})
