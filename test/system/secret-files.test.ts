import {spawn, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {SecretFiles, withSecretFiles} from '../../src/system/secret-files.js'

const modeOf = (path: string): number => statSync(path).mode & 0o777

describe('SecretFiles', () => {
  it('makes a private folder in the temporary folder', async () => {
    const files = await SecretFiles.create()
    try {
      expect(dirname(files.dir)).toBe(tmpdir())
      expect(basename(files.dir)).toMatch(/^mailcert-/)
      expect(modeOf(files.dir)).toBe(0o700)
    } finally {
      await files.dispose()
    }
  })

  it('writes each secret to a new 0600 file with the exact bytes', async () => {
    const files = await SecretFiles.create()
    try {
      const password = await files.write('pässwörd\n', 'db-password')
      const p12 = await files.write(Buffer.from([0x30, 0x82, 0x00, 0xff]), 'identity.p12')
      expect(dirname(password)).toBe(files.dir)
      expect(readFileSync(password, 'utf8')).toBe('pässwörd\n')
      expect(readFileSync(p12).equals(Buffer.from([0x30, 0x82, 0x00, 0xff]))).toBe(true)
      expect(modeOf(password)).toBe(0o600)
      expect(modeOf(p12)).toBe(0o600)
    } finally {
      await files.dispose()
    }
  })

  it('gives every file its own name, even with the same label', async () => {
    const files = await SecretFiles.create()
    try {
      const first = await files.write('a', 'ca.der')
      const second = await files.write('b', 'ca.der')
      const unnamed = await files.write('c')
      expect(new Set([first, second, unnamed]).size).toBe(3)
      expect(readFileSync(first, 'utf8')).toBe('a')
      expect(readFileSync(second, 'utf8')).toBe('b')
      expect(basename(first)).toMatch(/^ca\.der-/)
      expect(basename(unnamed)).toMatch(/^secret-/)
    } finally {
      await files.dispose()
    }
  })

  it('keeps two sets apart', async () => {
    const [one, two] = await Promise.all([SecretFiles.create(), SecretFiles.create()])
    expect(one.dir).not.toBe(two.dir)
    await one.dispose()
    expect(existsSync(two.dir)).toBe(true)
    await two.dispose()
  })

  it('removes the folder and everything in it on dispose, and a second dispose does no harm', async () => {
    const files = await SecretFiles.create()
    const file = await files.write('secret')
    await files.dispose()
    expect(existsSync(file)).toBe(false)
    expect(existsSync(files.dir)).toBe(false)
    await expect(files.dispose()).resolves.toBeUndefined()
  })
})

describe('withSecretFiles', () => {
  it('returns what the work returns and removes the files', async () => {
    let dir = ''
    const result = await withSecretFiles(async (files) => {
      dir = files.dir
      await files.write('secret')
      return 42
    })
    expect(result).toBe(42)
    expect(existsSync(dir)).toBe(false)
  })

  it('removes the files when the work fails, and passes the error on', async () => {
    let dir = ''
    const failure = new Error('pk12util failed')
    await expect(
      withSecretFiles(async (files) => {
        dir = files.dir
        await files.write('secret')
        throw failure
      }),
    ).rejects.toBe(failure)
    expect(dir).not.toBe('')
    expect(existsSync(dir)).toBe(false)
  })
})

/** The pid of a process that has come and gone. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {encoding: 'utf8'})
  return Number(child.stdout)
}

describe('what a killed run left', () => {
  it('names its folder for the process, and the next set removes the folders of processes that are gone', async () => {
    const files = await SecretFiles.create()
    expect(basename(files.dir)).toMatch(new RegExp(`^mailcert-${process.pid}-[A-Za-z0-9]{6}$`))
    await files.dispose()

    const abandoned = join(tmpdir(), `mailcert-${deadPid()}-AbC123`)
    mkdirSync(abandoned, {mode: 0o700})
    writeFileSync(join(abandoned, 'p12-password-5'), 'temporary password')
    const sleeper = spawn('sleep', ['30'], {stdio: 'ignore'})
    await new Promise((resolve) => sleeper.once('spawn', resolve))
    const running = join(tmpdir(), `mailcert-${sleeper.pid}-XyZ789`)
    mkdirSync(running, {mode: 0o700})
    const unrelated = mkdtempSync(join(tmpdir(), 'mailcert-test-'))
    try {
      const next = await SecretFiles.create()
      await next.dispose()
      expect(existsSync(abandoned)).toBe(false)
      expect(existsSync(running)).toBe(true)
      expect(existsSync(unrelated)).toBe(true)
    } finally {
      sleeper.kill('SIGKILL')
      for (const dir of [abandoned, running, unrelated]) rmSync(dir, {recursive: true, force: true})
    }
  })

  it('remove() takes one file out at once', async () => {
    const files = await SecretFiles.create()
    try {
      const file = await files.write('secret')
      await files.remove(file)
      expect(existsSync(file)).toBe(false)
      await expect(files.remove(file)).resolves.toBeUndefined()
    } finally {
      await files.dispose()
    }
  })
})
