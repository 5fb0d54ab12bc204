/**
 * Once per test run, in vitest's main process, before any test process starts:
 * - the folder where the Thunderbird template profiles of this run are kept
 *   (test/helpers/thunderbird-home.ts). Each template costs two real Thunderbird runs to build; kept
 *   here, it is built once for the whole run instead of once per test file, and every test process
 *   copies it. The folder is this run's alone and goes when the run ends.
 * - the Wine prefix template of this run (test/helpers/windows.ts, wine-prefix.ts), when the run has
 *   Windows test files and this is Linux: started here and made in the background (some 8-15 s, mostly
 *   waiting on wineboot) while the first files run; the Windows files wait for it. Teardown ends
 *   every wineserver of the run (the template's and any copy a file left behind) and removes it all.
 * - no NODE_EXTRA_CA_CERTS for the test processes and what they start: node reads and parses the
 *   bundle it names at every start (some 70 ms of CPU on the 2-core machine, for each of the
 *   hundreds of mailcert runs), and neither the tests nor mailcert make a TLS connection.
 */
import {existsSync, mkdtempSync, readdirSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {TestProject} from 'vitest/node'

import {killWineserver, makeTemplate, runLayout} from './helpers/wine-prefix.js'

declare module 'vitest' {
  export interface ProvidedContext {
    thunderbirdTemplates: string
    windowsRun: string
  }
}

// The Windows test files (in test/windows/ or a windows/ folder below test/): the ones that need the Wine template.
const WINDOWS_FILE = /[/\\]test[/\\](?:.+[/\\])?windows[/\\][^/\\]+\.test\.ts$/

/** The run's Wine folder and its template in the making, shared by the projects like the Thunderbird folder. */
const WINE_RUN = Symbol.for('mailcert.test.windowsRun')
type WithWineRun = typeof globalThis & {[WINE_RUN]?: {dir: string; making: Promise<void>; abort: AbortController}}

function startWineTemplate(project: TestProject): {dir: string; making: Promise<void>; abort: AbortController} {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-wine-'))
  const abort = new AbortController()
  // vitest has collected the paths of this run's files before global setup: no Windows file, no template
  // (an empty list, as some other way of running might give, builds it to be safe).
  const files: string[] = project.vitest.state.getPaths()
  const needed = process.platform !== 'win32' && (files.length === 0 || files.some((file) => WINDOWS_FILE.test(file)))
  return {dir, abort, making: needed ? makeTemplate(dir, abort.signal) : Promise.resolve()}
}

async function endWineRun(run: {dir: string; making: Promise<void>; abort: AbortController}): Promise<void> {
  run.abort.abort()
  await run.making
  const layout = runLayout(run.dir)
  const prefixes = [layout.template]
  if (existsSync(layout.users)) {
    for (const user of readdirSync(layout.users)) prefixes.push(join(layout.users, user, 'prefix'))
  }
  await Promise.all(prefixes.filter((prefix) => existsSync(prefix)).map((prefix) => killWineserver(prefix)))
  rmSync(run.dir, {recursive: true, force: true})
}

/** The run's folder, for every project of the run (vitest calls this once for each, in one process). */
const RUN_FOLDER = Symbol.for('mailcert.test.thunderbirdTemplates')
type WithRunFolder = typeof globalThis & {[RUN_FOLDER]?: string}

export default function setup(project: TestProject): () => Promise<void> {
  delete process.env.NODE_EXTRA_CA_CERTS
  const run = globalThis as WithRunFolder & WithWineRun
  const first = run[RUN_FOLDER] === undefined
  run[RUN_FOLDER] ??= mkdtempSync(join(tmpdir(), 'mailcert-tb-templates-'))
  run[WINE_RUN] ??= startWineTemplate(project)
  const dir = run[RUN_FOLDER]
  const wine = run[WINE_RUN]
  project.provide('thunderbirdTemplates', dir)
  project.provide('windowsRun', wine.dir)
  // Teardowns run once every test file of the run has finished.
  return async () => {
    if (!first) return
    rmSync(dir, {recursive: true, force: true})
    await endWineRun(wine)
  }
}
