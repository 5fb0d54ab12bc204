/** Running the built CLI (bin/run.js) the way a user or a script does. */
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {REPO} from './fixtures.js'

export interface CliResult {
  code: number | null
  /** The signal that ended it (SIGKILL for a run the crash tests killed), or null when it exited. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  env?: Record<string, string | undefined>
  input?: string
  cwd?: string
  timeoutMs?: number
  /** A program and its arguments that run mailcert's node in turn (strace, for the crash tests). */
  runUnder?: string[]
  /** Another copy of bin/run.js to run (cli-for-all-users.ts); the checkout's by default. */
  entry?: string
  /** Called with all of standard error so far, each time more arrives (to act on a message while it runs). */
  onStderr?(stderr: string): void
}

/** A fresh HOME, so nothing of the machine's own user is read or touched. */
export function sandboxHome(prefix = 'mailcert-home-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * Runs without a terminal write the default log (src/ui/base-command.ts): into the sandbox HOME a
 * test gives (not where this machine's own XDG_STATE_HOME or LOCALAPPDATA would put it), and none
 * at all for a run that keeps the real HOME.
 */
function logPlace(env: Record<string, string | undefined>): Record<string, string | undefined> {
  if (env.HOME === undefined) return {MAILCERT_NO_LOG: '1'}
  return {XDG_STATE_HOME: undefined, LOCALAPPDATA: undefined}
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', ...logPlace(options.env ?? {}), ...options.env}
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key]
    const command = [...(options.runUnder ?? []), process.execPath, options.entry ?? join(REPO, 'bin', 'run.js'), ...args]
    const child = spawn(command[0], command.slice(1), {
      cwd: options.cwd ?? REPO,
      env: env as NodeJS.ProcessEnv,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8')
      options.onStderr?.(stderr)
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`mailcert ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }
}
