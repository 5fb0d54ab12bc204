#!/usr/bin/env node
// macOS's dscl, only as mailcert uses it: `dscl . -read /Users/NAME ATTRIBUTE…` against the local
// node. Anything else is refused. The record comes from this Linux machine's passwd database.
import {fail, passwd, record} from './common.mjs'

const args = process.argv.slice(2)
record('dscl', args)
const [node, command, path, ...attributes] = args
if (node !== '.') fail(`Data source (${node}) is not valid.`, 64)
if (command !== '-read') fail(`Unrecognized command: ${command}`, 64)
const match = /^\/Users\/([^/]+)$/.exec(path ?? '')
if (!match) fail('<dscl_cmd> DS Error: -14009 (eDSUnknownNodeName)', 56)
const user = passwd(match[1])
if (!user || user.name !== match[1]) fail('<dscl_cmd> DS Error: -14136 (eDSRecordNotFound)', 56)
const values = {UniqueID: user.uid, PrimaryGroupID: user.gid, NFSHomeDirectory: user.home, UserShell: user.shell, RecordName: user.name}
const known = attributes.filter((name) => name in values)
for (const name of known.length > 0 ? known : Object.keys(values)) {
  const value = String(values[name])
  // dscl puts a value with spaces on its own line, indented.
  process.stdout.write(value.includes(' ') ? `${name}:\n ${value}\n` : `${name}: ${value}\n`)
}
