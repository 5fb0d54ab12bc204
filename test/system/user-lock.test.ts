/**
 * The per-user lock, with real processes: other mailcert processes (the built lock code, run by
 * node) that hold it, die holding it, or race for it; a lock file left half-written; a lock naming
 * a process id that a newer process has taken.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir, uptime} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {afterAll, describe, expect, it} from 'vitest'

import {UserError} from '../../src/errors.js'
import {acquireUserLock, type LockHolder, lockPath} from '../../src/system/user-lock.js'
import {REPO} from '../helpers/fixtures.js'

const BUILT = join(REPO, 'dist', 'system', 'user-lock.js')

const scratch: string[] = []
const children: ChildProcess[] = []
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-lock-'))
  scratch.push(dir)
  mkdirSync(join(dir, 'mailcert'))
  return join(dir, 'mailcert')
}

/**
 * Another mailcert: takes the lock (waiting as long as it must), says "held", and with `hold` set
 * keeps it until its stdin ends; otherwise it notes its turn in `log`, waits a little and lets go.
 */
const OTHER_RUN = `
import {appendFileSync} from 'node:fs'
import {acquireUserLock} from ${JSON.stringify(pathToFileURL(BUILT).href)}
const [dir, log] = process.argv.slice(1)
const lock = await acquireUserLock(dir, {command: 'other', waitMs: 60000, pollMs: 10})
if (log) {
  appendFileSync(log, 'in ' + process.pid + '\\n')
  await new Promise((resolve) => setTimeout(resolve, 20))
  appendFileSync(log, 'out ' + process.pid + '\\n')
  await lock.release()
} else {
  process.stdout.write('held\\n')
  process.stdin.resume()
  process.stdin.on('end', async () => {
    await lock.release()
    process.exit(0)
  })
}
`

function otherRun(dir: string, log?: string): ChildProcess {
  if (!existsSync(BUILT)) throw new Error('The built lock code is missing: run `npm run build` first.')
  const child = spawn(process.execPath, ['--input-type=module', '-e', OTHER_RUN, dir, ...(log ? [log] : [])], {stdio: ['pipe', 'pipe', 'inherit']})
  children.push(child)
  return child
}

/** Another mailcert that holds the lock until told to let go. */
async function holder(dir: string): Promise<ChildProcess> {
  const child = otherRun(dir)
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve())
    child.once('exit', (code) => reject(new Error(`the holder exited (${code}) before it held the lock`)))
  })
  return child
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())))

/** A live process that is not mailcert. */
async function sleeping(): Promise<ChildProcess> {
  const sleeper = spawn('sleep', ['60'], {stdio: 'ignore'})
  children.push(sleeper)
  await new Promise((resolve) => sleeper.once('spawn', resolve))
  return sleeper
}

const lockHolder = (dir: string): LockHolder => JSON.parse(readFileSync(lockPath(dir), 'utf8')) as LockHolder

describe('acquireUserLock', () => {
  it('makes a second run wait while a live mailcert holds it, then give up with exit 6 (mailcert-running)', async () => {
    const dir = dataDir()
    const other = await holder(dir)
    const waitedFor: LockHolder[] = []
    const error = await acquireUserLock(dir, {command: 'install', waitMs: 300, pollMs: 20, onWait: (h) => waitedFor.push(h)}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error).toMatchObject({code: 'mailcert-running', exitCode: 6})
    expect((error as Error).message).toContain(`process ${other.pid}, other`)
    expect(waitedFor).toEqual([expect.objectContaining({pid: other.pid, command: 'other'})])
    // It is still the other run's lock.
    expect(lockHolder(dir).pid).toBe(other.pid)
  })

  it('gives the lock to the waiting run once the holder lets go', async () => {
    const dir = dataDir()
    const other = await holder(dir)
    let waiting: () => void = () => {}
    const started = new Promise<void>((resolve) => (waiting = resolve))
    const acquiring = acquireUserLock(dir, {command: 'install', waitMs: 60_000, pollMs: 20, onWait: () => waiting()})
    await started
    other.stdin!.end()
    const lock = await acquiring
    expect(lockHolder(dir)).toMatchObject({pid: process.pid, command: 'install'})
    await lock.release()
    expect(existsSync(lockPath(dir))).toBe(false)
  })

  it('takes over at once the lock of a holder that was killed (SIGKILL), and the file it was about to link', async () => {
    const dir = dataDir()
    const other = await holder(dir)
    other.kill('SIGKILL')
    await exited(other)
    // What a run killed between writing its lock and linking it leaves.
    const abandoned = join(dir, `.lock.mailcert-${other.pid}.tmp`)
    writeFileSync(abandoned, JSON.stringify({pid: other.pid, command: 'other', startedAt: new Date().toISOString()}))
    const waited: LockHolder[] = []
    const lock = await acquireUserLock(dir, {command: 'remove', waitMs: 0, onWait: (h) => waited.push(h)})
    expect(waited).toEqual([])
    expect(lockHolder(dir)).toMatchObject({pid: process.pid, command: 'remove'})
    expect(existsSync(abandoned)).toBe(false)
    await lock.release()
  })

  it.each([
    ['empty', ''],
    ['cut short', '{"pid": 12'],
    ['not a lock', '{"hello": "world"}'],
  ])('takes over a lock file that is %s', async (_, text) => {
    const dir = dataDir()
    await acquireUserLock(dir, {command: 'first', waitMs: 0}).then((lock) => lock.release())
    writeFileSync(lockPath(dir), text)
    const lock = await acquireUserLock(dir, {command: 'install', waitMs: 0})
    expect(lockHolder(dir).pid).toBe(process.pid)
    await lock.release()
  })

  it('takes over a lock whose process id now belongs to a process started after it (Linux), and not a live holder', async () => {
    if (process.platform !== 'linux') throw new Error('This test reads /proc: it runs on Linux.')
    const dir = dataDir()
    const sleeper = await sleeping()

    // Held by that pid since half a minute before the process started: a killed run's pid, reused.
    writeFileSync(lockPath(dir), JSON.stringify({pid: sleeper.pid, command: 'install', startedAt: new Date(Date.now() - 30_000).toISOString()}))
    const lock = await acquireUserLock(dir, {command: 'install', waitMs: 0})
    expect(lockHolder(dir).pid).toBe(process.pid)
    await lock.release()

    // Held by it since it started: a live holder, waited for.
    writeFileSync(lockPath(dir), JSON.stringify({pid: sleeper.pid, command: 'install', startedAt: new Date().toISOString()}))
    await expect(acquireUserLock(dir, {command: 'install', waitMs: 0})).rejects.toMatchObject({code: 'mailcert-running'})
  })

  it('takes over a lock taken before the machine was last started, whoever has its pid now', async () => {
    const dir = dataDir()
    const sleeper = await sleeping()
    const beforeBoot = new Date(Date.now() - uptime() * 1000 - 3_600_000).toISOString()
    writeFileSync(lockPath(dir), JSON.stringify({pid: sleeper.pid, command: 'install', startedAt: beforeBoot}))
    const lock = await acquireUserLock(dir, {command: 'install', waitMs: 0})
    expect(lockHolder(dir).pid).toBe(process.pid)
    await lock.release()
  })

  it('release removes only its own lock, not one another run took over since', async () => {
    const dir = dataDir()
    const lock = await acquireUserLock(dir, {command: 'install', waitMs: 0})
    const theirs = JSON.stringify({pid: process.pid + 1, command: 'install', startedAt: new Date().toISOString()})
    writeFileSync(lockPath(dir), theirs)
    await lock.release()
    expect(readFileSync(lockPath(dir), 'utf8')).toBe(theirs)
  })

  it('lets runs that start together in one at a time', async () => {
    const dir = dataDir()
    const log = join(dir, '..', 'turns')
    const runs = Array.from({length: 6}, () => otherRun(dir, log))
    await Promise.all(runs.map(exited))
    expect(runs.map((run) => run.exitCode)).toEqual(runs.map(() => 0))
    const turns = readFileSync(log, 'utf8').trim().split('\n')
    expect(turns).toHaveLength(12)
    // Each run's "in" is followed by its own "out" before anyone else comes in.
    for (let i = 0; i < turns.length; i += 2) expect(turns[i + 1]).toBe(turns[i].replace('in', 'out'))
    expect(new Set(turns.filter((turn) => turn.startsWith('in'))).size).toBe(6)
    expect(existsSync(lockPath(dir))).toBe(false)
  })
})
