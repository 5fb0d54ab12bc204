/**
 * The npm tarball: `npm pack` of the built tree holds what runs and nothing of the tests, and it
 * installs offline into an empty prefix and runs from there: its version, and an inspection of a
 * certificate file.
 *
 * Offline: npm ci fills npm's cache with the locked tarballs but not with the registry's package
 * documents, which npm install needs to resolve the tarball's version ranges. So the prefix gets
 * the project's production lockfile entries (package-lock.json, dev entries left out), as a
 * deployment that pins its versions has; npm then takes every dependency from its cache.
 */
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FIXTURES, manifest, REPO} from '../helpers/fixtures.js'

const run = promisify(execFile)
const FIXTURE = 'p12/mailbox-rsa.p12'

interface Lockfile {
  packages: Record<string, {dev?: boolean}>
}

/** An empty project whose lockfile pins mailcert's production dependencies as the repository's lockfile does. */
function pinnedPrefix(prefix: string): void {
  mkdirSync(prefix)
  const {dependencies} = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {dependencies: Record<string, string>}
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lockfile
  const packages: Lockfile['packages'] = {'': {name: 'offline', dependencies} as {dev?: boolean}}
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path.startsWith('node_modules/') && !entry.dev) packages[path] = entry
  }
  writeFileSync(join(prefix, 'package.json'), JSON.stringify({name: 'offline', private: true, dependencies}))
  writeFileSync(join(prefix, 'package-lock.json'), JSON.stringify({name: 'offline', lockfileVersion: 3, requires: true, packages}))
}

describe('the npm tarball', {timeout: 120_000}, () => {
  let scratch: string
  let files: string[]
  let prefix: string

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'mailcert-pack-'))
    // --ignore-scripts: prepack would rebuild dist/ under the other test files; the tests run the built tree.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {cwd: REPO})
    const [tarball] = JSON.parse(packed.stdout) as Array<{filename: string; files: Array<{path: string}>}>
    files = tarball!.files.map((file) => file.path)
    prefix = join(scratch, 'prefix')
    pinnedPrefix(prefix)
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(scratch, tarball!.filename)], {cwd: scratch, timeout: 100_000})
  }, 120_000)

  afterAll(() => {
    if (scratch) rmSync(scratch, {recursive: true, force: true})
  })

  it('holds the CLI, its commands, oclif\'s manifest and the fleet files, and no tests or fixtures', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/run.js', 'package.json', 'oclif.manifest.json', 'dist/commands/install.js', 'dist/commands/inspect.js', 'platforms/ansible/library/mailcert.py']))
    expect(files.filter((path) => !/^(?:bin|dist|platforms)\//.test(path)).sort()).toEqual(['README.md', 'oclif.manifest.json', 'package.json'])
    expect(files.filter((path) => /(?:^|\/)(?:test|fixtures|src)\//.test(path) || path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([])
  })

  it('installs offline into an empty prefix and runs from there', async () => {
    const cli = join(prefix, 'node_modules', '.bin', 'mailcert')
    const version = await run(cli, ['--version'], {cwd: scratch})
    expect(version.stdout).toBe(`mailcert/0.1.0 linux-x64 node-${process.version}\n`)
    const passwordFile = join(scratch, 'password.txt')
    writeFileSync(passwordFile, manifest[FIXTURE]!.password!, {mode: 0o600})
    const inspected = await run(cli, ['inspect', join(FIXTURES, FIXTURE), '--password-file', passwordFile, '--json'], {cwd: scratch, env: {...process.env, NO_COLOR: '1'}})
    const report = JSON.parse(inspected.stdout) as {status: number; result: {emails: string[]; hasPrivateKey: boolean}}
    expect(report).toMatchObject({status: 0, result: {emails: ['alice@example.com'], hasPrivateKey: true}})
  })
})
