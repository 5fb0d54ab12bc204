/**
 * Running the user's own Thunderbird headless on one profile, with Marionette on a free loopback
 * port, to let Thunderbird do NSS work itself (research/prototype.md §3.4–3.5). The port is set in
 * user.js for this run only; afterwards user.js and prefs.js are put back as they were.
 */
import {readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {ExternalError} from '../../errors.js'
import {type BackgroundProgram, startBackgroundProgram} from '../../system/background-program.js'
import {writeFileAtomic} from '../../system/atomic-file.js'
import {cleanupOnInterrupt} from '../../system/interrupts.js'
import {MarionetteClient} from '../../system/marionette.js'
import {editPrefs, formatUserPref, getUserPref, parsePrefs} from './prefs-js.js'
import type {ThunderbirdProgram} from './program.js'

const PORT_PREF = 'marionette.port'

export interface HeadlessOptions {
  /** How long Thunderbird may take to open its Marionette port. */
  startTimeoutMs?: number
  env?: NodeJS.ProcessEnv
}

export interface HeadlessThunderbird {
  client: MarionetteClient
  process: BackgroundProgram
  /** Quit Thunderbird, wait until it has exited, and put the profile's prefs back. */
  stop(): Promise<void>
}

export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path)
  } catch {
    return null
  }
}

/**
 * Put user.js and prefs.js back byte for byte. Thunderbird rewrites prefs.js whenever it runs (it
 * copies user.js into it, and tidies up); a run that mailcert started must leave no trace there.
 * A profile that had no prefs.js yet keeps the one Thunderbird wrote, without the Marionette port.
 */
async function restorePrefs(profileDir: string, userJs: Buffer | null, prefs: Buffer | null): Promise<void> {
  const userJsPath = join(profileDir, 'user.js')
  if (userJs === null) await rm(userJsPath, {force: true})
  else await writeFile(userJsPath, userJs)
  const prefsPath = join(profileDir, 'prefs.js')
  const now = await readOptional(prefsPath)
  if (now === null) return
  if (prefs !== null) {
    if (!now.equals(prefs)) await writeFileAtomic(prefsPath, prefs)
    return
  }
  const written = parsePrefs(now)
  if (getUserPref(written, PORT_PREF) !== undefined) await writeFileAtomic(prefsPath, editPrefs(written, {[PORT_PREF]: null}))
}

async function connectWhenReady(port: number, program: BackgroundProgram, deadline: number): Promise<MarionetteClient> {
  for (;;) {
    if (program.hasExited()) throw new ExternalError('Thunderbird', 'Thunderbird exited before it could be driven.', {output: program.output().slice(-2000)})
    try {
      return await MarionetteClient.connect(port, 2000)
    } catch {
      if (Date.now() > deadline) {
        throw new ExternalError('Thunderbird', 'Thunderbird did not open its remote-control port in time.', {
          code: 'thunderbird-timeout',
          output: program.output().slice(-2000),
          hints: [
            'If this profile has a Primary Password, Thunderbird asks for it while it starts, which a headless run cannot answer: install NSS\'s tools (on Debian and Ubuntu: sudo apt-get install libnss3-tools) and run mailcert again.',
            'Otherwise check that this Thunderbird starts normally; on a slow machine set MAILCERT_THUNDERBIRD_TIMEOUT to more seconds.',
          ],
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
  }
}

export async function startHeadlessThunderbird(program: ThunderbirdProgram, profileDir: string, options: HeadlessOptions = {}): Promise<HeadlessThunderbird> {
  const userJsPath = join(profileDir, 'user.js')
  const userJs = await readOptional(userJsPath)
  const prefs = await readOptional(join(profileDir, 'prefs.js'))
  const port = await freeLoopbackPort()

  const separator = userJs === null || userJs.length === 0 || userJs.at(-1) === 0x0a ? '' : '\n'
  await writeFile(userJsPath, Buffer.concat([userJs ?? Buffer.alloc(0), Buffer.from(`${separator}${formatUserPref(PORT_PREF, port)}\n`)]))

  let process: BackgroundProgram | undefined
  const forget = cleanupOnInterrupt(async () => {
    await process?.stop(2000)
    await restorePrefs(profileDir, userJs, prefs)
  })
  try {
    process = await startBackgroundProgram(
      program.command,
      [...program.prefixArgs, '--headless', '--marionette', '-remote-allow-system-access', '--no-remote', '--profile', profileDir],
      {...(options.env ?? globalThis.process.env), MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1'},
    )
    const client = await connectWhenReady(port, process, Date.now() + (options.startTimeoutMs ?? 60_000))
    await client.startChromeSession()
    const running = process
    return {
      client,
      process: running,
      async stop() {
        try {
          await client.quit()
          // A timer that would keep mailcert alive after Thunderbird is gone must not hold the event loop.
          const exited = await Promise.race([running.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 15_000).unref())])
          if (!exited) await running.stop(2000)
        } finally {
          client.close()
          await running.stop(2000)
          await restorePrefs(profileDir, userJs, prefs)
          forget()
        }
      },
    }
  } catch (error) {
    await process?.stop(2000)
    await restorePrefs(profileDir, userJs, prefs)
    forget()
    throw error
  }
}
