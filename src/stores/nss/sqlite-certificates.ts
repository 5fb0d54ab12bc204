/**
 * Every certificate of an NSS `sql:` database in one read, grouped by nickname. certutil prints a
 * certificate's bytes only by nickname, one call each (60 ms apiece: 30 s for a database with 500
 * identities); the certificates themselves are plain rows of cert9.db's `nssPublic` table, so one
 * `sqlite3` call reads them all. Optional: without sqlite3, or for a database it cannot read, the
 * caller asks certutil per nickname as before.
 *
 * The table has a column per PKCS#11 attribute, named `a` + its number in hex; numbers are stored
 * as 4 bytes, big-endian: CKA_CLASS (0) is CKO_CERTIFICATE (1), CKA_LABEL (3) the nickname,
 * CKA_VALUE (0x11) the DER.
 */
import {join} from 'node:path'

import {findOnPath} from '../../system/find-program.js'
import {runProgram} from '../../system/run-program.js'

const QUERY = "SELECT hex(a3), hex(a11) FROM nssPublic WHERE a0 = X'00000001' AND a11 IS NOT NULL;"

/** The `sql:DIR` spec's certificate database file; null for any other kind of database. */
export function sqliteDatabaseFile(spec: string): string | null {
  return spec.startsWith('sql:') ? join(spec.slice('sql:'.length), 'cert9.db') : null
}

/** sqlite3's `hex(label)|hex(der)` lines, as DER per nickname. */
export function parseCertificateRows(output: string): Map<string, Buffer[]> {
  const byNickname = new Map<string, Buffer[]>()
  for (const line of output.split('\n')) {
    const match = /^([0-9A-F]*)\|([0-9A-F]+)$/.exec(line.trim())
    if (!match) continue
    const nickname = Buffer.from(match[1]!, 'hex').toString('utf8')
    byNickname.set(nickname, [...(byNickname.get(nickname) ?? []), Buffer.from(match[2]!, 'hex')])
  }
  return byNickname
}

/** The database's certificates per nickname, or null when sqlite3 is not installed or cannot read it. */
export async function readSqliteCertificates(spec: string, env: NodeJS.ProcessEnv): Promise<Map<string, Buffer[]> | null> {
  const file = sqliteDatabaseFile(spec)
  if (file === null) return null
  const sqlite3 = await findOnPath('sqlite3', env)
  if (sqlite3 === null) return null
  const result = await runProgram(sqlite3, ['-init', '/dev/null', '-readonly', '-batch', file, QUERY], {timeoutMs: 30_000})
  if (result.exitCode !== 0 || result.notFound) return null
  return parseCertificateRows(result.stdout)
}
