/**
 * The Marionette client against a loopback server that speaks the protocol's bytes, well or badly:
 * every way a request can fail comes out as a MarionetteError that says which way.
 */
import {createServer, type Server, type Socket} from 'node:net'
import {afterEach, describe, expect, it} from 'vitest'

import {ExitCode, ExternalError} from '../../src/errors.js'
import {MarionetteClient, MarionetteError} from '../../src/system/marionette.js'

const GREETING = JSON.stringify({applicationType: 'gecko', marionetteProtocol: 3})
const frame = (text: string): string => `${Buffer.byteLength(text)}:${text}`

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** A server that greets (unless told not to) and hands each command to `answer`. */
async function marionetteServer(answer: (socket: Socket, command: [number, number, string, unknown]) => void, greet = true): Promise<{port: number; closed: Promise<void>}> {
  let closedResolve: () => void = () => {}
  const closed = new Promise<void>((resolve) => (closedResolve = resolve))
  const server = createServer((socket) => {
    socket.on('close', () => closedResolve())
    socket.on('error', () => {})
    if (greet) socket.write(frame(GREETING))
    let buffer = ''
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8')
      for (;;) {
        const colon = buffer.indexOf(':')
        const length = Number(buffer.slice(0, colon))
        if (colon < 0 || buffer.length < colon + 1 + length) return
        const command = JSON.parse(buffer.slice(colon + 1, colon + 1 + length)) as [number, number, string, unknown]
        buffer = buffer.slice(colon + 1 + length)
        answer(socket, command)
      }
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return {port: address.port, closed}
}

async function failureOf(promise: Promise<unknown>): Promise<MarionetteError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof MarionetteError) return error
    throw error
  }
  throw new Error('expected a MarionetteError')
}

describe('the Marionette client', () => {
  it('runs a script and returns its value', async () => {
    const {port} = await marionetteServer((socket, [, id]) => socket.write(frame(JSON.stringify([1, id, null, {value: {answer: 42}}]))))
    const client = await MarionetteClient.connect(port, 2000)
    expect(await client.execute('return 42')).toEqual({answer: 42})
    client.close()
  })

  it("passes on Thunderbird's error for a script that throws", async () => {
    const {port} = await marionetteServer((socket, [, id]) =>
      socket.write(frame(JSON.stringify([1, id, {error: 'javascript error', message: 'TypeError: certdb is undefined', stacktrace: ''}, null]))),
    )
    const client = await MarionetteClient.connect(port, 2000)
    const error = await failureOf(client.execute('return certdb.getCerts()'))
    expect(error).toMatchObject({failure: 'error', request: 'WebDriver:ExecuteScript', errorCode: 'javascript error', message: 'TypeError: certdb is undefined'})
    client.close()
  })

  it('gives up on a request that gets no answer, and says which one', async () => {
    const {port} = await marionetteServer(() => {})
    const client = await MarionetteClient.connect(port, 2000)
    const error = await failureOf(client.send('WebDriver:NewSession', {}, 200))
    expect(error).toMatchObject({failure: 'timeout', request: 'WebDriver:NewSession'})
    client.close()
  })

  it('fails every request that is waiting, and every later one, when the connection closes', async () => {
    const {port} = await marionetteServer((socket) => socket.destroy())
    const client = await MarionetteClient.connect(port, 2000)
    expect(await failureOf(client.send('WebDriver:NewSession', {}, 5000))).toMatchObject({failure: 'closed', request: 'WebDriver:NewSession'})
    expect(await failureOf(client.execute('return 1'))).toMatchObject({failure: 'closed', request: 'WebDriver:ExecuteScript'})
  })

  it.each([
    ['a length that is not a number', 'abc:[1,1,null,{}]'],
    ['a body that is not JSON', '7:{nope!}'],
    ['an answer of another form', frame(JSON.stringify([7, 'x', null, null]))],
  ])('treats %s as a broken connection, without crashing', async (_what, bytes) => {
    const {port, closed} = await marionetteServer((socket) => socket.write(bytes))
    const client = await MarionetteClient.connect(port, 2000)
    expect(await failureOf(client.send('WebDriver:NewSession', {}, 5000))).toMatchObject({failure: 'malformed'})
    await closed
    expect(await failureOf(client.send('WebDriver:NewSession', {}, 5000))).toMatchObject({failure: 'malformed'})
  })

  it('gives up on a port that accepts and never greets, and closes its connection', async () => {
    const {port, closed} = await marionetteServer(() => {}, false)
    expect(await failureOf(MarionetteClient.connect(port, 200))).toMatchObject({failure: 'timeout', request: 'greeting'})
    await closed
  })

  it('says "refused" when nothing listens', async () => {
    const {port} = await marionetteServer(() => {})
    const [server] = servers.splice(0)
    await new Promise((resolve) => server?.close(resolve))
    expect(await failureOf(MarionetteClient.connect(port, 2000))).toMatchObject({failure: 'refused'})
  })

  it("is the driven program's failure (exit 9) with a code for each way, even where no caller says more", async () => {
    const failures: MarionetteError[] = []
    const {port: silent} = await marionetteServer(() => {})
    const quiet = await MarionetteClient.connect(silent, 2000)
    failures.push(await failureOf(quiet.send('WebDriver:NewSession', {}, 200)))
    quiet.close()
    const {port: throwing} = await marionetteServer((socket, [, id]) => socket.write(frame(JSON.stringify([1, id, {error: 'javascript error', message: 'TypeError: x'}, null]))))
    const answering = await MarionetteClient.connect(throwing, 2000)
    failures.push(await failureOf(answering.execute('throw 1')))
    answering.close()
    const {port: closing} = await marionetteServer((socket) => socket.destroy())
    failures.push(await failureOf((await MarionetteClient.connect(closing, 2000)).send('WebDriver:NewSession', {}, 5000)))
    const {port: garbled} = await marionetteServer((socket) => socket.write('7:{nope!}'))
    failures.push(await failureOf((await MarionetteClient.connect(garbled, 2000)).send('WebDriver:NewSession', {}, 5000)))
    const {port: gone} = await marionetteServer(() => {})
    const [server] = servers.splice(-1)
    await new Promise((resolve) => server?.close(resolve))
    failures.push(await failureOf(MarionetteClient.connect(gone, 2000)))

    for (const failure of failures) expect(failure).toBeInstanceOf(ExternalError)
    expect(failures.map((failure) => [failure.failure, failure.code, failure.exitCode, failure.tool])).toEqual([
      ['timeout', 'marionette-timeout', ExitCode.external, 'Marionette'],
      ['error', 'marionette-error', ExitCode.external, 'Marionette'],
      ['closed', 'marionette-closed', ExitCode.external, 'Marionette'],
      ['malformed', 'marionette-malformed', ExitCode.external, 'Marionette'],
      ['refused', 'marionette-refused', ExitCode.external, 'Marionette'],
    ])
  })
})
