/**
 * The headless run with the real Thunderbird: Marionette on the port Thunderbird binds itself and
 * reports (never one that mailcert picked and let go, which another program could bind first and be
 * sent the primary password), and user.js replaced atomically for the run and put back byte for byte.
 */
import {linkSync, lstatSync, mkdirSync, readFileSync, readlinkSync, existsSync, symlinkSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {ACTIVE_PORT_FILE, startHeadlessThunderbird} from '../../../src/clients/thunderbird/headless.js'
import {getUserPref, parsePrefs} from '../../../src/clients/thunderbird/prefs-js.js'
import {thunderbirdHome, thunderbirdProgram} from '../../helpers/thunderbird-home.js'

const ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]
/** The user's own user.js: a comment, CRLF, a byte that is not UTF-8, no line break at the end. */
const OWN_USER_JS = Buffer.concat([Buffer.from('// mine\r\nuser_pref("mail.server.server1.login_at_startup", true); // caf'), Buffer.from([0xe9]), Buffer.from(' ')])

const servers: Server[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

/** A loopback server that greets as Marionette does and counts who connects: a stale port's new owner. */
async function impostor(): Promise<{port: number; connections: () => number}> {
  let connections = 0
  const greeting = JSON.stringify({applicationType: 'gecko', marionetteProtocol: 3})
  const server = createServer((socket) => {
    connections++
    socket.write(`${greeting.length}:${greeting}`)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (typeof address !== 'object' || !address) throw new Error('no port')
  return {port: address.port, connections: () => connections}
}

describe('a headless Thunderbird run', () => {
  it('asks for port 0, connects to the port Thunderbird reports in MarionetteActivePort, and is not misled by a stale one', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const activePortFile = join(home.profileDir, ACTIVE_PORT_FILE)
    // A killed Thunderbird's file, naming a port that another program has bound since.
    const stale = await impostor()
    writeFileSync(activePortFile, String(stale.port))
    writeFileSync(join(home.profileDir, 'user.js'), OWN_USER_JS)
    // A second name for the user's user.js: the file the run writes must be a new one, not this one changed in place.
    linkSync(join(home.profileDir, 'user.js'), join(home.home, 'user.js.kept'))

    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      const duringRun = readFileSync(join(home.profileDir, 'user.js'))
      expect(getUserPref(parsePrefs(duringRun), 'marionette.port')).toBe(0)
      expect(duringRun.subarray(0, OWN_USER_JS.length).equals(OWN_USER_JS)).toBe(true)
      expect(readFileSync(join(home.home, 'user.js.kept')).equals(OWN_USER_JS)).toBe(true)

      const reported = Number(readFileSync(activePortFile, 'latin1'))
      expect(reported).not.toBe(stale.port)
      expect(thunderbird.port).toBe(reported)
      // Marionette sets the pref to the port it bound: the one mailcert is talking to.
      expect(await thunderbird.execute<number>('say its Marionette port', 'return Services.prefs.getIntPref("marionette.port");')).toBe(reported)
      expect(stale.connections()).toBe(0)
    } finally {
      await thunderbird.stop()
    }
    expect(readFileSync(join(home.profileDir, 'user.js')).equals(OWN_USER_JS)).toBe(true)
    expect(existsSync(activePortFile)).toBe(false)
  }, 120_000)

  it('changes a user.js that is a link where it points, and leaves the link as it was', async () => {
    const home = await thunderbirdHome(ACCOUNTS)
    const dotfiles = join(home.home, 'dotfiles')
    mkdirSync(dotfiles)
    writeFileSync(join(dotfiles, 'user.js'), OWN_USER_JS)
    symlinkSync(join(dotfiles, 'user.js'), join(home.profileDir, 'user.js'))

    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    try {
      expect(lstatSync(join(home.profileDir, 'user.js')).isSymbolicLink()).toBe(true)
      expect(getUserPref(parsePrefs(readFileSync(join(dotfiles, 'user.js'))), 'marionette.port')).toBe(0)
    } finally {
      await thunderbird.stop()
    }
    expect(readlinkSync(join(home.profileDir, 'user.js'))).toBe(join(dotfiles, 'user.js'))
    expect(readFileSync(join(dotfiles, 'user.js')).equals(OWN_USER_JS)).toBe(true)
  }, 120_000)
})
