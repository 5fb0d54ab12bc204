/**
 * Every certificate of an NSS `sql:` database, and the IDs of its private keys, in one read.
 * certutil prints a certificate's bytes only by nickname, one call each (60 ms apiece: 30 s for a
 * database with 500 identities), and `certutil -K` looks up a certificate for each key; the
 * certificates are plain rows of cert9.db's `nssPublic` table and the key IDs plain attributes in
 * key4.db's `nssPrivate` (only a key's secret parts are encrypted), so one `sqlite3` call reads
 * both. Optional: without sqlite3, or for a database it cannot read, the caller asks certutil.
 *
 * A table has a column per PKCS#11 attribute, named `a` + its number in hex; numbers are stored as
 * 4 bytes, big-endian: CKA_CLASS (0) is CKO_CERTIFICATE (1) or CKO_PRIVATE_KEY (3), CKA_LABEL (3)
 * the nickname, CKA_VALUE (0x11) the DER, CKA_ID (0x102) the key ID `certutil -K` lists.
 */
import {stat} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {findOnPath} from '../../system/find-program.js'
import {runProgram} from '../../system/run-program.js'

const QUERY = [
  "SELECT 'C', hex(a3), hex(a11) FROM main.nssPublic WHERE a0 = X'00000001' AND a11 IS NOT NULL;",
  "SELECT 'K', '', hex(a102) FROM keys.nssPrivate WHERE a0 = X'00000003' AND a102 IS NOT NULL;",
].join(' ')

export interface SqliteContents {
  /** The DER of each certificate, per nickname. */
  certificates: Map<string, Buffer[]>
  /** The private keys' IDs (lowercase hex), as `certutil -K` lists them. */
  keyIds: Set<string>
}

/** The `sql:DIR` spec's certificate database file; null for any other kind of database. */
export function sqliteDatabaseFile(spec: string): string | null {
  return spec.startsWith('sql:') ? join(spec.slice('sql:'.length), 'cert9.db') : null
}

/** sqlite3's `C|hex(label)|hex(der)` and `K||hex(id)` lines. */
export function parseRows(output: string): SqliteContents {
  const certificates = new Map<string, Buffer[]>()
  const keyIds = new Set<string>()
  for (const line of output.split('\n')) {
    const match = /^([CK])\|([0-9A-F]*)\|([0-9A-F]+)$/.exec(line.trim())
    if (!match) continue
    if (match[1] === 'K') {
      keyIds.add(match[3]!.toLowerCase())
      continue
    }
    const nickname = Buffer.from(match[2]!, 'hex').toString('utf8')
    certificates.set(nickname, [...(certificates.get(nickname) ?? []), Buffer.from(match[3]!, 'hex')])
  }
  return {certificates, keyIds}
}

/** The database's certificates and key IDs, or null when sqlite3 is not installed or cannot read it. */
export async function readSqliteDatabase(spec: string, env: NodeJS.ProcessEnv): Promise<SqliteContents | null> {
  const file = sqliteDatabaseFile(spec)
  if (file === null) return null
  const sqlite3 = await findOnPath('sqlite3', env)
  if (sqlite3 === null) return null
  const keys = join(dirname(file), 'key4.db')
  const attach = `ATTACH DATABASE '${keys.replaceAll("'", "''")}' AS keys;`
  // ATTACH of a file that is not there would make an empty one: no key database, no answer.
  if (!(await isReadableFile(keys))) return null
  const result = await runProgram(sqlite3, ['-init', '/dev/null', '-readonly', '-batch', file, `${attach} ${QUERY}`], {timeoutMs: 30_000})
  if (result.exitCode !== 0 || result.notFound) return null
  return parseRows(result.stdout)
}

async function isReadableFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}
