/**
 * A real pseudo-terminal for the interactive parts, through tmux: start mailcert in a detached
 * session, type into it, and read the screen as a person would see it.
 */
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {REPO} from './fixtures.js'

let counter = 0

/**
 * A tmux server of this test process's own: on the shared default server, one process ending its
 * last session stops the server while another process is starting one ("server exited unexpectedly").
 */
const SOCKET = `mailcert-test-${process.pid}`

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], {encoding: 'utf8'})
}

export class Terminal {
  private constructor(
    readonly session: string,
    private readonly exitFile: string,
  ) {}

  /** Start `mailcert <args>` in a 120x40 terminal with the given environment. */
  static start(args: string[], env: Record<string, string>, cwd = REPO): Terminal {
    const session = `mailcert-test-${process.pid}-${++counter}`
    const exitFile = join(env.HOME ?? '/tmp', `.exit-${session}`)
    const quoted = [process.execPath, join(REPO, 'bin', 'run.js'), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
    const exports = Object.entries({TERM: 'xterm-256color', NO_COLOR: '1', ...env})
      .map(([k, v]) => `export ${k}='${v.replaceAll("'", "'\\''")}';`)
      .join(' ')
    // Keep the pane open after mailcert exits, and record its exit code.
    const command = `${exports} cd '${cwd}'; ${quoted}; echo $? > '${exitFile}'; sleep 600`
    // The session closed just before may have been the server's last: that server is still going away, so try again.
    for (let attempt = 1; ; attempt++) {
      try {
        tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command)
        break
      } catch (error) {
        if (attempt === 5 || !String((error as {stderr?: unknown}).stderr ?? error).includes('server exited unexpectedly')) throw error
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
      }
    }
    return new Terminal(session, exitFile)
  }

  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', this.session)
  }

  /** Type text; `keys` names like Enter, Space, Down, C-c are sent as keys. */
  type(text: string): void {
    tmux('send-keys', '-t', this.session, '-l', text)
  }

  /**
   * Text and its Enter in one send-keys, as a paste followed at once by Enter arrives: the program
   * reads both together, before it can react to the text.
   */
  paste(text: string): void {
    tmux('send-keys', '-t', this.session, '-l', `${text}\r`)
  }

  press(...keys: string[]): void {
    tmux('send-keys', '-t', this.session, ...keys)
  }

  async waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const screen = this.screen()
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) return screen
      if (Date.now() > deadline) throw new Error(`the screen never showed ${String(pattern)}:\n${screen}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  async exitCode(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    while (!existsSync(this.exitFile)) {
      if (Date.now() > deadline) throw new Error(`mailcert did not exit:\n${this.screen()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    return Number(readFileSync(this.exitFile, 'utf8').trim())
  }

  close(): void {
    try {
      tmux('kill-session', '-t', this.session)
    } catch {
      // Already gone.
    }
  }
}
