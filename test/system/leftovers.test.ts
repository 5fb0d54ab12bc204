import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {writeFileAtomic} from '../../src/system/atomic-file.js'
import {atomicTemporaryName, markAsOurs, OWNER_MARKER, removeOrphanedSecretFolders, removeOrphanedTemporaries} from '../../src/system/leftovers.js'

const folder = (): string => mkdtempSync(join(tmpdir(), 'mailcert-leftovers-'))

/** A real node process that runs `script` (with the test's own values in argv) and prints "ready". */
async function startNode(script: string, args: string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script, ...args], {stdio: ['ignore', 'pipe', 'inherit']})
  await new Promise<void>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('ready')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`the child ended early (${code}): ${out}`)))
  })
  return child
}

/** SIGKILL: no exit handler, no `finally` runs, as after a crash or `kill -9`. */
async function kill(child: ChildProcess): Promise<void> {
  const ended = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await ended
}

const IDLE = 'console.log("ready"); setInterval(() => {}, 1000)'

/** A secret folder as a run of process `pid` leaves it: name, marker, a .p12 and a password. */
async function secretFolderOf(parent: string, pid: number, suffix = 'Ab12Cd'): Promise<string> {
  const dir = join(parent, `mailcert-${pid}-${suffix}`)
  mkdirSync(dir, {mode: 0o700})
  await markAsOurs(dir, pid)
  writeFileSync(join(dir, 'identity.p12-1'), 'p12 bytes', {mode: 0o600})
  writeFileSync(join(dir, 'db-password-2'), 'primary password\n', {mode: 0o600})
  return dir
}

describe('removeOrphanedSecretFolders', () => {
  it('removes the folder of a run that was killed, and keeps the one of a run that is alive', async () => {
    const parent = folder()
    const killed = await startNode(IDLE)
    const alive = await startNode(IDLE)
    try {
      const orphan = await secretFolderOf(parent, killed.pid!)
      const live = await secretFolderOf(parent, alive.pid!)
      // While both runs are alive, nothing is touched.
      expect(await removeOrphanedSecretFolders(parent)).toEqual([])
      await kill(killed)
      expect(await removeOrphanedSecretFolders(parent)).toEqual([orphan])
      expect(existsSync(orphan)).toBe(false)
      expect(existsSync(join(live, 'db-password-2'))).toBe(true)
    } finally {
      await kill(alive)
    }
  })

  it('takes a PID that a later process reuses for the dead owner it was', async () => {
    const parent = folder()
    const alive = await startNode(IDLE)
    try {
      const dir = await secretFolderOf(parent, alive.pid!)
      // The marker names the PID with another start time: that run ended, and this process only got its number.
      const marker = join(dir, OWNER_MARKER)
      const stamp = JSON.parse(readFileSync(marker, 'utf8')) as {started: number}
      writeFileSync(marker, JSON.stringify({...stamp, started: stamp.started - 1000}))
      expect(await removeOrphanedSecretFolders(parent)).toEqual([dir])
    } finally {
      await kill(alive)
    }
  })

  it('touches nothing it cannot prove to be an orphan of mailcert', async () => {
    const parent = folder()
    const child = await startNode(IDLE)
    const dead = child.pid!
    await kill(child)
    // No marker.
    mkdirSync(join(parent, `mailcert-${dead}-NoMark`))
    // A marker that names another PID.
    const other = join(parent, `mailcert-${dead}-Other1`)
    mkdirSync(other)
    writeFileSync(join(other, OWNER_MARKER), JSON.stringify({pid: dead + 1, started: null, pidNamespace: null}))
    // A marker that is not JSON.
    const garbled = join(parent, `mailcert-${dead}-Garbl1`)
    mkdirSync(garbled)
    writeFileSync(join(garbled, OWNER_MARKER), 'not json')
    // Another PID namespace (a container): its PIDs say nothing here.
    const container = join(parent, `mailcert-${dead}-Contnr`)
    mkdirSync(container)
    writeFileSync(join(container, OWNER_MARKER), JSON.stringify({pid: dead, started: 1, pidNamespace: 'pid:[1]'}))
    // Not our name pattern: other tools' and tests' folders.
    const foreign = join(parent, `mailcert-test-${dead}`)
    mkdirSync(foreign)
    await markAsOurs(foreign, dead)
    // A link with our name, to a folder with a good marker.
    const target = await secretFolderOf(folder(), dead, 'Target')
    symlinkSync(target, join(parent, `mailcert-${dead}-Link01`))
    // A file with our name.
    writeFileSync(join(parent, `mailcert-${dead}-File01`), 'x')

    expect(await removeOrphanedSecretFolders(parent)).toEqual([])
    expect(readdirSync(parent).sort()).toEqual(
      [`mailcert-${dead}-NoMark`, `mailcert-${dead}-Other1`, `mailcert-${dead}-Garbl1`, `mailcert-${dead}-Contnr`, `mailcert-test-${dead}`, `mailcert-${dead}-Link01`, `mailcert-${dead}-File01`].sort(),
    )
    expect(existsSync(join(target, 'db-password-2'))).toBe(true)
  })

  it('never removes the folders of this process', async () => {
    const parent = folder()
    const mine = await secretFolderOf(parent, process.pid)
    expect(await removeOrphanedSecretFolders(parent)).toEqual([])
    expect(existsSync(mine)).toBe(true)
  })

  it('finds nothing in a folder that does not exist', async () => {
    expect(await removeOrphanedSecretFolders(join(folder(), 'missing'))).toEqual([])
  })
})

describe('removeOrphanedTemporaries', () => {
  /** The child writes `.prefs.js.mailcert-<its pid>.tmp` next to prefs.js, as writeFileAtomic does before its rename. */
  const WRITE_TEMPORARY = `
    const fs = require('fs'), path = require('path')
    fs.writeFileSync(path.join(process.argv[1], '.prefs.js.mailcert-' + process.pid + '.tmp'), 'user_pref("half", 1);')
    console.log('ready')
    setInterval(() => {}, 1000)`

  it('removes the temporary file that a killed run left next to the file, and only that', async () => {
    const dir = folder()
    const prefs = join(dir, 'prefs.js')
    writeFileSync(prefs, 'user_pref("a", 1);\n')
    const killed = await startNode(WRITE_TEMPORARY, [dir])
    const alive = await startNode(WRITE_TEMPORARY, [dir])
    try {
      await kill(killed)
      // Other files' temporaries and look-alikes stay.
      writeFileSync(join(dir, `.user.js.mailcert-${killed.pid}.tmp`), 'x')
      writeFileSync(join(dir, `.prefs.js.mailcert-${killed.pid}.tmp.bak`), 'x')
      writeFileSync(join(dir, `prefs.js.mailcert-20260304T050607Z.bak`), 'backup')
      expect(await removeOrphanedTemporaries(prefs)).toEqual([atomicTemporaryName(prefs, killed.pid)])
      expect(readdirSync(dir).sort()).toEqual(
        [`.prefs.js.mailcert-${alive.pid}.tmp`, `.prefs.js.mailcert-${killed.pid}.tmp.bak`, `.user.js.mailcert-${killed.pid}.tmp`, 'prefs.js', 'prefs.js.mailcert-20260304T050607Z.bak'].sort(),
      )
    } finally {
      await kill(alive)
    }
  })

  it('runs before every atomic write: the next write of prefs.js leaves only prefs.js', async () => {
    const dir = folder()
    const prefs = join(dir, 'prefs.js')
    writeFileSync(prefs, 'user_pref("a", 1);\n')
    const killed = await startNode(WRITE_TEMPORARY, [dir])
    await kill(killed)
    expect(existsSync(atomicTemporaryName(prefs, killed.pid))).toBe(true)
    await writeFileAtomic(prefs, 'user_pref("a", 2);\n')
    expect(readdirSync(dir)).toEqual(['prefs.js'])
    expect(readFileSync(prefs, 'utf8')).toBe('user_pref("a", 2);\n')
  })
})
