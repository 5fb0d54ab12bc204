/**
 * A minimal client for Marionette, the remote protocol built into Gecko (Firefox, Thunderbird):
 * length-prefixed JSON over TCP (`<length>:<json>`), commands `[0, id, name, params]`, answers
 * `[1, id, error, result]`. Enough to run privileged JavaScript in Thunderbird's chrome context.
 * It only ever connects to loopback.
 */
import {connect, type Socket} from 'node:net'

export class MarionetteError extends Error {
  constructor(
    message: string,
    readonly errorCode?: string,
  ) {
    super(message)
    this.name = 'MarionetteError'
  }
}

interface Pending {
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

export class MarionetteClient {
  private buffer = Buffer.alloc(0)
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private greeting: ((value: unknown) => void) | null = null
  private closedError: Error | null = null

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk))
    socket.on('close', () => this.fail(new MarionetteError('Thunderbird closed the connection')))
    socket.on('error', (error) => this.fail(new MarionetteError(`connection error: ${error.message}`)))
  }

  /** Connect and read the server's greeting. Rejects if nothing answers within `timeoutMs`. */
  static async connect(port: number, timeoutMs = 10_000): Promise<MarionetteClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({host: '127.0.0.1', port})
      const timer = setTimeout(() => {
        s.destroy()
        reject(new MarionetteError(`no answer on port ${port}`))
      }, timeoutMs)
      s.once('connect', () => {
        clearTimeout(timer)
        resolve(s)
      })
      s.once('error', (error) => {
        clearTimeout(timer)
        reject(new MarionetteError(error.message))
      })
    })
    const client = new MarionetteClient(socket)
    await client.withTimeout(new Promise((resolve) => (client.greeting = resolve)), timeoutMs, 'greeting')
    return client
  }

  private withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new MarionetteError(`Thunderbird did not answer (${what}) within ${timeoutMs / 1000} s`)), timeoutMs)
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
    this.buffer = Buffer.concat([this.buffer, chunk])
    for (;;) {
      const colon = this.buffer.indexOf(0x3a)
      if (colon < 0) return
      const length = Number(this.buffer.subarray(0, colon).toString('ascii'))
      if (!Number.isInteger(length)) return this.fail(new MarionetteError('malformed message from Thunderbird'))
      if (this.buffer.length < colon + 1 + length) return
      const body = this.buffer.subarray(colon + 1, colon + 1 + length).toString('utf8')
      this.buffer = this.buffer.subarray(colon + 1 + length)
      this.dispatch(JSON.parse(body) as unknown)
    }
  }

  private dispatch(message: unknown): void {
    if (!Array.isArray(message)) {
      this.greeting?.(message)
      this.greeting = null
      return
    }
    const [, id, error, result] = message as [number, number, {error?: string; message?: string} | null, unknown]
    const waiter = this.pending.get(id)
    if (!waiter) return
    this.pending.delete(id)
    if (error) waiter.reject(new MarionetteError(error.message ?? String(error.error), error.error))
    else waiter.resolve(result)
  }

  private fail(error: Error): void {
    this.closedError ??= error
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }

  send(name: string, params: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<unknown> {
    if (this.closedError) return Promise.reject(this.closedError)
    const id = this.nextId++
    const body = Buffer.from(JSON.stringify([0, id, name, params]), 'utf8')
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, {resolve, reject}))
    this.socket.write(Buffer.concat([Buffer.from(`${body.length}:`, 'ascii'), body]))
    return this.withTimeout(answer, timeoutMs, name)
  }

  /** Start a session and switch to the chrome (privileged) context. */
  async startChromeSession(): Promise<void> {
    await this.send('WebDriver:NewSession', {capabilities: {alwaysMatch: {}}})
    await this.send('Marionette:SetContext', {value: 'chrome'})
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

  async quit(): Promise<void> {
    try {
      await this.send('Marionette:Quit', {flags: ['eForceQuit']}, 15_000)
    } catch {
      // The connection may close before the answer arrives; the caller waits for the process.
    }
  }

  close(): void {
    this.socket.destroy()
  }
}
