/**
 * Mail servers that a mail client cannot use, on loopback (tests may talk to nothing else): one
 * drops each connection as soon as it is made, as a server that turns the client away; one accepts
 * and never says a word, as a sign-in that hangs. Thunderbird 153 started online on an account of
 * the first kind shows an alert at start-up and never lets Marionette start a session; the second
 * kind keeps its connections waiting. Both count connections, so that a test can tell whether
 * Thunderbird went online. One pair per test process, for as long as it runs.
 */
import {createServer, type Server, type Socket} from 'node:net'

export interface UnreachableServer {
  port: number
  /** Connections accepted so far. */
  connections(): number
}

export interface UnreachableServers {
  dropping: UnreachableServer
  silent: UnreachableServer
}

async function listen(onConnection: (socket: Socket) => void): Promise<UnreachableServer> {
  let count = 0
  const server: Server = createServer((socket) => {
    count++
    socket.on('error', () => {})
    onConnection(socket)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  // The test process must be able to end with Thunderbird's connections still open.
  server.unref()
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('the loopback server has no port')
  return {port: address.port, connections: () => count}
}

let servers: Promise<UnreachableServers> | null = null

export function unreachableServers(): Promise<UnreachableServers> {
  servers ??= (async () => ({
    dropping: await listen((socket) => socket.destroy()),
    silent: await listen((socket) => socket.unref()),
  }))()
  return servers
}
