/**
 * Issue 9 §1–3: nothing mailcert does is left that `remove` cannot undo. mailcert is killed (SIGKILL,
 * as a crash would) after every single NSS tool call of a real install, and while it writes prefs.js
 * or its journal; its journal writes fail; it installs two certificates for one address; two runs go
 * at once. Each time `remove --all --delete-identity` must put the profile back as it was: prefs.js
 * byte for byte and NSS's own `certutil -L` and `certutil -K`, with nothing of mailcert's left over.
 *
 * Real NSS tools (behind wrappers that kill or pause mailcert after a given call), a profile made by
 * the real Thunderbird, the built CLI; strace kills mailcert at a given fsync or fails a rename.
 */
import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {beforeAll, describe, expect, type ExpectStatic, it} from 'vitest'

import {FIXTURES, manifest, plainHex} from '../helpers/fixtures.js'
import {nssTool} from '../helpers/nss.js'
import {nssToolWrappers, type ToolWrappers} from '../helpers/nss-tool-wrappers.js'
import {type CliOptions, type CliResult, json, runCli} from '../helpers/run-cli.js'
import {thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [
  {email: 'alice@example.com', name: 'Alice Example'},
  {email: 'bob@example.com', name: 'Bob Example'},
]
/** Two certificates for alice@example.com under one chain: A (RSA, with the chain) and B (EC). */
const A = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
const B = join(FIXTURES, 'p12', 'ec-p256.p12')
const sha = (name: string) => plainHex(manifest[name].sha256!)
const A_CERTIFICATES = [sha('p12/mailbox-rsa.p12'), sha('ca/intermediate.pem'), sha('ca/root.pem')]
const B_LEAF = sha('p12/ec-p256.p12')

/**
 * How many sandboxes are at work at once, over all the tests of this file (they run concurrently).
 * One per core of the two-core machine the tests run on: measured, three only made each run slower.
 */
const AT_ONCE = 2

interface Sandbox {
  home: ThunderbirdHome
  /** mailcert's data folder (journal and lock). */
  dataDir: string
  /** TMPDIR of every run: where its secret files go. */
  tmp: string
  env: Record<string, string | undefined>
}

async function sandbox(): Promise<Sandbox> {
  const home = await thunderbirdHome(ACCOUNTS)
  const tmp = join(home.home, 'tmp')
  mkdirSync(tmp)
  return {home, tmp, dataDir: join(home.home, '.local', 'share', 'mailcert'), env: {HOME: home.home, TMPDIR: tmp, XDG_DATA_HOME: undefined}}
}

/** What the tests compare: prefs.js as bytes (latin1 maps each byte to one character), and NSS's listings. */
interface ProfileState {
  prefs: string
  certificates: string
  keys: string
}

function stateOf(box: Sandbox): ProfileState {
  const db = `sql:${box.home.profileDir}`
  return {
    prefs: readFileSync(join(box.home.profileDir, 'prefs.js')).toString('latin1'),
    certificates: nssTool('certutil', ['-L', '-d', db]).output,
    keys: nssTool('certutil', ['-K', '-d', db]).output,
  }
}

/** Whatever mailcert left that is not a change `remove` undoes: temporary and secret files, a lock. Backups of prefs.js are meant to stay. */
function leftovers(box: Sandbox): string[] {
  const inProfile = readdirSync(box.home.profileDir).filter((name) => name.includes('mailcert') && !/^prefs\.js\.mailcert-[\dTZ-]+\.bak$/.test(name))
  const inData = existsSync(box.dataDir) ? readdirSync(box.dataDir).filter((name) => name !== 'installed.json') : []
  return [...inProfile.map((name) => `profile/${name}`), ...inData.map((name) => `data/${name}`), ...readdirSync(box.tmp).map((name) => `tmp/${name}`)]
}

interface RecordedEntry {
  sequence: number
  certificate: {sha256: string; references: Record<string, string>}
  addedCertificates: string[]
  identities: Array<{email: string}>
  inProgress?: unknown
}

function journalOf(box: Sandbox): RecordedEntry[] {
  const file = join(box.dataDir, 'installed.json')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as {entries: RecordedEntry[]}).entries : []
}

function install(box: Sandbox, file: string, env: Record<string, string | undefined> = {}, options: CliOptions = {}, extraArgs: string[] = []): Promise<CliResult> {
  return runCli(['install', file, '--trust-root', '--yes', ...extraArgs], {...options, env: {...box.env, MAILCERT_PASSWORD: 'test', ...env}, timeoutMs: 120_000})
}

function removeAll(box: Sandbox): Promise<CliResult> {
  return runCli(['remove', '--all', '--delete-identity', '--yes'], {env: box.env, timeoutMs: 120_000})
}

/** `remove` after a run that was killed before it noted anything has nothing to do, and says so (exit 2). */
function expectRemoveDone(expect: ExpectStatic, result: CliResult, box: Sandbox, context: string): void {
  if (result.code === 2) {
    expect.soft(result.stderr, context).toContain('nothing to remove')
    return
  }
  expect.soft(result.code, `${context}\n${result.stdout}\n${result.stderr}`).toBe(0)
  expect.soft(journalOf(box), context).toEqual([])
}

let free = AT_ONCE
const waiting: Array<() => void> = []

/** Runs `work` (what one sandbox goes through) once fewer than AT_ONCE others are at work, in any test. */
async function inTurn<R>(work: () => Promise<R>): Promise<R> {
  if (free > 0) free--
  else await new Promise<void>((resolve) => waiting.push(resolve))
  try {
    return await work()
  } finally {
    const next = waiting.shift()
    if (next) next()
    else free++
  }
}

const eachInTurn = <T>(items: T[], work: (item: T) => Promise<void>) => Promise.all(items.map((item) => inTurn(() => work(item))))

/** Runs mailcert under strace: `inject` acts on mailcert's own syscalls only (its children are let go at exec). */
function underStrace(inject: string, log = '/dev/null'): Pick<CliOptions, 'runUnder'> & {env: Record<string, string>} {
  return {
    runUnder: ['strace', '-f', '--detach-on=execve', '-qq', '-y', '-o', log, '-e', 'trace=fsync,rename', ...(inject ? ['-e', `inject=${inject}`] : [])],
    // One libuv worker thread does every file operation, so the n-th fsync is the same one every run.
    env: {UV_THREADPOOL_SIZE: '1'},
  }
}

let wrappers: ToolWrappers
/**
 * A complete install, the reference for the others: the NSS tool calls it makes, the files that
 * mailcert's own fsync and rename calls touched (in order), and the profile it leaves.
 */
let full: {calls: string[]; fsyncs: string[]; renames: string[]; state: ProfileState}

beforeAll(async () => {
  try {
    execFileSync('strace', ['-V'], {stdio: 'ignore'})
  } catch {
    throw new Error('strace is not installed: run `npm run test:setup` (the crash tests kill mailcert with it while it writes a file).')
  }
  const box = await sandbox()
  wrappers = nssToolWrappers(box.home.home)
  const counter = wrappers.counter(box.home.home)
  const log = join(box.home.home, 'syscalls')
  const strace = underStrace('', log)
  const result = await install(box, A, {...counter.env(), ...strace.env}, strace)
  expect(result.code, result.stderr).toBe(0)
  const lines = readFileSync(log, 'utf8').split('\n')
  full = {
    calls: counter.calls(),
    // `PID fsync(FD</path>) = 0` and `PID rename("from", "to") = 0`.
    fsyncs: lines.filter((line) => /\bfsync\(/.test(line)).map((line) => /<([^>]*)>/.exec(line)![1]),
    renames: lines.filter((line) => /\brename\(/.test(line)).map((line) => /, "([^"]*)"\)/.exec(line)![1]),
    state: stateOf(box),
  }
  expect(full.state.certificates).toMatch(/Alice Example\s+u,u,u/)
}, 120_000)

const callNumber = (pattern: RegExp) => full.calls.findIndex((call) => pattern.test(call)) + 1

/** A tool call that changes the profile's own database (not the temporary one the chain is checked in). */
const changesProfile = (call: string) => /^(pk12util -i|certutil -[ADEFMNST]) /.test(call) && /-d sql:\S*\/\.thunderbird\//.test(call)

/**
 * Where to kill a full install, by tool call number (1-based): after the first and the last call,
 * and after each call that changes the profile's database and the calls just before and after it.
 * A call that only reads, or works in a temporary folder, leaves the same profile behind as the
 * call before it; the journal notes written between calls are the fsync test's business. That is
 * 8 kills of 20 calls, each a full install and remove with NSS's tools.
 */
function killPoints(calls: string[]): number[] {
  const points = new Set([1, calls.length])
  calls.forEach((call, index) => {
    if (changesProfile(call)) for (const n of [index, index + 1, index + 2]) if (n >= 1 && n <= calls.length) points.add(n)
  })
  return [...points].sort((a, b) => a - b)
}

// The tests run concurrently and share AT_ONCE sandboxes in the order they ask: the ones made of
// a few long chains of runs come first, so that the many short cases of the kill tests fill in.
describe.concurrent('two certificates for one address', () => {
  it('A then B: remove puts prefs.js back as before A and takes both certificates out; so for A, B, A again', async ({expect}) => {
    await eachInTurn([[A, B], [A, B, A]], async (files) => {
      const context = files.map((file) => (file === A ? 'A' : 'B')).join(', ')
      const box = await sandbox()
      const before = stateOf(box)
      for (const file of files) {
        const result = await install(box, file)
        expect(result.code, `${context}\n${result.stderr}`).toBe(0)
      }
      // Each install replaced the settings of the one before, so remove has a layer per install to undo.
      const entries = journalOf(box)
      expect(entries.map((entry) => entry.certificate.sha256)).toEqual(files.map((file) => (file === A ? A_CERTIFICATES[0] : B_LEAF)))
      expect(stateOf(box).prefs).toContain(entries.at(-1)!.certificate.references['nss-dbkey'])
      expect(stateOf(box).certificates).toMatch(/Alice Example EC.*u,u,u/)
      expectRemoveDone(expect, await removeAll(box), box, context)
      expect(stateOf(box), context).toEqual(before)
      expect(leftovers(box), context).toEqual([])
    })
  }, 600_000)
})

describe.concurrent('two installs at once on one profile', () => {
  /**
   * Starts A and holds it after its import (it has the lock), starts the second run, and lets A go
   * on once the second is `ready` (waiting for the lock, or finished).
   */
  async function withAHeld(box: Sandbox, startSecond: () => {run: Promise<CliResult>; ready: Promise<unknown>}): Promise<{first: CliResult; second: CliResult}> {
    const counter = wrappers.counter(box.home.home, 'first-run')
    const first = install(box, A, counter.env({pauseAt: callNumber(/^pk12util -i /)}))
    try {
      await counter.paused()
      const {run, ready} = startSecond()
      await Promise.race([ready, run])
      counter.resume()
      return {first: await first, second: await run}
    } finally {
      counter.resume()
      await first
    }
  }

  it('the second waits for the first and both finish; each journal entry claims only its own certificates; remove restores everything', async ({expect}) => {
    await inTurn(async () => {
      const box = await sandbox()
      const before = stateOf(box)
      const {first, second} = await withAHeld(box, () => {
        let waits: () => void = () => {}
        const ready = new Promise<void>((resolve) => (waits = resolve))
        const run = install(box, B, {}, {
          onStderr: (text) => {
            if (text.includes('waiting up to')) waits()
          },
        })
        return {run, ready}
      })
      expect(first.code, first.stderr).toBe(0)
      expect(second.code, second.stderr).toBe(0)
      expect(second.stderr).toMatch(/Another mailcert \(process \d+, install\) is changing this user's certificates; waiting up to 60 s/)
      const entries = journalOf(box)
      expect(entries.map((entry) => ({certificate: entry.certificate.sha256, added: entry.addedCertificates, inProgress: entry.inProgress}))).toEqual([
        {certificate: A_CERTIFICATES[0], added: A_CERTIFICATES, inProgress: undefined},
        {certificate: B_LEAF, added: [B_LEAF], inProgress: undefined},
      ])
      expect(entries[1].sequence).toBeGreaterThan(entries[0].sequence)
      expectRemoveDone(expect, await removeAll(box), box, 'after both')
      expect(stateOf(box)).toEqual(before)
      expect(leftovers(box)).toEqual([])
    })
  }, 600_000)

  it('with --lock-wait 0 the second exits 6 (mailcert-running) at once and changes nothing; the first finishes', async ({expect}) => {
    await inTurn(async () => {
      const box = await sandbox()
      const before = stateOf(box)
      const {first, second} = await withAHeld(box, () => {
        const run = install(box, B, {}, {}, ['--lock-wait', '0', '--json'])
        return {run, ready: run}
      })
      expect(second.code).toBe(6)
      expect(json<{error: {code: string; message: string}}>(second).error).toMatchObject({code: 'mailcert-running', message: expect.stringContaining('nothing was changed')})
      expect(first.code, first.stderr).toBe(0)
      expect(stateOf(box)).toEqual(full.state)
      expect(journalOf(box).map((entry) => entry.certificate.sha256)).toEqual([A_CERTIFICATES[0]])
      expectRemoveDone(expect, await removeAll(box), box, 'after the first')
      expect(stateOf(box)).toEqual(before)
    })
  }, 600_000)
})

describe.concurrent('a journal that cannot be written', () => {
  it('a data folder blocked by a file: install says so (not "bug") and changes nothing', async ({expect}) => {
    await inTurn(async () => {
      const box = await sandbox()
      const before = stateOf(box)
      const blocker = join(box.home.home, 'not-a-folder')
      writeFileSync(blocker, '')
      const result = await install(box, A, {XDG_DATA_HOME: blocker}, {}, ['--json'])
      const error = json<{status: number; error: {code: string; kind: string; message: string}}>(result)
      expect(error.error).toMatchObject({code: 'journal-unwritable', kind: 'user'})
      expect(error.error.message).toContain(join(blocker, 'mailcert'))
      expect(result.code).toBe(error.status)
      expect(`${result.stdout}${result.stderr}`).not.toContain('bug in mailcert')
      expect(stateOf(box)).toEqual(before)
    })
  }, 600_000)

  it('a read-only data folder: install says so (not "bug") and changes nothing', async ({expect}) => {
    await inTurn(async () => {
      const box = await sandbox()
      const before = stateOf(box)
      mkdirSync(box.dataDir, {recursive: true})
      // Root writes into a read-only folder anyway: as root, the run is made without the capabilities that
      // let it (still root, so the clone it runs from is readable wherever CI put it).
      const asRoot = process.getuid?.() === 0
      chmodSync(box.dataDir, 0o555)
      const withoutOverride = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search']
      const result = await install(box, A, {}, asRoot ? {runUnder: withoutOverride} : {}, ['--json'])
      const error = json<{error: {code: string; kind: string}}>(result)
      expect(error.error, result.stderr).toMatchObject({code: 'journal-unwritable', kind: 'user'})
      expect(stateOf(box)).toEqual(before)
    })
  }, 600_000)

  it('a journal write that fails half-way (ENOSPC at each rename): the change it was to cover is undone or never made, or the record still covers it', async ({expect}) => {
    const {renames} = full
    // Every journal write of a full install, and the prefs.js one among them.
    const prefs = renames.findIndex((file) => file.endsWith('/prefs.js')) + 1
    expect(prefs).toBeGreaterThan(1)
    await eachInTurn(renames.map((_, index) => index + 1), async (n) => {
        const context = `rename ${n} (${renames[n - 1]}) failed with ENOSPC`
        const box = await sandbox()
        const before = stateOf(box)
        const strace = underStrace(`rename:error=ENOSPC:when=${n}`)
        const result = await install(box, A, strace.env, strace, ['--json'])
        const report = json<{status: number; warnings: string[]; result: {targets: Array<{status: string; code?: string; rolledBack: boolean}>}}>(result).result
        if (n < renames.length) {
          // A note that cannot be written stops the change it was to cover; what was done is undone
          // (prefs.js itself that cannot be written, too: said as such, not as a bug).
          expect.soft(report.targets[0], context).toMatchObject({status: 'failed', code: n === prefs ? 'profile-unwritable' : 'journal-unwritable'})
          expect.soft(stateOf(box), context).toEqual(before)
          expect.soft(journalOf(box), context).toEqual([])
        } else {
          // The last write only closes a record that already covers everything: done, with a warning.
          expect.soft(result.code, context).toBe(0)
          expect.soft(report.targets[0].status, context).toBe('done')
          expect.soft(JSON.stringify(json(result)), context).toContain('still covers it')
          expect.soft(stateOf(box), context).toEqual(full.state)
          expectRemoveDone(expect, await removeAll(box), box, context)
          expect.soft(stateOf(box), context).toEqual(before)
        }
        expect.soft(leftovers(box), context).toEqual([])
      },
    )
  }, 600_000)
})

describe.concurrent('a run killed at any point leaves nothing that remove cannot undo', () => {
  it('after each NSS tool call of a full install that can leave a different profile behind, remove --all --delete-identity puts the profile back byte for byte', async ({expect}) => {
    const imported = callNumber(/^pk12util -i /)
    expect(imported).toBeGreaterThan(0)
    expect(callNumber(/^certutil -M .* -t ,C,/)).toBeGreaterThan(imported)
    const numbers = killPoints(full.calls)
    expect(numbers).toEqual(expect.arrayContaining([1, imported - 1, imported, imported + 1, full.calls.length]))
    expect(numbers.length).toBeLessThan(full.calls.length)
    await eachInTurn(numbers, async (n) => {
      const context = `killed after tool call ${n} of ${full.calls.length} (${full.calls[n - 1]})`
      const box = await sandbox()
      const before = stateOf(box)
      const counter = wrappers.counter(box.home.home)
      const killed = await install(box, A, counter.env({killAt: n}))
      expect.soft(killed.signal, `${context}: it was not killed\n${killed.stdout}\n${killed.stderr}`).toBe('SIGKILL')
      // From the import on, there is something to undo: the test must not pass by never getting there.
      if (n >= imported) expect.soft(stateOf(box).certificates, context).toMatch(/Alice Example\s+u,u,u/)
      expectRemoveDone(expect, await removeAll(box), box, context)
      expect.soft(stateOf(box), context).toEqual(before)
      expect.soft(leftovers(box), context).toEqual([])
    })
  }, 600_000)

  it('while it writes prefs.js or its journal, and just after each write, remove puts the profile back', async ({expect}) => {
    // Each atomic write flushes its temporary file (the file half-way: written, not yet in place),
    // renames it, then flushes the folder (the change in place, the next one not begun). The first
    // fsync is the lock's, before anything else: what a kill there leaves is the user-lock tests' business.
    const {fsyncs} = full
    expect(fsyncs[0]).toMatch(/\/\.lock\.mailcert-\d+\.tmp$/)
    const writes = fsyncs.flatMap((file, index) => (/\/\.(prefs\.js|installed\.json)\.mailcert-\d+\.tmp$/.test(file) ? [{file, during: index + 1, after: index + 2}] : []))
    // Four notes (before the import, after it, before the trust, before prefs.js), prefs.js, and the record closed.
    expect(writes.map((write) => /prefs\.js/.test(write.file))).toEqual([false, false, false, false, true, false])
    const [beforeImport, , beforeTrust, beforePrefs, prefsJs, closing] = writes
    const points = [
      // During the first journal write (there is no journal yet), prefs.js's, and the last.
      ...[beforeImport, prefsJs, closing].map((write) => ({n: write.during, what: `while writing ${write.file}`})),
      // Just after each note the next change relies on, and after prefs.js.
      ...[beforeImport, beforeTrust, beforePrefs, prefsJs].map((write) => ({n: write.after, what: `just after writing ${write.file}`})),
    ]
    await eachInTurn(points, async ({n, what}) => {
      const context = `killed at fsync ${n} of ${fsyncs.length}, ${what}`
      const box = await sandbox()
      const before = stateOf(box)
      const strace = underStrace(`fsync:signal=SIGKILL:when=${n}`)
      const killed = await install(box, A, strace.env, strace)
      expect.soft(killed.signal, `${context}: it was not killed\n${killed.stderr}`).toBe('SIGKILL')
      expectRemoveDone(expect, await removeAll(box), box, context)
      expect.soft(stateOf(box), context).toEqual(before)
      expect.soft(leftovers(box), context).toEqual([])
    })
  }, 600_000)

  it('a re-run of install after a kill finishes the job, and remove then undoes all of it', async ({expect}) => {
    const {renames} = full
    expect(renames.at(-1)).toMatch(/installed\.json$/)
    expect(renames.at(-2)).toMatch(/prefs\.js$/)
    const cases = [
      // After the import: the run the issue saw re-run as "unchanged", the certificate never recorded.
      (box: Sandbox) => install(box, A, wrappers.counter(box.home.home).env({killAt: callNumber(/^pk12util -i /)})),
      // Between the prefs.js write and the journal write that closes the record.
      (box: Sandbox) => {
        const strace = underStrace(`rename:signal=SIGKILL:when=${renames.length}`)
        return install(box, A, strace.env, strace)
      },
    ]
    await eachInTurn(cases, async (kill) => {
      const box = await sandbox()
      const before = stateOf(box)
      const killed = await kill(box)
      const context = `killed (case ${cases.indexOf(kill) + 1}) and run again`
      expect.soft(killed.signal, context).toBe('SIGKILL')
      const again = await install(box, A)
      expect.soft(again.code, `${context}\n${again.stderr}`).toBe(0)
      expect.soft(again.stderr, context).toContain('An earlier mailcert run was interrupted')
      expect.soft(stateOf(box), context).toEqual(full.state)
      expect.soft(journalOf(box).map((entry) => entry.inProgress), context).toEqual([undefined])
      expectRemoveDone(expect, await removeAll(box), box, context)
      expect.soft(stateOf(box), context).toEqual(before)
      expect.soft(leftovers(box), context).toEqual([])
    })
  }, 600_000)

  it('a remove killed half-way (after the first certificate is out) is finished by the next remove', async ({expect}) => {
    await inTurn(async () => {
      const box = await sandbox()
      const before = stateOf(box)
      expect((await install(box, A)).code).toBe(0)
      const killed = await runCli(['remove', '--all', '--delete-identity', '--yes'], {env: {...box.env, ...wrappers.counter(box.home.home).env({killOn: 'certutil -F '})}, timeoutMs: 120_000})
      expect(killed.signal).toBe('SIGKILL')
      // prefs.js was put back, the leaf and its key are out, the issuers still in.
      expect(stateOf(box).prefs).toBe(before.prefs)
      expect(stateOf(box).certificates).toMatch(/mailcert Test Intermediate CA/)
      expectRemoveDone(expect, await removeAll(box), box, 'the second remove')
      expect(stateOf(box)).toEqual(before)
      expect(leftovers(box)).toEqual([])
    })
  }, 600_000)
})
