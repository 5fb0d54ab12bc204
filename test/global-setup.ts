/**
 * Once per test run, in vitest's main process, before any test process starts:
 * - the folder where the Thunderbird template profiles of this run are kept
 *   (test/helpers/thunderbird-home.ts). Each template costs two real Thunderbird runs to build; kept
 *   here, it is built once for the whole run instead of once per test file, and every test process
 *   copies it. The folder is this run's alone and goes when the run ends.
 * - no NODE_EXTRA_CA_CERTS for the test processes and what they start: node reads and parses the
 *   bundle it names at every start (some 70 ms of CPU on the 2-core machine, for each of the
 *   hundreds of mailcert runs), and neither the tests nor mailcert make a TLS connection.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {TestProject} from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    thunderbirdTemplates: string
  }
}

/** The run's folder, for every project of the run (vitest calls this once for each, in one process). */
const RUN_FOLDER = Symbol.for('mailcert.test.thunderbirdTemplates')
type WithRunFolder = typeof globalThis & {[RUN_FOLDER]?: string}

export default function setup(project: TestProject): () => void {
  delete process.env.NODE_EXTRA_CA_CERTS
  const run = globalThis as WithRunFolder
  const first = run[RUN_FOLDER] === undefined
  run[RUN_FOLDER] ??= mkdtempSync(join(tmpdir(), 'mailcert-tb-templates-'))
  const dir = run[RUN_FOLDER]
  project.provide('thunderbirdTemplates', dir)
  // Teardowns run once every test file of the run has finished.
  return () => {
    if (first) rmSync(dir, {recursive: true, force: true})
  }
}
