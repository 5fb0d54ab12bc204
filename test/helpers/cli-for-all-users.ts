/**
 * The built CLI where every user can run it: the tests in which mailcert runs as another user
 * (--user, Ansible's hosts) cannot use the checkout itself, which may sit in a folder only its owner
 * can enter (a clone in `mktemp -d`, as CI may make it). A hard-linked copy (under a second) of what
 * bin/run.js needs, in a folder of the shared temporary directory; a plain copy where links fail.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, cpSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {REPO} from './fixtures.js'

const APP = ['bin', 'dist', 'package.json', 'oclif.manifest.json', 'node_modules']

export interface CliForAllUsers {
  /** Its bin/run.js. */
  entry: string
  remove(): void
}

export function cliForAllUsers(): CliForAllUsers {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-cli-'))
  chmodSync(dir, 0o755)
  try {
    execFileSync('cp', ['-al', ...APP.map((name) => join(REPO, name)), dir], {stdio: 'ignore'})
  } catch {
    for (const name of APP) cpSync(join(REPO, name), join(dir, name), {recursive: true, verbatimSymlinks: true})
  }
  return {entry: join(dir, 'bin', 'run.js'), remove: () => rmSync(dir, {recursive: true, force: true})}
}
