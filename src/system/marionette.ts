/**
 * A minimal client for Marionette, the remote protocol built into Gecko (Firefox, Thunderbird):
 * length-prefixed JSON over TCP (`<length>:<json>`), commands `[0, id, name, params]`, answers
 * `[1, id, error, result]`. Enough to run privileged JavaScript in Thunderbird's chrome context.
 * It only ever connects to loopback.
 */
import {connect, type Socket} from 'node:net'

import {ExternalError} from '../errors.js'

/**
 * How a request failed: nothing listening (`refused`), no answer in time (`timeout`), the
 * connection ended (`closed`), bytes that are not Marionette (`malformed`), or the program answered
 * with an error, such as an exception in a script (`error`).
 */
export type MarionetteFailure = 'refused' | 'timeout' | 'closed' | 'malformed' | 'error'

/**
 * A program driven over Marionette failed or stopped answering: its failure (exit 9), never a bug
 * in mailcert, even where no caller has said more about it. The code says which way it failed. The
 * message is the protocol's or the program's own and never holds the arguments of a request.
 */
export class MarionetteError extends ExternalError {
  constructor(
    message: string,
    readonly failure: MarionetteFailure,
    /** What was asked: a command name, or `greeting`. */
    readonly request: string,
    /** Marionette's own error code for `error` (for example `javascript error`). */
    readonly errorCode?: string,
  ) {
    super('Marionette', message, {code: `marionette-${failure}`})
    this.name = 'MarionetteError'
  }
}

interface Pending {
  name: string
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

/** The longest message accepted; a length beyond it means the bytes are not Marionette. */
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024

export class MarionetteClient {
  private buffer = Buffer.alloc(0)
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private greeting: Pending | null = null
  private closedError: MarionetteError | null = null

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('close', () => this.fail(new MarionetteError('the connection was closed', 'closed', 'connection')))
    socket.on('error', (error) => this.fail(new MarionetteError(`connection error: ${error.message}`, 'closed', 'connection')))
  }

  /** Connect and read the server's greeting. Rejects if nothing answers within `timeoutMs`. */
  static async connect(port: number, timeoutMs = 10_000): Promise<MarionetteClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({host: '127.0.0.1', port})
      const timer = setTimeout(() => {
        s.destroy()
        reject(new MarionetteError(`no answer on port ${port}`, 'timeout', 'connection'))
      }, timeoutMs)
      s.once('connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (error) => {
        clearTimeout(timer)
        reject(new MarionetteError(error.message, 'refused', 'connection'))
      })
    })
    const client = new MarionetteClient(socket)
    try {
      await client.withTimeout(new Promise((resolve, reject) => (client.greeting = {name: 'greeting', resolve, reject})), timeoutMs, 'greeting')
    } catch (error) {
      client.close()
      throw error
    }
    return client
  }

  private withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new MarionetteError(`no answer to ${what} within ${timeoutMs / 1000} s`, 'timeout', what)), timeoutMs)
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: Error) => {
          clearTimeout(timer)
          reject(error)
        },
      )
    })
  }

  private receive(chunk: Buffer): void {
    if (this.closedError) return
    this.buffer = Buffer.concat([this.buffer, chunk])
    for (;;) {
      const colon = this.buffer.indexOf(0x3a)
      if (colon < 0) {
        if (this.buffer.length > 16) this.malformed('no length prefix')
        return
      }
      const prefix = this.buffer.subarray(0, colon).toString('latin1')
      const length = /^\d{1,10}$/.test(prefix) ? Number(prefix) : Number.NaN
      if (!Number.isInteger(length) || length > MAX_MESSAGE_BYTES) return this.malformed('a bad length prefix')
      if (this.buffer.length < colon + 1 + length) return
      const body = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8')
      this.buffer = this.buffer.subarray(colon + 1 + length)
      let message: unknown
      try {
        message = JSON.parse(body)
      } catch {
        return this.malformed('a message that is not JSON')
      }
      this.dispatch(message)
    }
  }

  private malformed(what: string): void {
    this.fail(new MarionetteError(`malformed message (${what})`, 'malformed', 'connection'))
    this.socket.destroy()
  }

  private dispatch(message: unknown): void {
    if (!Array.isArray(message)) {
      this.greeting?.resolve(message)
      this.greeting = null
      return
    }
    const [type, id, error, result] = message as [unknown, unknown, {error?: string; message?: string} | null, unknown]
    if (type !== 1 || typeof id !== 'number') return this.malformed('an answer of unknown form')
    const waiter = this.pending.get(id)
    if (!waiter) return
    this.pending.delete(id)
    if (error) waiter.reject(new MarionetteError(error.message ?? String(error.error), 'error', waiter.name, error.error))
    else waiter.resolve(result)
  }

  private fail(error: MarionetteError): void {
    this.closedError ??= error
    const failed = this.closedError
    const waiters = [...this.pending.values(), ...(this.greeting ? [this.greeting] : [])]
    this.pending.clear()
    this.greeting = null
    for (const waiter of waiters) waiter.reject(new MarionetteError(failed.message, failed.failure, waiter.name))
  }

  send(name: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(new MarionetteError(this.closedError.message, this.closedError.failure, name))
    const id = this.nextId++
    const body = Buffer.from(JSON.stringify([0, id, name, params]), 'utf8')
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, {name, resolve, reject}))
    this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body]))
    return this.withTimeout(answer, timeoutMs, name).finally(() => this.pending.delete(id))
  }

  /** Start a session and switch to the chrome (privileged) context. */
  async startChromeSession(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    await this.send('WebDriver:NewSession', {capabilities: {alwaysMatch: {}}}, timeoutMs)
    await this.send('Marionette:SetContext', {value: 'chrome'}, Math.max(1000, deadline - Date.now()))
  }

  /**
   * Run a function body in the privileged sandbox with `arguments[0..]`; it may use `await`
   * (Marionette awaits the returned Promise). Values cross as JSON.
   */
  async execute<T>(body: string, args: unknown[] = [], timeoutMs = 60_000): Promise<T> {
    // An arrow function sees the outer function's `arguments`.
    const script = `return (async () => {\n${body}\n})();`
    const result = (await this.send('WebDriver:ExecuteScript', {script, args, sandbox: 'system', newSandbox: false}, timeoutMs)) as {value: T}
    return result.value
  }

  async quit(timeoutMs = 15_000): Promise<void> {
    try {
      await this.send('Marionette:Quit', {flags: ['eForceQuit']}, timeoutMs)
    } catch {
      // The connection may close before the answer arrives; the caller waits for the process.
    }
  }

  close(): void {
    this.socket.destroy()
  }
}
