import {existsSync, readFileSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname} from 'node:path'
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
