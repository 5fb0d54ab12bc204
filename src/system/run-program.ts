/**
 * The one door to other programs. Arguments are always an array (no shell), secrets travel only
 * through stdin, pipes or 0600 files (see secret-files.ts), never in the environment (see
 * child-environment.ts), and are scrubbed from anything a program says before it reaches an error,
 * a log or a report. execa is loaded on first use: commands that run no program do not pay for it
 * at start-up.
 */
import {BugError} from '../errors.js'
import {childEnvironment} from './child-environment.js'

export interface RunOptions {
  /** Written to the program's stdin (a password for tools that read it there). */
  input?: string | Buffer
  /** Added to mailcert's environment (undefined removes a variable); secrets are taken out either way. */
  env?: Record<string, string | undefined>
  cwd?: string
  timeoutMs?: number
  /** Strings that must never appear in the arguments, and are removed from the output. */
  secrets?: string[]
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

export function redact(text: string, secrets: string[]): string {
  let result = text
  // Longest first: a secret that contains another must go whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length > 0) result = result.split(secret).join('[secret]')
  }
  return result
}

/** An argument that carries a secret: the secret itself, or `…=secret` / `pass:secret` forms. */
function carriesSecret(arg: string, secret: string): boolean {
  return arg === secret || arg.endsWith(`=${secret}`) || arg.endsWith(`:${secret}`)
}

export async function runProgram(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const secrets = (options.secrets ?? []).filter((secret) => secret.length > 0)
  if (secrets.some((secret) => args.some((arg) => carriesSecret(arg, secret)))) {
    throw new BugError(`a secret was about to be passed to ${file} in its argument list`)
  }
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
    stdout: redact(String(result.stdout ?? ''), secrets),
    stderr: redact(String(result.stderr ?? ''), secrets),
    timedOut: result.timedOut,
    notFound,
  }
}
