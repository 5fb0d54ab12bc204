/**
 * An unknown command is a usage error: exit 2, as the exit code table says, where oclif's not-found
 * plugin exits 127 (a shell's "command not found"). At a terminal the plugin keeps doing what it does
 * well: it offers the closest command ("Did you mean install?") and runs it on yes. Without a terminal
 * nobody can answer, and the plugin then names no command at all: the suggestion goes into the error.
 */
import {Errors, type Hook, toConfiguredId} from '@oclif/core'
import notFound from '@oclif/plugin-not-found'

import {ExitCode} from '../errors.js'
import {closestCommand} from '../ui/command-suggestion.js'

/** The plugin's own "not a command" exit. */
const PLUGIN_EXIT = 127

const hook: Hook.CommandNotFound = async function (options) {
  const {config, id} = options
  if (process.stdin.isTTY && process.stdout.isTTY) {
    try {
      return await notFound.call(this, options)
    } catch (error) {
      if ((error as Errors.CLIError).oclif?.exit !== PLUGIN_EXIT) throw error
      return this.error((error as Error).message, {exit: ExitCode.usage})
    }
  }
  const hidden = new Set(config.commands.filter((command) => command.hidden).map((command) => command.id))
  const commands = [...config.commandIDs, ...config.commands.flatMap((command) => command.aliases)].filter((command) => !hidden.has(command))
  const suggestion = closestCommand(id, commands)
  const didYouMean = suggestion ? ` Did you mean ${config.bin} ${toConfiguredId(suggestion, config)}?` : ''
  const word = id.split(':')[0]
  this.error(`${word} is not a ${config.bin} command.${didYouMean} Run ${config.bin} help for a list of available commands.`, {exit: ExitCode.usage})
}

export default hook
