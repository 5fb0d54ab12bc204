import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {readAccountsOf} from '../../src/clients/thunderbird/discovery.js'
import {PrefsEdit} from '../../src/clients/thunderbird/prefs-edit.js'
import {FileRefused, formatSize, KiB, MiB, readBoundedFile, readBoundedFileIfPresent} from '../../src/system/bounded-read.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {profileFromPrefs} from '../helpers/profile-object.js'
import {runCli} from '../helpers/run-cli.js'

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

describe('the readers of prefs.js and user.js', () => {
  it('discovery takes a prefs.js or user.js that is not a regular file for an unreadable profile, and a missing one for a new profile', async () => {
    const dir = folder()
    expect(await readAccountsOf(dir)).toMatchObject({state: 'missing'})
    symlinkSync('/dev/zero', join(dir, 'prefs.js'))
    expect(await readAccountsOf(dir)).toMatchObject({accounts: null, state: 'unreadable', problem: `prefs.js in ${dir} cannot be read: it is a link to /dev/zero, which is a device, not a regular file`})

    const other = folder()
    copyFileSync(join(FIXTURES, 'thunderbird', 'prefs-with-accounts.js'), join(other, 'prefs.js'))
    execFileSync('mkfifo', [join(other, 'user.js')])
    expect(await readAccountsOf(other)).toMatchObject({accounts: null, state: 'unreadable', problem: `user.js in ${other} cannot be read: it is a named pipe, not a regular file`})
  })

  it('the settings step refuses a prefs.js that became a link to /dev/zero after discovery, without reading it', async () => {
    const dir = folder()
    const profile = profileFromPrefs(dir, 'user_pref("a", 1);\n')
    symlinkSync('/dev/zero', join(dir, 'prefs.js'))
    await expect(new PrefsEdit(profile).read()).rejects.toMatchObject({
      code: 'profile-unreadable',
      message: `${join(dir, 'prefs.js')} is a link to /dev/zero, which is a device, not a regular file, so mailcert leaves it alone: check the profile folder (Thunderbird keeps its settings there in a plain prefs.js file) and run mailcert again.`,
    })
  })
})

describe('formatSize', () => {
  it('names whole KiB and MiB, else bytes', () => {
    expect(formatSize(64 * KiB)).toBe('64 KiB')
    expect(formatSize(64 * MiB)).toBe('64 MiB')
    expect(formatSize(1500)).toBe('1500 bytes')
  })
})

describe('the CLI with a profile whose prefs.js is a link to /dev/zero (needs `npm run build`)', () => {
  /** Two profiles made of Thunderbird's own files: "broken" has prefs.js -> /dev/zero, "good" has alice@example.com. */
  function home(): string {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-home-zero-prefs-'))
    const root = join(dir, '.thunderbird')
    for (const [folder, prefs] of [['broken01.default', null], ['good0001.default', join(FIXTURES, 'thunderbird', 'prefs-with-accounts.js')]] as const) {
      mkdirSync(join(root, folder), {recursive: true})
      execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${join(root, folder)}`])
      if (prefs) copyFileSync(prefs, join(root, folder, 'prefs.js'))
      else symlinkSync('/dev/zero', join(root, folder, 'prefs.js'))
    }
    writeFileSync(
      join(root, 'profiles.ini'),
      '[Profile0]\nName=broken\nIsRelative=1\nPath=broken01.default\nDefault=1\n\n[Profile1]\nName=good\nIsRelative=1\nPath=good0001.default\n\n[General]\nStartWithLastProfile=1\nVersion=2\n',
    )
    return dir
  }
  const reason = 'cannot be read: it is a link to /dev/zero, which is a device, not a regular file'

  it('install fails that profile with the reason (it may hold a matching account), does the other, and exits 7', async () => {
    const result = await runCli(['install', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '--yes', '--trust-root'], {env: {HOME: home(), MAILCERT_PASSWORD: 'test'}, timeoutMs: 120_000})
    expect(result.code, result.stderr).toBe(7)
    expect(result.stdout).toMatch(new RegExp(`Thunderbird profile "broken": cannot be set up, prefs\\.js in .*broken01\\.default ${reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
    expect(result.stdout).toMatch(/Thunderbird profile "good" .*: done/)
  })

  it('check names the problem', async () => {
    const result = await runCli(['check'], {env: {HOME: home()}, timeoutMs: 120_000})
    expect(result.code).toBe(8)
    expect(result.stdout).toContain(reason)
  })
})
