/**
 * What every mailcert command shares: one JSON envelope for `--json` (`{status, result, warnings}`
 * or `{status, error}`), errors rendered as "what happened" plus "try this", exit codes from
 * DESIGN.md, and no stack trace unless DEBUG is set.
 */
// oclif's subpaths rather than its index: importing the index loads all of oclif, and semver for
// an engines warning about oclif itself, 45 ms of `inspect`.
import {Command} from '@oclif/core/command'
import * as Errors from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import type {Input, ParserOutput} from '@oclif/core/interfaces'
import * as ux from '@oclif/core/ux'
import path from 'node:path'

import {ExitCode, type ExitCodeValue, ExternalError, isMailcertError} from '../errors.js'
import type {LockedJournal} from '../install/journal-file.js'
import {currentMachine, logDir} from '../system/platform.js'
import type {ApplyLog, RunLogger} from './run-logger.js'

export interface ErrorJson {
  status: number
  error: {
    code: string
    kind: 'user' | 'external' | 'bug' | 'usage' | 'cancelled'
    message: string
    hints: string[]
    tool?: string
    output?: string
  }
  warnings: string[]
}

export interface SuccessJson<T> {
  status: number
  result: T
  warnings: string[]
}

interface Failure {
  exitCode: number
  json: ErrorJson['error']
  stack?: string
}

function isPromptCancel(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')
}

function describe(error: unknown): Failure {
  if (isMailcertError(error)) {
    const kind = error instanceof ExternalError ? 'external' : error.code === 'bug' ? 'bug' : error.exitCode === ExitCode.usage ? 'usage' : 'user'
    return {
      exitCode: error.exitCode,
      json: {
        code: error.code,
        kind,
        message: error.message,
        hints: 'hints' in error ? error.hints : [],
        ...(error instanceof ExternalError ? {tool: error.tool, output: error.output} : {}),
      },
      stack: error.stack,
    }
  }
  if (isPromptCancel(error)) {
    // Prompts come before any change is made.
    return {exitCode: ExitCode.cancelled, json: {code: 'cancelled', kind: 'cancelled', message: 'Cancelled. Nothing was changed.', hints: []}}
  }
  // oclif's own parse errors (unknown flag, missing argument) carry their exit code: usage, 2.
  const oclifExit = (error as {oclif?: {exit?: number}}).oclif?.exit
  if (error instanceof Error && oclifExit !== undefined) {
    return {exitCode: oclifExit, json: {code: 'usage', kind: 'usage', message: error.message, hints: ['Run with --help to see the flags.']}, stack: error.stack}
  }
  const message = error instanceof Error ? error.message : String(error)
  return {
    exitCode: ExitCode.unexpected,
    json: {
      code: 'bug',
      kind: 'bug',
      message: `Unexpected error: ${message}`,
      hints: ['This is a bug in mailcert. Run again with DEBUG=1 to see where it happened, and report it.'],
    },
    stack: error instanceof Error ? error.stack : undefined,
  }
}

/** The log flags every command has (see `openRunLog`). */
export const runLogFlags = {
  log: Flags.string({
    summary: 'Append a log of this run to FILE: a JSON line per step and per target, with the exit code.',
    description:
      'Each line is a JSON object with `type` (start, step, target, end), `time` and the run\'s id `run`; `end` has `exitCode` and `changed`. No password or other secret is ever written, and flags are logged by name only. FILE is appended to and never rotated. Without --log, a run with no terminal (a fleet engine, a script) logs to mailcert.log in ~/.local/state/mailcert ($XDG_STATE_HOME/mailcert) on Linux, ~/Library/Logs/mailcert on macOS, %LOCALAPPDATA%\\mailcert\\Logs on Windows; past 1 MiB it becomes mailcert.log.1.',
    env: 'MAILCERT_LOG',
    helpValue: 'FILE',
    helpGroup: 'GLOBAL',
  }),
  'no-log': Flags.boolean({
    summary: 'Write no log at all, not even the default one of a run without a terminal.',
    description: 'Wins over --log and MAILCERT_LOG. MAILCERT_NO_LOG=1 does the same.',
    env: 'MAILCERT_NO_LOG',
    helpGroup: 'GLOBAL',
  }),
}

interface RunLogFlagValues {
  log?: string
  'no-log'?: boolean
}

export abstract class MailcertCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = runLogFlags

  private readonly warnings: string[] = []

  private readonly startedAt = new Date()

  /** Undefined until the flags are parsed; null when this run writes no log. */
  private runLogger: RunLogger | null | undefined

  /** For `confirmAndApply`: the run's log, when it has one. */
  protected get runLog(): ApplyLog | undefined {
    return this.runLogger ?? undefined
  }

  /** Prompts only with a person at a terminal: never with --json, in CI, or when stdin is a pipe. */
  protected get canPrompt(): boolean {
    return Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY) && !this.jsonEnabled()
  }

  protected note(message: string): void {
    this.warnings.push(message)
    this.logToStderr(ux.colorize('yellow', `Warning: ${message}`))
  }

  /**
   * For a command that changes a user's stores and mail clients: one mailcert at a time (waiting
   * up to `waitSeconds` for another to finish), and what interrupted runs left, settled first.
   */
  protected async lockUserState(command: string, waitSeconds: number): Promise<LockedJournal> {
    // Loaded here: the journal, the lock and the process checks are nothing `inspect` needs.
    const {JournalFile} = await import('../install/journal-file.js')
    const locked = await JournalFile.lockAndOpen(this.config.dataDir, {
      command,
      waitMs: waitSeconds * 1000,
      onWait: (holder) => this.logToStderr(`Another mailcert (process ${holder.pid}, ${holder.command}) is changing this user's certificates; waiting up to ${waitSeconds} s for it to finish…`),
    })
    for (const entry of locked.settled) {
      this.note(`An earlier mailcert run was interrupted while it changed ${entry.label}; what it changed is recorded. Run \`mailcert install\` with the same file to finish it, or \`mailcert remove\` to undo it.`)
    }
    return locked
  }

  /** A result that is not a failure of the command but must still show in the exit code (exit 5, 7, 8). */
  protected setExitCode(code: ExitCodeValue): void {
    process.exitCode = code
  }

  protected override async parse<F extends Record<string, unknown>, B extends Record<string, unknown>, A extends Record<string, unknown>>(options?: Input<F, B, A>, argv?: string[]): Promise<ParserOutput<F, B, A>> {
    const parsed = await super.parse(options, argv)
    if (this.runLogger === undefined) {
      const given = Object.keys(parsed.flags).filter((name) => parsed.flags[name] !== undefined && !parsed.metadata.flags[name]?.setFromDefault)
      await this.openRunLog(parsed.flags as RunLogFlagValues, given)
    }
    return parsed
  }

  /**
   * The log of this run: --log FILE; else, when stdout is not a terminal (what fleet engines and
   * scripts give), the default log of this OS; none with --no-log. Its modules load only then:
   * `inspect` at a terminal loads nothing more.
   */
  private async openRunLog(flags: RunLogFlagValues, given: string[]): Promise<void> {
    this.runLogger = null
    if (flags['no-log']) return
    const machine = currentMachine(this.config.home)
    const file = flags.log ? path.resolve(flags.log) : process.stdout.isTTY ? undefined : path.join(logDir(machine), 'mailcert.log')
    if (file === undefined) return
    const {startRunLogger} = await import('./run-logger.js')
    this.runLogger = startRunLogger({
      file,
      rotate: !flags.log,
      start: {command: this.id ?? '', version: this.config.version, pid: process.pid, os: machine.os, flags: given},
      startedAt: this.startedAt,
      onError: (message) => this.note(message),
    })
  }

  /** The `end` line, with the exit code the process ends with. */
  private async endRunLog(error: Error | undefined): Promise<void> {
    // A run whose flags could not be parsed: logged as the environment and the terminal say.
    if (this.runLogger === undefined) await this.openRunLog({log: process.env.MAILCERT_LOG || undefined, 'no-log': /^(1|true|y|yes)$/i.test(process.env.MAILCERT_NO_LOG ?? '')}, [])
    if (!this.runLogger) return
    if (error === undefined) this.runLogger.end({exitCode: Number(process.exitCode ?? 0)})
    else if (error instanceof Errors.ExitError) this.runLogger.end({exitCode: error.oclif.exit ?? Number(process.exitCode ?? 0)})
    else {
      const failure = describe(error)
      this.runLogger.end({exitCode: failure.exitCode, error: {code: failure.json.code, message: failure.json.message}})
    }
    this.runLogger = null
  }

  override async finally(error: Error | undefined): Promise<void> {
    try {
      await this.endRunLog(error)
    } finally {
      await super.finally(error)
    }
  }

  protected override toSuccessJson(result: unknown): SuccessJson<unknown> {
    return {status: Number(process.exitCode ?? 0), result, warnings: this.warnings}
  }

  protected override toErrorJson(error: unknown): ErrorJson {
    return {status: describe(error).exitCode, error: describe(error).json, warnings: this.warnings}
  }

  override async catch(error: Error & {exitCode?: number}): Promise<void> {
    if (error instanceof Errors.ExitError) throw error
    const failure = describe(error)
    process.exitCode = failure.exitCode
    if (this.jsonEnabled()) {
      this.logJson(this.toErrorJson(error))
      this.exit(failure.exitCode)
    }
    const lines = [`${ux.colorize('red', failure.json.kind === 'cancelled' ? '✖' : 'Error:')} ${failure.json.message}`]
    if (failure.json.output) lines.push(`${failure.json.tool} said:`, ...failure.json.output.split('\n').map((line) => `  ${line}`))
    if (failure.json.hints.length > 0) lines.push('Try this:', ...failure.json.hints.map((hint) => `  › ${hint}`))
    if (process.env.DEBUG && failure.stack) lines.push('', failure.stack)
    process.stderr.write(`${lines.join('\n')}\n`)
    this.exit(failure.exitCode)
  }
}
