#!/usr/bin/env node
/**
 * A strict stand-in for macOS's /usr/bin/security, for tests on Linux. It behaves as
 * research/macos-mail.md documents the tool on macOS 14 and macOS 15 (which one comes from the
 * simulated SystemVersion.plist), keeps its keychains as JSON files where the real ones would be,
 * and stops with a recorded violation wherever the real tool would hang on a dialog or a terminal,
 * or where a caller puts a secret into an argument list.
 *
 * test/helpers/macos-machine.ts installs it as ROOT/usr/bin/security, a sh wrapper that sets
 * SECURITY_SIM_ROOT (the simulated system root) and SECURITY_SIM_HOME (the user's home: the real
 * tool finds it from the user database, not from $HOME).
 */
import {readFileSync} from 'node:fs'

import {findCommand, passwordValues, redactPasswords} from './commands/index.mjs'
import {getopt, GetoptError, has} from './getopt.mjs'
import {NotSimulatedKeychain} from './keychain.mjs'
import {Simulation, StatusError, Violation} from './simulation.mjs'
import {readLines, splitLine} from './split-line.mjs'
import {exitStatus} from './status.mjs'

const root = process.env.SECURITY_SIM_ROOT
const home = process.env.SECURITY_SIM_HOME
if (!root || !home) {
  process.stderr.write('security (simulator): SECURITY_SIM_ROOT and SECURITY_SIM_HOME must be set (run it through the wrapper test/helpers/macos-machine.ts installs)\n')
  process.exit(1)
}

const argv = process.argv.slice(2)

/** The arguments as the logs show them: a password given in argv (itself a violation) as ***. */
function argvForLog() {
  try {
    const {rest} = getopt(['security', ...argv], 'hilp:qv')
    if (rest.length === 0) return argv
    const offset = argv.length - rest.length
    return [...argv.slice(0, offset), ...redactPasswords(findCommand(rest[0]), rest)]
  } catch {
    return argv
  }
}

const sim = new Simulation({root, home, argv: argvForLog()})

function usageOf(command) {
  return `Usage: ${command.name} ...\n`
}

/** execute_command(): run one command line; its result is the command's status. */
function execute(args, {interactive}) {
  if (args.length === 0) return 0
  const command = findCommand(args[0])
  if (!command) {
    sim.error(`security: unknown command "${args[0]}"\n`)
    return 1
  }
  const line = [command.name, ...args.slice(1)]
  if (!interactive && passwordValues(command, line).length > 0) {
    sim.violation('password-in-argv', `${command.name} got a password as a command-line argument (visible to every process through ps); send the command on stdin to security -i instead`)
  }
  if (!command.run) sim.violation('not-simulated', `the simulator does not model "${command.name}"`)
  try {
    const result = command.run(sim, line)
    if (result === 2) sim.error(usageOf(command))
    return result
  } catch (error) {
    if (error instanceof GetoptError) {
      sim.error(`${error.message}\n${usageOf(command)}`)
      return 2
    }
    if (error instanceof StatusError) return sim.perror(error.fn, error.status)
    throw error
  }
}

function checkArgv() {
  for (const arg of argv) {
    if (sim.containsSecret(arg)) sim.violation('secret-in-argv', 'an argument of security holds a secret (a password seen on stdin or one the test registered)')
  }
}

function run() {
  let globals
  try {
    globals = getopt(['security', ...argv], 'hilp:qv')
  } catch {
    return {result: 2}
  }
  const interactive = has(globals.options, 'i') || has(globals.options, 'p')
  const quiet = has(globals.options, 'q')
  if (globals.rest.length > 0) {
    checkArgv()
    return {result: execute(globals.rest, {interactive: false})}
  }
  if (!interactive) return {result: 2}

  const {lines, events} = readLines(readFileSync(0))
  const commands = lines.map((bytes) => splitLine(bytes.toString('utf8')))
  const shown = commands.map(({args}) => {
    const command = args.length > 0 ? findCommand(args[0]) : null
    return redactPasswords(command, args)
  })
  sim.rememberSecrets(commands.flatMap(({args}) => (args.length > 0 ? passwordValues(findCommand(args[0]), args) : [])))
  sim.stdinForLog = shown.map((args) => sim.redact(args).join(' '))
  checkArgv()
  for (const event of events) {
    if (event.kind === 'unterminated') sim.violation('unterminated-line', `the last ${event.bytes} bytes on stdin have no newline: readline() returns NULL at EOF, so security never runs that command`)
    if (event.kind === 'split') sim.violation('line-too-long', `command line ${event.line + 1} is longer than MAX_LINE_LEN (4096): security runs it cut in two`)
  }
  commands.forEach(({truncated}, index) => {
    if (truncated) sim.violation('too-many-arguments', `command line ${index + 1} has more than MAX_ARGS (32) arguments: split_line drops the rest`)
  })
  let result = 0
  for (const {args} of commands) {
    result = execute(args, {interactive: true})
    if (result && !quiet) sim.error(`${args[0]}: returned ${result}\n`)
  }
  return {result}
}

let status = 1
try {
  const {result} = run()
  status = exitStatus(result)
} catch (error) {
  if (error instanceof Violation) status = 1
  else if (error instanceof NotSimulatedKeychain) {
    sim.error(`security (simulator): ${error.message}\n`)
    status = 1
  } else {
    sim.error(`security (simulator): internal error: ${error.stack}\n`)
    status = 70
  }
}
sim.logCall({argv: sim.redact(sim.argv), stdin: sim.stdinForLog ?? null, status, stdout: sim.out.join(''), stderr: sim.err.join('')})
sim.flush()
process.exitCode = status
