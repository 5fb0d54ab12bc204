/**
 * What a `mailcert install` killed with SIGKILL leaves in the temporary folder, and that the next run
 * removes it. The built CLI (needs `npm run build`), a sandbox HOME with a Thunderbird profile whose
 * real NSS database has a primary password, and a pk12util that stops (it waits to be killed) so
 * that the kill lands while the identity is being imported: the moment the most is on disk.
 */
import {execFileSync, spawn} from 'node:child_process'
import {copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {FIXTURES, REPO} from '../helpers/fixtures.js'
import {passwordFile} from '../helpers/nss.js'

const DB_PASSWORD = 'Primär-Passwort 42'
const PROFILE = 'ab12cd34.default'

/** A HOME with one Thunderbird profile: Thunderbird's own prefs.js with alice@example.com, a new NSS database with a primary password. */
function sandboxHome(root: string): {home: string; profileDir: string} {
  const home = join(root, 'home')
  const profileDir = join(home, '.thunderbird', PROFILE)
  mkdirSync(profileDir, {recursive: true})
  writeFileSync(join(home, '.thunderbird', 'profiles.ini'), `[Profile0]\nName=default\nIsRelative=1\nPath=${PROFILE}\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n`)
  copyFileSync(join(FIXTURES, 'thunderbird', 'prefs-with-accounts.js'), join(profileDir, 'prefs.js'))
  execFileSync('certutil', ['-N', '-d', `sql:${profileDir}`, '-f', passwordFile(`${DB_PASSWORD}\n`)], {stdio: 'pipe'})
  return {home, profileDir}
}

interface Run {
  pid: number
  ended: Promise<{code: number | null; signal: string | null; stderr: string}>
}

function startCli(args: string[], env: Record<string, string>): Run {
  // Its own process group, so that the kill takes the tools it started with it.
  const child = spawn(process.execPath, [join(REPO, 'bin', 'run.js'), ...args], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe'], detached: true})
  let stderr = ''
  child.stdout!.resume()
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return {pid: child.pid!, ended: new Promise((resolve) => child.on('close', (code, signal) => resolve({code, signal, stderr})))}
}

async function until(condition: () => boolean, what: string, run: Run): Promise<void> {
  let done = false
  void run.ended.then(() => (done = true))
  // Waits for an event, with a guard against a hang; no duration is asserted.
  for (let waited = 0; !condition(); waited += 50) {
    if (done) throw new Error(`mailcert ended before ${what}: ${(await run.ended).stderr}`)
    if (waited > 120_000) throw new Error(`mailcert did not reach ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('a run killed while it imports (needs `npm run build`)', () => {
  it('leaves only an encrypted .p12 and empty pipes, and the next run removes them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mailcert-killed-run-'))
    const temp = join(root, 'tmp')
    mkdirSync(temp)
    const {home, profileDir} = sandboxHome(root)
    const dbPasswordFile = passwordFile(`${DB_PASSWORD}\n`, root)
    const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
    const env = {HOME: home, TMPDIR: temp, MAILCERT_PASSWORD: 'test'}

    // A pk12util that says it started and then waits, without touching its arguments.
    const bin = join(root, 'bin')
    mkdirSync(bin)
    const started = join(root, 'pk12util-started')
    writeFileSync(join(bin, 'pk12util'), `#!/bin/sh\ntouch '${started}'\nexec sleep 600\n`, {mode: 0o755})

    const killed = startCli(['install', p12, '--yes', '--trust-root', '--db-password-file', dbPasswordFile], {...env, PATH: `${bin}${delimiter}${process.env.PATH}`})
    await until(() => existsSync(started), 'pk12util', killed)

    const [folder, ...others] = readdirSync(temp)
    expect(others).toEqual([])
    expect(folder).toMatch(new RegExp(`^mailcert-${killed.pid}-[A-Za-z0-9]{6}$`))
    const dir = join(temp, folder)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const entries = readdirSync(dir).map((name) => {
      const info = lstatSync(join(dir, name))
      return {name, type: info.isFIFO() ? 'fifo' : info.isFile() ? 'file' : 'other', mode: info.mode & 0o777}
    })
    // The identity (encrypted with a password that is only in a pipe), the two passwords as pipes, the
    // marker; and what checking the chain needs, which is public: certificates and a scratch database of
    // Mozilla's roots.
    const described = entries.map(({name, type, mode}) => `${name.replace(/-\d+$/, '')} ${type} ${mode.toString(8)}`)
    expect(described.filter((entry) => !/^(leaf|extra|ca)\.der file 600$|^builtin-roots other 700$/.test(entry)).sort()).toEqual([
      '.mailcert-owner file 600',
      'db-password fifo 600',
      'identity.p12 file 600',
      'p12-password fifo 600',
    ])
    expect(JSON.parse(readFileSync(join(dir, '.mailcert-owner'), 'utf8'))).toMatchObject({pid: killed.pid})
    for (const {name, type} of entries.filter((entry) => entry.type === 'file')) {
      const bytes = readFileSync(join(dir, name))
      expect(bytes.includes(Buffer.from(DB_PASSWORD)), name).toBe(false)
      expect(bytes.includes(Buffer.from('test')), `${name} ${type}`).toBe(false)
    }

    process.kill(-killed.pid, 'SIGKILL')
    expect(await killed.ended).toMatchObject({signal: 'SIGKILL'})
    // SIGKILL runs no clean-up: the folder is still there.
    expect(existsSync(dir)).toBe(true)

    // The next run, with the real pk12util, removes it, does the work, and leaves nothing of its own.
    const next = startCli(['install', p12, '--yes', '--trust-root', '--db-password-file', dbPasswordFile], env)
    const result = await next.ended
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(dir)).toBe(false)
    expect(readdirSync(temp)).toEqual([])
    expect(execFileSync('certutil', ['-K', '-d', `sql:${profileDir}`, '-f', passwordFile(`${DB_PASSWORD}\n`, root)], {encoding: 'utf8'})).toContain('Alice Example')
  })
})
