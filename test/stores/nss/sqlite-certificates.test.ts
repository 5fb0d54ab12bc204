/**
 * Reading every certificate and key ID of a real NSS database (made by certutil and pk12util) in one
 * sqlite3 call, checked against what certutil prints for each nickname and what certutil -K lists;
 * and the session's listing, which must be the same with sqlite3 and without it.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {pemBlocks} from '../../../src/stores/nss/certutil-output.js'
import {parseRows, readSqliteDatabase, sqliteDatabaseFile} from '../../../src/stores/nss/sqlite-certificates.js'
import {ToolsDriver} from '../../../src/stores/nss/tools-driver.js'
import {FIXTURES} from '../../helpers/fixtures.js'
import {addCertificate, importP12, INTERMEDIATE_NICKNAME, makeNssDb, ROOT_NICKNAME} from '../../helpers/nss-db.js'

function certutilNamed(dir: string, nickname: string): Buffer[] {
  return pemBlocks(execFileSync('certutil', ['-L', '-d', `sql:${dir}`, '-n', nickname, '-a'], {encoding: 'utf8'}))
}

function certutilKeyIds(dir: string, extra: string[] = []): Set<string> {
  return new Set(execFileSync('certutil', ['-K', '-d', `sql:${dir}`, ...extra], {encoding: 'utf8'}).match(/\b[0-9a-f]{40}\b/g))
}

/** A PATH with NSS's tools and nothing else: no sqlite3. */
function pathWithoutSqlite(): string {
  const bin = mkdtempSync(join(tmpdir(), 'mailcert-nss-only-'))
  for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) {
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).trim(), join(bin, tool))
  }
  return bin
}

describe('reading an NSS database with sqlite3', () => {
  it('finds every certificate with its nickname, byte for byte as certutil prints it', async () => {
    const dir = makeNssDb()
    importP12(dir, 'mailbox-rsa.p12')
    importP12(dir, 'bob-rsa.p12')
    addCertificate(dir, 'Ünïcödé nickname', 'certs/ec-p256.pem')
    const read = await readSqliteDatabase(`sql:${dir}`, process.env)
    expect(read).not.toBeNull()
    expect([...read!.certificates.keys()].sort()).toEqual(['Alice Example', 'Bob Example', INTERMEDIATE_NICKNAME, ROOT_NICKNAME, 'Ünïcödé nickname'].sort())
    for (const [nickname, ders] of read!.certificates) expect(ders).toEqual(certutilNamed(dir, nickname))
    expect(read!.keyIds).toEqual(certutilKeyIds(dir))
  })

  it('reads the key IDs of a database with a primary password without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-nssdb-pw-'))
    const password = join(dir, 'password.txt')
    writeFileSync(password, 'Primär 42\n', {mode: 0o600})
    execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '-f', password])
    execFileSync('pk12util', ['-i', join(FIXTURES, 'p12', 'mailbox-rsa.p12'), '-d', `sql:${dir}`, '-W', 'test', '-k', password], {stdio: 'ignore'})
    const read = await readSqliteDatabase(`sql:${dir}`, process.env)
    expect(read!.keyIds).toEqual(certutilKeyIds(dir, ['-f', password]))
    expect(read!.keyIds.size).toBe(1)
  })

  it('reads nothing of a database that is not sql: or that sqlite3 cannot open', async () => {
    expect(sqliteDatabaseFile('dbm:/some/profile')).toBeNull()
    expect(await readSqliteDatabase('dbm:/some/profile', process.env)).toBeNull()
    const empty = mkdtempSync(join(tmpdir(), 'mailcert-no-db-'))
    expect(await readSqliteDatabase(`sql:${join(empty, 'missing')}`, process.env)).toBeNull()
    // A cert9.db without its key4.db: no answer rather than an empty key list.
    const certsOnly = makeNssDb()
    rmSync(join(certsOnly, 'key4.db'))
    expect(await readSqliteDatabase(`sql:${certsOnly}`, process.env)).toBeNull()
  })

  it('parses hex rows, several certificates under one nickname, key IDs, and skips other lines', () => {
    const alice = Buffer.from('Alice').toString('hex').toUpperCase()
    const rows = parseRows(`C|${alice}|0A0B\nC|${alice}|0C\nnot a row\nC||0D\nK||DFB196E3\n`)
    expect(rows.certificates).toEqual(new Map([['Alice', [Buffer.from([10, 11]), Buffer.from([12])]], ['', [Buffer.from([13])]]]))
    expect(rows.keyIds).toEqual(new Set(['dfb196e3']))
  })

  it('the session lists the same certificates, keys and trust with sqlite3 as without it', async () => {
    const dir = makeNssDb()
    importP12(dir, 'mailbox-rsa.p12')
    importP12(dir, 'bob-rsa.p12')
    addCertificate(dir, 'Bare EC', 'certs/ec-p256.pem', ',,')
    const list = async (env: NodeJS.ProcessEnv) => {
      const driver = (await ToolsDriver.locate({platform: 'linux', env}))!
      const session = await driver.open(dir, {})
      try {
        return (await session.listCertificates()).map(({nickname, trust, sha256, hasKey, isCa}) => ({nickname, trust, sha256, hasKey, isCa})).sort((a, b) => a.sha256.localeCompare(b.sha256))
      } finally {
        await session.close()
        await driver.dispose()
      }
    }
    const withSqlite = await list(process.env)
    const without = await list({...process.env, PATH: pathWithoutSqlite()})
    expect(withSqlite).toHaveLength(5)
    expect(withSqlite).toEqual(without)
    expect(withSqlite.filter((c) => c.hasKey).map((c) => c.nickname).sort()).toEqual(['Alice Example', 'Bob Example'])
  })
})
