/**
 * mailcert's single executables for Linux and Windows (scripts/package.mjs), built once per test run
 * into the run's folder (test/global-setup.ts): the first test process that asks builds them (some
 * 40-60 s on the 2-core machine, most of it postject rewriting two 70-100 MB binaries), the others
 * wait for the result. The build uses the dist/ that is there (the tests run the built CLI) and
 * never rebuilds it: a rebuild would empty dist/ under the other test files. Nor does it fetch the
 * base binaries: npm run test:setup has (a missing one fails the tests, as CI must).
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {inject} from 'vitest'

import {REPO} from './fixtures.js'

export interface Executables {
  linux: string
  win: string
}

const BUILD_TIMEOUT_MS = 300_000

function runPackageScript(out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(REPO, 'node_modules', '.bin', 'zx'), [join(REPO, 'scripts', 'package.mjs'), '--target', 'linux,win', '--out', out, '--no-build', '--no-fetch'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else reject(new Error(`npm run package failed (exit ${code}):\n${output}`))
    })
  })
}

/** The run's executables, built by whichever test process asks first. */
export async function builtExecutables(): Promise<Executables> {
  const run = inject('thunderbirdTemplates')
  const ready = join(run, 'executables')
  const failed = join(run, 'executables.failed')
  const result = {linux: join(ready, 'mailcert-linux-x64'), win: join(ready, 'mailcert-win-x64.exe')}
  let builder = false
  try {
    await mkdir(join(run, 'executables.building'))
    builder = true
  } catch {
    // Another test process builds them.
  }
  if (builder) {
    const partial = join(run, 'executables.partial')
    try {
      await runPackageScript(partial)
      await rename(partial, ready)
    } catch (error) {
      await writeFile(failed, String(error instanceof Error ? error.message : error))
      await rm(partial, {recursive: true, force: true})
      throw error
    }
    return result
  }
  const deadline = Date.now() + BUILD_TIMEOUT_MS
  for (;;) {
    if (existsSync(ready)) return result
    if (existsSync(failed)) throw new Error(await readFile(failed, 'utf8'))
    if (Date.now() > deadline) throw new Error(`The executables were not built after ${BUILD_TIMEOUT_MS / 1000} s.`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
