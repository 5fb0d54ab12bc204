import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ExternalError, UserError} from '../../../src/errors.js'
import {createNssDatabase} from '../../../src/stores/nss/create-database.js'

const sandbox = (): string => mkdtempSync(join(tmpdir(), 'mailcert-create-db-'))

describe('createNssDatabase', () => {
  it('makes the folder and its missing parents 0700, and an SQL database in it that needs no password', async () => {
    const home = sandbox()
    const dir = join(home, '.pki', 'nssdb')
    expect(await createNssDatabase(dir)).toEqual({dir, created: true})
    expect(statSync(join(home, '.pki')).mode & 0o777).toBe(0o700)
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(readdirSync(dir).sort()).toEqual(['cert9.db', 'key4.db', 'pkcs11.txt'])
    // With no password, certutil reaches the (empty) key list without asking for one.
    const keys = spawnSync('certutil', ['-K', '-d', `sql:${dir}`], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
    expect(`${keys.stdout}${keys.stderr}`).toContain('no keys found')
  })

  it('leaves a database that is there alone, and a folder that exists keeps its mode', async () => {
    const dir = join(sandbox(), 'nssdb')
    mkdirSync(dir, {mode: 0o750})
    writeFileSync(join(dir, 'pw'), 'secret\n')
    execFileSync('certutil', ['-N', '-f', join(dir, 'pw'), '-d', `sql:${dir}`])
    const before = statSync(join(dir, 'cert9.db')).mtimeMs
    expect(await createNssDatabase(dir)).toEqual({dir, created: false})
    expect(statSync(join(dir, 'cert9.db')).mtimeMs).toBe(before)

    const other = join(sandbox(), 'existing')
    mkdirSync(other, {mode: 0o750})
    expect((await createNssDatabase(other)).created).toBe(true)
    expect(statSync(other).mode & 0o777).toBe(0o750)
  })

  it('refuses a folder with only an old-format database', async () => {
    const dir = join(sandbox(), 'old')
    mkdirSync(dir)
    writeFileSync(join(dir, 'cert8.db'), '')
    const error = await createNssDatabase(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UserError)
    expect((error as UserError).code).toBe('nss-legacy-database')
    expect(readdirSync(dir)).toEqual(['cert8.db'])
  })

  it('says what certutil said when it fails', async () => {
    const dir = join(sandbox(), 'nssdb')
    // A folder where the key database should be: certutil cannot open it (root ignores modes, this not).
    mkdirSync(join(dir, 'key4.db'), {recursive: true})
    const error = (await createNssDatabase(dir).catch((e: unknown) => e)) as ExternalError
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.tool).toBe('certutil')
    expect(error.message).toBe(`Creating the NSS database in ${dir} failed: certutil: function failed: SEC_ERROR_BAD_DATABASE: security library: bad database.`)
  })
})
