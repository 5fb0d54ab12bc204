#!/usr/bin/env node
// macOS's launchctl, only `launchctl asuser UID PROGRAM ARGS…`: it needs root, a numeric uid of a
// user that exists, and a program; it then runs the program (as root still: the uid switch is the
// program's business, sudo's here) in that user's session.
import {fail, passwd, record, runThrough} from './common.mjs'

const args = process.argv.slice(2)
record('launchctl', args)
const [subcommand, uid, program, ...rest] = args
if (subcommand !== 'asuser') fail(`Unrecognized subcommand: ${subcommand}`, 64)
if (!/^\d+$/.test(uid ?? '')) fail('Usage: launchctl asuser <UID> <program> [<arguments> ...]', 64)
if (!program) fail('Usage: launchctl asuser <UID> <program> [<arguments> ...]', 64)
if (process.getuid() !== 0) fail(`Could not switch to audit session 0x0: 1: Operation not permitted`, 1)
if (!passwd(uid)) fail(`Could not find domain for user ${uid}`, 1)
runThrough(program, rest, {stdio: 'inherit'})
