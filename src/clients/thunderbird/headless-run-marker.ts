/**
 * What a headless run changes in a profile, written down before it changes it: the user.js and
 * prefs.js it found, the prefs it adds for the run, and the Thunderbird it started. A mailcert that
 * is killed cannot put them back itself; the next mailcert that looks at the profile finds the
 * marker of a run whose process is gone, stops that run's Thunderbird and puts the files back.
 */
import {readFile, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {writeFileAtomic} from '../../system/atomic-file.js'
import {hostPlatform} from '../../system/platform.js'
import {isProcessAlive} from '../../system/processes.js'
import type {PrefValue} from './prefs-js.js'

export const RUN_MARKER = '.mailcert-headless-run.json'

export interface HeadlessRun {
  /** The mailcert process that started the run. */
  owner: number
  /** The Thunderbird it started (the leader of its own process group), once started. */
  thunderbird: number | null
  userJs: string | null
  prefs: string | null
  forRun: Record<string, PrefValue>
}

export interface OriginalFiles {
  userJs: Buffer | null
  prefs: Buffer | null
  forRun: Record<string, PrefValue>
}

const encode = (bytes: Buffer | null): string | null => (bytes === null ? null : bytes.toString('base64'))
const decode = (text: string | null): Buffer | null => (text === null ? null : Buffer.from(text, 'base64'))

export async function writeRunMarker(profileDir: string, files: OriginalFiles, thunderbird: number | null): Promise<void> {
  const run: HeadlessRun = {owner: process.pid, thunderbird, userJs: encode(files.userJs), prefs: encode(files.prefs), forRun: files.forRun}
  await writeFileAtomic(join(profileDir, RUN_MARKER), JSON.stringify(run))
}

export async function removeRunMarker(profileDir: string): Promise<void> {
  await rm(join(profileDir, RUN_MARKER), {force: true})
}

async function waitUntilGone(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
}

/**
 * Settle the run a killed mailcert left in this profile, if any: stop its Thunderbird (whose group
 * it leads) and hand the files it found to `restore`. A run whose owner still lives is left alone.
 * True when there was one to settle.
 */
export async function settleInterruptedRun(profileDir: string, restore: (files: OriginalFiles) => Promise<void>): Promise<boolean> {
  let run: HeadlessRun
  try {
    run = JSON.parse(await readFile(join(profileDir, RUN_MARKER), 'utf8')) as HeadlessRun
  } catch {
    return false
  }
  if (run.owner !== process.pid && isProcessAlive(run.owner)) return false
  if (run.thunderbird !== null && isProcessAlive(run.thunderbird)) {
    try {
      process.kill(hostPlatform() === 'win32' ? run.thunderbird : -run.thunderbird, 'SIGKILL')
    } catch {
      // Gone in between.
    }
    await waitUntilGone(run.thunderbird, 10_000)
  }
  await restore({userJs: decode(run.userJs), prefs: decode(run.prefs), forRun: run.forRun ?? {}})
  await removeRunMarker(profileDir)
  return true
}
