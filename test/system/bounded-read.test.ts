import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {FileRefused, formatSize, KiB, MiB, readBoundedFile, readBoundedFileIfPresent} from '../../src/system/bounded-read.js'

const folder = (): string => mkdtempSync(join(tmpdir(), 'mailcert-bounded-'))

async function refusal(path: string, limit = 64 * KiB): Promise<FileRefused> {
  const error = await readBoundedFile(path, limit).then(
    () => null,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(FileRefused)
  return error as FileRefused
}

describe('readBoundedFile', () => {
  it('reads a regular file byte for byte, also one of exactly the limit', async () => {
    const dir = folder()
    const bytes = Buffer.from([0x00, 0xff, 0x0a, 0x80, 0x61])
    writeFileSync(join(dir, 'small'), bytes)
    expect((await readBoundedFile(join(dir, 'small'), 64 * KiB)).equals(bytes)).toBe(true)
    const exact = Buffer.alloc(200 * KiB, 0x41)
    writeFileSync(join(dir, 'exact'), exact)
    expect((await readBoundedFile(join(dir, 'exact'), 200 * KiB)).equals(exact)).toBe(true)
    writeFileSync(join(dir, 'empty'), '')
    expect((await readBoundedFile(join(dir, 'empty'), 10)).length).toBe(0)
  })

  it('follows a link to a regular file', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'real'), 'content')
    symlinkSync(join(dir, 'real'), join(dir, 'link'))
    expect((await readBoundedFile(join(dir, 'link'), 100)).toString()).toBe('content')
  })

  it('refuses /dev/zero as a device', async () => {
    const error = await refusal('/dev/zero')
    expect(error).toMatchObject({reason: 'not-regular', detail: 'a device', linkTarget: null})
    expect(error.message).toBe('/dev/zero is a device, not a regular file.')
  })

  it('refuses a link to /dev/zero, saying where it leads', async () => {
    const dir = folder()
    symlinkSync('/dev/zero', join(dir, 'prefs.js'))
    const error = await refusal(join(dir, 'prefs.js'), 64 * MiB)
    expect(error).toMatchObject({reason: 'not-regular', linkTarget: '/dev/zero'})
    expect(error.message).toBe(`${join(dir, 'prefs.js')} is a link to /dev/zero, which is a device, not a regular file.`)
  })

  it('refuses a named pipe that nobody writes to, without waiting for a writer', async () => {
    const dir = folder()
    const fifo = join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    expect(await refusal(fifo)).toMatchObject({reason: 'not-regular', detail: 'a named pipe'})
  })

  it('refuses a folder', async () => {
    const dir = folder()
    mkdirSync(join(dir, 'sub'))
    const error = await refusal(join(dir, 'sub'))
    expect(error.reason).toBe('folder')
    expect(error.message).toBe(`${join(dir, 'sub')} is a folder, not a file.`)
  })

  it('refuses a file one byte over the limit', async () => {
    const dir = folder()
    writeFileSync(join(dir, 'big'), Buffer.alloc(64 * KiB + 1))
    const error = await refusal(join(dir, 'big'))
    expect(error.reason).toBe('too-large')
    expect(error.message).toBe(`${join(dir, 'big')} is larger than 64 KiB.`)
  })

  it('counts what it reads, not the size the file claims', async () => {
    // A /proc file is a regular file of size 0 whose reading yields kilobytes.
    const error = await refusal('/proc/self/maps', 100)
    expect(error).toMatchObject({reason: 'too-large'})
    expect((await readBoundedFile('/proc/self/maps', 64 * MiB)).length).toBeGreaterThan(100)
  })

  it('says there is nothing there, also at the end of a dangling link', async () => {
    const dir = folder()
    expect(await refusal(join(dir, 'missing'))).toMatchObject({reason: 'missing'})
    expect(await refusal(join(dir, 'missing', 'below'))).toMatchObject({reason: 'missing'})
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'))
    const dangling = await refusal(join(dir, 'dangling'))
    expect(dangling).toMatchObject({reason: 'missing', linkTarget: join(dir, 'nowhere')})
    expect(dangling.message).toBe(`${join(dir, 'dangling')} is a link to ${join(dir, 'nowhere')}, which does not exist.`)
  })
})

describe('readBoundedFileIfPresent', () => {
  it('is null when nothing is there, and refuses the rest like readBoundedFile', async () => {
    const dir = folder()
    expect(await readBoundedFileIfPresent(join(dir, 'user.js'), 100)).toBeNull()
    writeFileSync(join(dir, 'user.js'), 'x')
    expect((await readBoundedFileIfPresent(join(dir, 'user.js'), 100))?.toString()).toBe('x')
    await expect(readBoundedFileIfPresent('/dev/zero', 100)).rejects.toMatchObject({reason: 'not-regular'})
    // A link that leads nowhere is something the user made, not an absent file.
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'))
    await expect(readBoundedFileIfPresent(join(dir, 'dangling'), 100)).rejects.toMatchObject({reason: 'missing'})
  })
})

describe('formatSize', () => {
  it('names whole KiB and MiB, else bytes', () => {
    expect(formatSize(64 * KiB)).toBe('64 KiB')
    expect(formatSize(64 * MiB)).toBe('64 MiB')
    expect(formatSize(1500)).toBe('1500 bytes')
  })
})
