/** Real NSS databases for tests, made and read with NSS's own tools. Passwords go to the tools only as files. */
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

let counter = 0

/** A 0600 file holding a password (pk12util -w, certutil -f/-k read the first line). */
export function passwordFile(password: string, dir = mkdtempSync(join(tmpdir(), 'mailcert-test-pw-'))): string {
  const path = join(dir, `password-${++counter}`)
  writeFileSync(path, password, {mode: 0o600})
  return path
}

/** A new, empty SQL database in a new folder (a profile folder as far as NSS is concerned). */
export function newNssDatabase(options: {password?: string; prefix?: string} = {}): string {
  const dir = mkdtempSync(join(tmpdir(), options.prefix ?? 'mailcert-nssdb-'))
  const args = options.password === undefined ? ['--empty-password'] : ['-f', passwordFile(`${options.password}\n`)]
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, ...args], {stdio: 'pipe'})
  return dir
}

export interface ToolResult {
  status: number | null
  stdout: string
  stderr: string
  /** stdout then stderr. */
  output: string
}

/** Run an NSS tool with stdin closed; never throws on a non-zero exit. */
export function nssTool(tool: string, args: string[]): ToolResult {
  const result = spawnSync(tool, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
  if (result.error) throw result.error
  return {status: result.status, stdout: result.stdout, stderr: result.stderr, output: `${result.stdout}${result.stderr}`}
}

/** pk12util -i into the database, the PKCS#12 password from a file. */
export function importPkcs12(dir: string, file: string, password: string): ToolResult {
  return nssTool('pk12util', ['-i', file, '-d', `sql:${dir}`, '-w', passwordFile(password)])
}
