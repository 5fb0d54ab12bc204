/**
 * An empty NSS database where a program will look for one but none exists yet: Evolution's shared
 * database (~/.pki/nssdb) before Evolution or Chromium made it. It has no password, as Camel and
 * Chromium make theirs (research/thunderbird-nss.md §7.1), so that the program opens it without asking.
 */
import {mkdir, stat} from 'node:fs/promises'
import path from 'node:path'

import {ExitCode, ExternalError, UserError} from '../../errors.js'
import {runProgram} from '../../system/run-program.js'
import {findNssTools, nssToolsMissing} from './nss-tools.js'

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

/**
 * Makes `dir` (0700, with its missing parents, as Camel's g_mkdir_with_parents does) and an empty
 * SQL database in it (`certutil -N --empty-password -d sql:DIR`), unless one is there. A folder with
 * only an old-format database (cert8.db) is left alone: NSS upgrades it when the program that owns
 * it opens it, and a new empty database beside it would hide its keys.
 */
export async function createNssDatabase(dir: string): Promise<{dir: string; created: boolean}> {
  if (await exists(path.join(dir, 'cert9.db'))) return {dir, created: false}
  if (await exists(path.join(dir, 'cert8.db'))) {
    throw new UserError(`${dir} holds an NSS database in the old format (cert8.db), which mailcert does not change.`, {
      code: 'nss-legacy-database',
      exitCode: ExitCode.usage,
      hints: ['Start Evolution once, so that NSS upgrades the database to the current format, then run mailcert again.'],
    })
  }
  const tools = await findNssTools()
  if (!tools) throw await nssToolsMissing()
  await mkdir(dir, {recursive: true, mode: 0o700})
  const result = await runProgram(tools.certutil, ['-N', '--empty-password', '-d', `sql:${dir}`], {timeoutMs: 30_000})
  if (result.notFound) throw new ExternalError('certutil', 'certutil could not be started.')
  if (result.exitCode !== 0) {
    const output = `${result.stdout}${result.stderr}`.trim()
    throw new ExternalError('certutil', `Creating the NSS database in ${dir} failed: ${output.split('\n').at(-1) ?? 'no explanation was given'}`, {
      output,
      code: 'nss-create-failed',
    })
  }
  return {dir, created: true}
}
