/**
 * The one door to other programs. Arguments are always an array (no shell), secrets travel only
 * through stdin, pipes or 0600 files (see secret-files.ts), never in the arguments or the
 * environment (see child-environment.ts). Nothing scrubs a program's output: the tools that get a
 * password (certutil, pk12util, modutil) read it from a pipe and never print it. execa is loaded on
 * first use: commands that run no program do not pay for it at start-up.
 */
import {childEnvironment} from './child-environment.js'

export interface RunOptions {
  /** Written to the program's stdin (a password for tools that read it there). */
  input?: string | Buffer
  /** Added to mailcert's environment (undefined removes a variable); secrets are taken out either way. */
  env?: Record<string, string | undefined>
  cwd?: string
  timeoutMs?: number
}

export interface RunResult {
  command: string
  exitCode: number | undefined
  stdout: string
  stderr: string
  timedOut: boolean
  /** The program could not be started at all (not installed, not executable). */
  notFound: boolean
}

export async function runProgram(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const {execa} = await import('execa')
  const result = await execa(file, args, {
    input: options.input,
    env: childEnvironment(options.env),
    extendEnv: false,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 120_000,
    reject: false,
    stripFinalNewline: false,
    stdin: options.input === undefined ? 'ignore' : 'pipe',
  })
  const notFound = (result as {code?: string}).code === 'ENOENT'
  return {
    command: [file, ...args].join(' '),
    exitCode: result.exitCode,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    timedOut: result.timedOut,
    notFound,
  }
}
