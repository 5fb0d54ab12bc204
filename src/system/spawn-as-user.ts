/**
 * Starting the mailcert that runs as the user (run-as-user.ts says what), and standing aside: its
 * output goes straight to ours, its exit code becomes ours, and the signals an engine sends us
 * (SIGTERM, SIGINT, SIGHUP) reach it exactly once, so that its own Ctrl+C handling (the first one
 * stops at the next safe point and undoes, the second stops at once) works as without --user.
 *
 * Exactly once: without a terminal the child gets a session of its own, so a signal to our process
 * group reaches it only through us. At a terminal it stays in our group, so that it can ask
 * questions there; Ctrl+C then reaches it from the terminal itself, and we do not pass SIGINT on.
 */
import {constants} from 'node:os'

import {ExternalError} from '../errors.js'
import type {UserLaunch} from './run-as-user.js'

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const

/** `stdinTaken`: standard input was read already (--password-stdin), so the child gets none. */
export async function spawnAsUser(launch: UserLaunch, frame: Buffer, options: {stdinTaken: boolean}): Promise<number> {
  const stdinIsTerminal = Boolean(process.stdin.isTTY) && !options.stdinTaken
  const {execa} = await import('execa')
  const onStdin = launch.handOverFd === 0
  const stdin = onStdin ? 'pipe' : stdinIsTerminal ? 'inherit' : 'ignore'
  const stdio = onStdin ? ([stdin, 'inherit', 'inherit'] as const) : ([stdin, 'inherit', 'inherit', 'pipe'] as const)
  const child = execa(launch.file, launch.args, {
    env: launch.env,
    extendEnv: false,
    cwd: launch.cwd,
    stdio: [...stdio],
    detached: !stdinIsTerminal,
    reject: false,
    // Our own clean-up on exit would SIGTERM it: it gets our signals instead, and we wait for it.
    cleanup: false,
  })
  const forward = (signal: NodeJS.Signals) => () => {
    if (signal === 'SIGINT' && stdinIsTerminal) return
    child.kill(signal)
  }
  const listeners = FORWARDED.map((signal) => [signal, forward(signal)] as const)
  for (const [signal, listener] of listeners) process.on(signal, listener)
  try {
    const channel = child.stdio[launch.handOverFd] as NodeJS.WritableStream | null
    // A child that ends before reading (it could not start) closes the pipe: its exit says why.
    ;(channel as unknown as NodeJS.EventEmitter | null)?.on('error', () => undefined)
    channel?.end(frame)
    const result = await child
    const code = (result as {code?: string}).code
    if (code === 'ENOENT' || code === 'EACCES') {
      throw new ExternalError(launch.file, `mailcert could not start ${launch.file} to run as the user (${code}).`, {
        hints: [launch.file === 'setpriv' ? 'Install util-linux (setpriv is in it): apt-get install util-linux.' : `Check that ${launch.file} exists.`],
        code: 'run-as-user-unavailable',
      })
    }
    if (result.signal) return 128 + (constants.signals[result.signal as keyof typeof constants.signals] ?? 0)
    return result.exitCode ?? 1
  } finally {
    for (const [signal, listener] of listeners) process.off(signal, listener)
  }
}
