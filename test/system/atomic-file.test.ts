import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {backupFile, removeAbandonedTemporaries, temporaryFor, writeFileAtomic} from '../../src/system/atomic-file.js'

const folder = (): string => mkdtempSync(join(tmpdir(), 'mailcert-atomic-'))
const modeOf = (path: string): number => statSync(path).mode & 0o777

describe('backupFile', () => {
  const now = new Date('2026-03-04T05:06:07.890Z')

  it('copies the file next to it, named with the time', async () => {
    const dir = folder()
    const prefs = join(dir, 'prefs.js')
    writeFileSync(prefs, 'user_pref("a", 1);\n')
    const backup = await backupFile(prefs, now)
    expect(backup).toBe(`${prefs}.mailcert-20260304T050607Z.bak`)
    expect(readFileSync(backup, 'utf8')).toBe('user_pref("a", 1);\n')
    expect(readFileSync(prefs, 'utf8')).toBe('user_pref("a", 1);\n')
  })

  it('never overwrites an older backup made in the same second', async () => {
    const dir = folder()
    const prefs = join(dir, 'prefs.js')
    const backups: string[] = []
    for (const version of ['one', 'two', 'three']) {
      writeFileSync(prefs, version)
      backups.push(await backupFile(prefs, now))
    }
    expect(backups).toEqual([`${prefs}.mailcert-20260304T050607Z.bak`, `${prefs}.mailcert-20260304T050607Z-1.bak`, `${prefs}.mailcert-20260304T050607Z-2.bak`])
    expect(backups.map((backup) => readFileSync(backup, 'utf8'))).toEqual(['one', 'two', 'three'])
  })

  it('fails for a file that does not exist, and makes nothing', async () => {
    const dir = folder()
    await expect(backupFile(join(dir, 'prefs.js'), now)).rejects.toMatchObject({code: 'ENOENT'})
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('writeFileAtomic', () => {
  it('creates a new file readable by its owner only', async () => {
    const dir = folder()
    const file = join(dir, 'new.js')
    await writeFileAtomic(file, 'content')
    expect(readFileSync(file, 'utf8')).toBe('content')
    expect(modeOf(file)).toBe(0o600)
  })

  it('replaces the content byte for byte, including bytes that are not UTF-8', async () => {
    const dir = folder()
    const file = join(dir, 'prefs.js')
    writeFileSync(file, 'old content that is longer than the new one')
    const bytes = Buffer.from([0x75, 0x73, 0x65, 0x72, 0x80, 0xff, 0x0a])
    await writeFileAtomic(file, bytes)
    expect(readFileSync(file).equals(bytes)).toBe(true)
  })

  it('replaces the file as a whole: a reader of the old file still sees the old content', async () => {
    const dir = folder()
    const file = join(dir, 'prefs.js')
    writeFileSync(file, 'old')
    const reader = openSync(file, 'r')
    const inodeBefore = statSync(file).ino
    await writeFileAtomic(file, 'new')
    const seen = Buffer.alloc(3)
    readSync(reader, seen, 0, 3, 0)
    closeSync(reader)
    expect(seen.toString()).toBe('old')
    expect(statSync(file).ino).not.toBe(inodeBefore)
    expect(readFileSync(file, 'utf8')).toBe('new')
  })

  it('keeps the permissions of the file it replaces', async () => {
    const dir = folder()
    const file = join(dir, 'prefs.js')
    writeFileSync(file, 'old')
    chmodSync(file, 0o640)
    await writeFileAtomic(file, 'new')
    expect(modeOf(file)).toBe(0o640)
  })

  it('keeps group write permission too, whatever the umask', async () => {
    // A group-writable file (shared profile) must stay so; the umask applies to new files, not to this one.
    const previousUmask = process.umask(0o022)
    try {
      const dir = folder()
      const file = join(dir, 'prefs.js')
      writeFileSync(file, 'old')
      chmodSync(file, 0o664)
      await writeFileAtomic(file, 'new')
      expect(modeOf(file)).toBe(0o664)
    } finally {
      process.umask(previousUmask)
    }
  })

  it('leaves no temporary file behind', async () => {
    const dir = folder()
    const file = join(dir, 'prefs.js')
    writeFileSync(file, 'old')
    await writeFileAtomic(file, 'new')
    await writeFileAtomic(join(dir, 'other.js'), 'x')
    expect(readdirSync(dir).sort()).toEqual(['other.js', 'prefs.js'])
  })

  it('fails without leaving a temporary file when the rename cannot happen', async () => {
    const dir = folder()
    const target = join(dir, 'prefs.js')
    // A folder in the file's place: the temporary file is written, the rename over a folder fails.
    mkdirSync(target)
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow()
    expect(readdirSync(dir)).toEqual(['prefs.js'])
    expect(statSync(target).isDirectory()).toBe(true)
  })

  it('fails for a folder that does not exist', async () => {
    const dir = folder()
    await expect(writeFileAtomic(join(dir, 'missing', 'prefs.js'), 'x')).rejects.toMatchObject({code: 'ENOENT'})
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('removeAbandonedTemporaries', () => {
  it('removes the temporary files of processes that are gone, and only theirs', async () => {
    const dir = folder()
    const file = join(dir, 'prefs.js')
    writeFileSync(file, 'user_pref("a", 1);\n')
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'}).stdout)
    const sleeper = spawn('sleep', ['30'], {stdio: 'ignore'})
    await new Promise((resolve) => sleeper.once('spawn', resolve))
    try {
      const names = [`.prefs.js.mailcert-${gone}.tmp`, `.prefs.js.mailcert-${sleeper.pid}.tmp`, `.prefs.js.mailcert-${process.pid}.tmp`, `.other.js.mailcert-${gone}.tmp`, `.prefs.js.mailcert-x.tmp`]
      for (const name of names) writeFileSync(join(dir, name), 'half')
      await removeAbandonedTemporaries(file)
      expect(readdirSync(dir).sort()).toEqual(['prefs.js', ...names.slice(1)].sort())
      expect(readFileSync(file, 'utf8')).toBe('user_pref("a", 1);\n')
      expect(temporaryFor(file)).toBe(join(dir, `.prefs.js.mailcert-${process.pid}.tmp`))
    } finally {
      sleeper.kill('SIGKILL')
    }
  })

  it('does nothing for a folder that does not exist', async () => {
    await expect(removeAbandonedTemporaries(join(folder(), 'missing', 'prefs.js'))).resolves.toBeUndefined()
  })
})
