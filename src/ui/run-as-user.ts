/**
 * The one call a command makes first in run(), before it looks at anything: in the mailcert that a
 * root one started as the user, take what it handed over; with --user NAME, as root, read every file
 * and password given, start mailcert again as NAME with them, and end with its exit code.
 */
import {exit} from '@oclif/core/errors'

import {readInputFile} from '../system/input-file.js'
import {encodeHandOver, type HandOver, receiveHandOver} from '../system/hand-over.js'
import {isSecretVariable} from '../system/child-environment.js'
import type {Machine} from '../system/platform.js'
import {currentUser, decideRunAs, selfCommand, userLaunch} from '../system/run-as-user.js'
import {readSecretFile, readSecretFromStdin} from '../system/secret-input.js'
import {spawnAsUser} from '../system/spawn-as-user.js'
import {userSession} from '../system/user-session.js'
import {lookUpUser} from '../system/user-account.js'
import type {RunAsFlagValues} from './run-as-flags.js'

/** Everything the command line and the environment hand mailcert that the user may not be able to read. */
async function gatherHandOver(machine: Machine, flags: RunAsFlagValues & Record<string, unknown>, files: Array<string | undefined>): Promise<HandOver> {
  const handOver: HandOver = {files: {}, secretFiles: {}, variables: {}}
  for (const file of files) if (file !== undefined) handOver.files[file] = (await readInputFile(file)).toString('base64')
  // --password-file, --db-password-file, --keychain-password-file, and any later one.
  for (const [flag, value] of Object.entries(flags)) {
    if (flag.endsWith('-file') && typeof value === 'string') handOver.secretFiles[value] = await readSecretFile(value, `--${flag}`)
  }
  if (flags['password-stdin']) handOver.stdin = await readSecretFromStdin('--password-stdin')
  for (const [name, value] of Object.entries(machine.env)) if (value !== undefined && isSecretVariable(name)) handOver.variables[name] = value
  return handOver
}

/** `files`: the input files named on the command line (install's signing and encryption .p12). */
export async function runAsGivenUser(machine: Machine, flags: RunAsFlagValues & Record<string, unknown>, ...files: Array<string | undefined>): Promise<void> {
  await receiveHandOver(machine.env)
  if (flags.user === undefined) return
  if (decideRunAs(machine.os, flags.user, currentUser()) === 'here') return
  const account = await lookUpUser(machine, flags.user)
  const handOver = await gatherHandOver(machine, flags, files)
  const launch = userLaunch(machine, account, await userSession(account), selfCommand())
  exit(await spawnAsUser(launch, encodeHandOver(handOver), {stdinTaken: Boolean(flags['password-stdin'])}))
}
