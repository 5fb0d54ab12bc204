/**
 * Once per test run, in vitest's main process: the folder where the Thunderbird template profiles
 * of this run are kept (test/helpers/thunderbird-home.ts). Each template costs two real Thunderbird
 * runs to build; kept here, it is built once for the whole run instead of once per test file, and
 * every worker copies it. The folder is this run's alone and goes when the run ends.
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

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-tb-templates-'))
  project.provide('thunderbirdTemplates', dir)
  return () => rmSync(dir, {recursive: true, force: true})
}
