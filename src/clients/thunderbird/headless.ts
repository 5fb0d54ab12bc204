/**
 * Running the user's own Thunderbird headless on one profile, with Marionette on a loopback port, to
 * let Thunderbird do NSS work itself (research/prototype.md §3.4–3.5). The run is offline and no mail
 * server logs in (headless-run-prefs.ts); what it needs is set in user.js for this run only, and
 * afterwards user.js and prefs.js are put back as they were. Whatever goes wrong while it is driven
 * is Thunderbird's failure (headless-failure.ts), and it is stopped with all it started.
 *
 * The port is the one Thunderbird itself binds (marionette.port 0) and reports in the profile's
 * MarionetteActivePort: a port that mailcert picked and let go could be taken by another local
 * program in between, which would then be sent the profile's primary password.
 */
import {readFile, realpath, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, ExternalError, UserError} from '../../errors.js'
import {type BackgroundProgram, startBackgroundProgram} from '../../system/background-program.js'
import {writeFileAtomic} from '../../system/atomic-file.js'
import {readBoundedFileIfPresent} from '../../system/bounded-read.js'
import {cleanupOnInterrupt} from '../../system/interrupts.js'
import {MarionetteClient, MarionetteError} from '../../system/marionette.js'
import {removeRunMarker, settleInterruptedRun, writeRunMarker} from './headless-run-marker.js'
import {closeThunderbirdHint, thunderbirdFailure, timeoutHint} from './headless-failure.js'
import {prefsWithoutRun, runPrefs, serverKeys, userJsForRun} from './headless-run-prefs.js'
import {MAX_PREFS_BYTES, type PrefValue} from './prefs-js.js'
import type {ThunderbirdProgram} from './program.js'

export const DEFAULT_TIMEOUT_MS = 60_000

export interface HeadlessOptions {
  /** How long Thunderbird may take to get ready to be driven, and then to answer each request. */
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  /** How to do the work without Thunderbird (install NSS's tools), for the hints of a failure. */
  insteadHint?: string | null
}

export interface HeadlessThunderbird {
  /** The loopback port Thunderbird's Marionette listens on, as Thunderbird reported it. */
  port: number
  /**
   * Run a function body in Thunderbird's privileged context (see MarionetteClient.execute). `task`
   * says what it does, as a verb phrase, for the error when Thunderbird does not do it.
   */
  execute<T>(task: string, body: string, args?: unknown[]): Promise<T>
  process: BackgroundProgram
  /** Quit Thunderbird, wait until it has exited, and put the profile's prefs back. */
  stop(): Promise<void>
}

/** Where Marionette writes the port it listens on once it listens, and removes it when it stops. */
export const ACTIVE_PORT_FILE = 'MarionetteActivePort'

/**
 * The user.js that a run changes. A user.js that is a link (to a dotfiles repository, say) is
 * changed where it points, so that the atomic write does not replace the link with a file.
 */
async function userJsPathOf(profileDir: string): Promise<string> {
  const path = join(profileDir, 'user.js')
  return realpath(path).catch(() => path)
}

/** The port in MarionetteActivePort, or null while there is none (yet) or it is not all written. */
async function activePort(profileDir: string): Promise<number | null> {
  const text = await readFile(join(profileDir, ACTIVE_PORT_FILE), 'latin1').catch(() => '')
  const port = /^\s*(\d{1,5})\s*$/.exec(text) ? Number(text.trim()) : 0
  return port > 0 && port < 65_536 ? port : null
}

/** The file's bytes, or null when there is none; a file that cannot be read stops the run before anything changes. */
async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readBoundedFileIfPresent(path, MAX_PREFS_BYTES)
  } catch (error) {
    throw new UserError(`${path} cannot be read (${error instanceof Error ? error.message : String(error)}), so Thunderbird was not started on the profile.`, {
      code: 'profile-unreadable',
      exitCode: ExitCode.unreadableInput,
      hints: ['Run `mailcert check` to see what is wrong with the profile.'],
    })
  }
}

/**
 * Put user.js and prefs.js back byte for byte. Thunderbird rewrites prefs.js whenever it runs (it
 * copies user.js into it, and tidies up); a run that mailcert started must leave no trace there.
 * A profile that had no prefs.js yet keeps the one Thunderbird wrote, without the run's prefs.
 */
async function restorePrefs(profileDir: string, userJs: Buffer | null, prefs: Buffer | null, forRun: Record<string, PrefValue>): Promise<void> {
  const userJsPath = await userJsPathOf(profileDir)
  if (userJs === null) await rm(userJsPath, {force: true})
  else await writeFileAtomic(userJsPath, userJs)
  // A Thunderbird that was killed leaves its port behind, naming a port that anyone may bind next.
  await rm(join(profileDir, ACTIVE_PORT_FILE), {force: true})
  const prefsPath = join(profileDir, 'prefs.js')
  const now = await readOptional(prefsPath)
  if (now === null) return
  if (prefs !== null) {
    if (!now.equals(prefs)) await writeFileAtomic(prefsPath, prefs)
    return
  }
  const cleaned = prefsWithoutRun(now, forRun)
  if (cleaned) await writeFileAtomic(prefsPath, cleaned)
}

const PRIMARY_PASSWORD_HINT =
  'If this profile has a Primary Password, Thunderbird may ask for it while it starts, which a headless run cannot answer.'

/**
 * Wait until Thunderbird reports the port it listens on (MarionetteActivePort, which was removed
 * before it started, so any file there is this run's), then connect to that port.
 */
async function connectWhenReady(profileDir: string, program: BackgroundProgram, deadline: number, timeoutMs: number, insteadHint: string | null): Promise<{client: MarionetteClient; port: number}> {
  for (;;) {
    if (program.hasExited()) {
      throw new ExternalError('Thunderbird', 'Thunderbird exited before it could be driven.', {code: 'thunderbird-exited', output: program.output().slice(-2000), hints: insteadHint ? [insteadHint] : []})
    }
    try {
      const port = await activePort(profileDir)
      if (port !== null) return {client: await MarionetteClient.connect(port, Math.max(500, Math.min(2000, deadline - Date.now()))), port}
    } catch {
      // Written but not listening any more (it is quitting), or not answering yet: asked again below.
    }
    if (Date.now() > deadline) {
      throw new ExternalError('Thunderbird', `Thunderbird stopped answering: it did not open its remote-control port within ${timeoutMs / 1000} s.`, {
        code: 'thunderbird-not-answering',
        output: program.output().slice(-2000),
        hints: [PRIMARY_PASSWORD_HINT, closeThunderbirdHint(), ...(insteadHint ? [insteadHint] : []), timeoutHint(timeoutMs)],
      })
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

async function start(program: ThunderbirdProgram, profileDir: string, env: NodeJS.ProcessEnv, insteadHint: string | null): Promise<BackgroundProgram> {
  // `-offline` makes Gecko start with the network off, before any of Thunderbird's own code runs.
  const args = [...program.prefixArgs, '--headless', '-offline', '--marionette', '-remote-allow-system-access', '--no-remote', '--profile', profileDir]
  try {
    return await startBackgroundProgram(program.command, args, {...env, MOZ_HEADLESS: '1', MOZ_CRASHREPORTER_DISABLE: '1'})
  } catch (error) {
    throw new ExternalError('Thunderbird', `Thunderbird (${program.command}) could not be started.`, {
      code: 'thunderbird-not-started',
      output: error instanceof Error ? error.message : String(error),
      hints: insteadHint ? [insteadHint] : [],
    })
  }
}

/**
 * Put a profile back from a headless run that a killed mailcert left (its Thunderbird stopped, user.js
 * and prefs.js as they were). Called before every run, and by discovery, so that any later command settles it.
 */
export async function settleHeadlessRun(profileDir: string): Promise<boolean> {
  return settleInterruptedRun(profileDir, (files) => restorePrefs(profileDir, files.userJs, files.prefs, files.forRun))
}

export async function startHeadlessThunderbird(program: ThunderbirdProgram, profileDir: string, options: HeadlessOptions = {}): Promise<HeadlessThunderbird> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const insteadHint = options.insteadHint ?? null
  await settleHeadlessRun(profileDir)
  const userJsPath = await userJsPathOf(profileDir)
  const userJs = await readOptional(userJsPath)
  const prefs = await readOptional(join(profileDir, 'prefs.js'))
  const forRun = runPrefs(serverKeys(prefs, userJs))

  let process: BackgroundProgram | undefined
  const restore = async () => {
    await restorePrefs(profileDir, userJs, prefs, forRun)
    await removeRunMarker(profileDir)
  }
  const forget = cleanupOnInterrupt(async () => {
    await process?.stop(2000)
    await restore()
  })
  let client: MarionetteClient | undefined
  try {
    // Written down before anything changes, so that a mailcert killed from here on is settled by the next one.
    await writeRunMarker(profileDir, {userJs, prefs, forRun}, null)
    await writeFileAtomic(userJsPath, userJsForRun(userJs, forRun))
    // One that a killed Thunderbird left would send mailcert to a port that another program may have bound since.
    await rm(join(profileDir, ACTIVE_PORT_FILE), {force: true})
    process = await start(program, profileDir, options.env ?? globalThis.process.env, insteadHint)
    const running = process
    await writeRunMarker(profileDir, {userJs, prefs, forRun}, running.pid)
    const failure = (error: unknown, task: string): unknown =>
      error instanceof MarionetteError ? thunderbirdFailure(error, task, {timeoutMs, insteadHint, output: running.output().slice(-2000)}) : error

    const deadline = Date.now() + timeoutMs
    const {client: connected, port} = await connectWhenReady(profileDir, running, deadline, timeoutMs, insteadHint)
    client = connected
    try {
      await connected.startChromeSession(Math.max(1000, deadline - Date.now()))
    } catch (error) {
      throw failure(error, 'start its remote-control session')
    }

    // Once a request has gone unanswered, asking Thunderbird to quit would only wait as long again.
    let answering = true
    return {
      port,
      process: running,
      async execute<T>(task: string, body: string, args: unknown[] = []): Promise<T> {
        try {
          return await connected.execute<T>(body, args, timeoutMs)
        } catch (error) {
          if (!(error instanceof MarionetteError) || error.failure !== 'error') answering = false
          throw failure(error, task)
        }
      },
      async stop() {
        try {
          if (answering) {
            await connected.quit()
            // A timer that would keep mailcert alive after Thunderbird is gone must not hold the event loop.
            await Promise.race([running.exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())])
          }
        } finally {
          connected.close()
          await running.stop(2000)
          await restore()
          forget()
        }
      },
    }
  } catch (error) {
    client?.close()
    await process?.stop(2000)
    await restore()
    forget()
    throw error
  }
}
