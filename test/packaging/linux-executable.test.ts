/**
 * The Linux single executable (scripts/package.mjs) on a machine without Node: an environment with
 * HOME and a PATH of NSS's tools alone. It prints its version, inspects a certificate, and installs
 * an identity into a real Thunderbird profile through NSS's tools, read back with certutil. Its first
 * start unpacks the app into the per-user cache, private to the user; later starts use it as it is.
 */
import {spawn} from 'node:child_process'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {builtExecutables} from '../helpers/executables.js'
import {FIXTURES, manifest} from '../helpers/fixtures.js'
import {thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const FIXTURE = 'p12/mailbox-rsa.p12'
const ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** A PATH with NSS's tools and nothing else: no node, no Thunderbird. */
function nssToolsOnly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-nss-only-'))
  for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) {
    const real = (process.env.PATH ?? '').split(delimiter).map((folder) => join(folder, tool)).find((path) => {
      try {
        return statSync(path).isFile()
      } catch {
        return false
      }
    })
    if (!real) throw new Error(`${tool} is not installed: run \`npm run test:setup\`.`)
    symlinkSync(real, join(dir, tool))
  }
  return dir
}

function runExecutable(program: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

describe('the Linux single executable', {timeout: 180_000}, () => {
  let exe: string
  let tools: string
  let home: ThunderbirdHome
  let passwordFile: string
  let env: Record<string, string>

  beforeAll(async () => {
    ;[{linux: exe}, home] = await Promise.all([builtExecutables(), thunderbirdHome(ACCOUNTS)])
    tools = nssToolsOnly()
    passwordFile = join(home.home, 'password.txt')
    writeFileSync(passwordFile, manifest[FIXTURE]!.password!, {mode: 0o600})
    env = {HOME: home.home, PATH: tools, NO_COLOR: '1'}
  }, 360_000)

  afterAll(() => {
    if (tools) rmSync(tools, {recursive: true, force: true})
  })

  it('prints its version without Node on PATH, and unpacks its app into the user\'s private cache', async () => {
    const run = await runExecutable(exe, ['--version'], env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe(`mailcert/0.1.0 linux-x64 node-v${process.versions.node}\n`)
    const cache = join(home.home, '.cache', 'mailcert')
    expect(statSync(cache).mode & 0o777).toBe(0o700)
    const [app, ...others] = readdirSync(cache)
    expect(others).toEqual([])
    expect(app).toMatch(/^app-0\.1\.0-[0-9a-f]{16}$/)
    expect(statSync(join(cache, app!)).mode & 0o777).toBe(0o700)
    expect(readFileSync(join(cache, app!, '.mailcert-archive'), 'utf8')).toMatch(new RegExp(`^${app!.slice(-16)}[0-9a-f]{48}$`))
  })

  it('inspects a certificate file', async () => {
    const run = await runExecutable(exe, ['inspect', join(FIXTURES, FIXTURE), '--password-file', passwordFile, '--json'], env)
    expect(run.code, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {status: number; result: {emails: string[]; hasPrivateKey: boolean}}
    expect(report.result).toMatchObject({emails: ['alice@example.com'], hasPrivateKey: true})
  })

  it('refuses to run code from a cache that others can write to', async () => {
    const cache = join(home.home, '.cache', 'mailcert')
    execFileSync('chmod', ['0777', cache])
    try {
      const run = await runExecutable(exe, ['--version'], env)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain('only you can write to')
      expect(run.stdout).toBe('')
    } finally {
      execFileSync('chmod', ['0700', cache])
    }
  })

  it('installs the identity into a real Thunderbird profile with NSS\'s tools', async () => {
    const run = await runExecutable(exe, ['install', join(FIXTURES, FIXTURE), '--password-file', passwordFile, '--yes', '--trust-root', '--json'], env)
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {result: {storeAccess: Record<string, string>; targets: Array<{status: string; accounts: string[]}>}}
    expect(report.result.storeAccess.thunderbird).toBe('tools')
    expect(report.result.targets).toMatchObject([{status: 'done', accounts: ['alice@example.com']}])
    const listing = execFileSync('certutil', ['-L', '-d', `sql:${home.profileDir}`], {encoding: 'utf8'})
    expect(listing).toMatch(/Alice Example\s+u,u,u/)
    expect(readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')).toContain(`mail.identity.${home.identityKeys['alice@example.com']}.signing_cert_dbkey`)
  })
})
