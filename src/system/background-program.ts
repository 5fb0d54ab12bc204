/**
 * A program that runs alongside mailcert (a headless Thunderbird). It gets its own process group so
 * that it can be stopped with everything it started, and it is stopped if mailcert exits first. Like
 * every child it gets mailcert's environment without its secrets (child-environment.ts).
 */
import {ExternalError} from '../errors.js'
import {childEnvironment} from './child-environment.js'

export interface BackgroundProgram {
  pid: number
  /** Resolves with the exit code (or signal) when the program ends. */
  exited: Promise<{code: number | null; signal: string | null}>
  hasExited(): boolean
  /** Output so far, for error messages. */
  output(): string
  /** SIGTERM to the group, then SIGKILL after `graceMs`; resolves when it has ended. */
  stop(graceMs?: number): Promise<void>
}

const running = new Set<number>()
let exitHookInstalled = false

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, signal)
  } catch {
    // Already gone.
  }
}

/** `env` is added to mailcert's environment, as for runProgram. */
export async function startBackgroundProgram(file: string, args: string[], env: Record<string, string | undefined>): Promise<BackgroundProgram> {
  const {execa} = await import('execa')
  const child = execa(file, args, {
    env: childEnvironment(env),
    extendEnv: false,
    detached: process.platform !== 'win32',
    stdin: 'ignore',
    reject: false,
    buffer: false,
    cleanup: true,
  })
  if (child.pid === undefined) {
    const result = await child
    // The system's reason (ENOENT, EACCES), not execa's message, which repeats the whole command line.
    const why = result.code ?? result.originalMessage ?? 'unknown error'
    throw new ExternalError(file, `${file} could not be started (${why}).`, {code: 'program-not-started'})
  }
  const pid = child.pid
  running.add(pid)
  if (!exitHookInstalled) {
    process.once('exit', () => {
      for (const leftover of running) killGroup(leftover, 'SIGKILL')
    })
    exitHookInstalled = true
  }

  let captured = ''
  const keep = (chunk: Buffer): void => {
    captured = (captured + chunk.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)

  let done = false
  const exited = child.then((result) => {
    done = true
    running.delete(pid)
    return {code: result.exitCode ?? null, signal: result.signal ?? null}
  })

  return {
    pid,
    exited,
    hasExited: () => done,
    output: () => captured,
    async stop(graceMs = 10_000) {
      if (done) return
      killGroup(pid, 'SIGTERM')
      const timer = new Promise((resolve) => setTimeout(resolve, graceMs).unref())
      await Promise.race([exited, timer])
      if (!done) {
        killGroup(pid, 'SIGKILL')
        await exited
      }
      // Children that left the group (content processes) are gone with it on Linux; nothing else to wait for.
    },
  }
}
