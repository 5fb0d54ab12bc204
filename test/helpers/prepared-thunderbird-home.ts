/**
 * Many tests start from the same state that a real mailcert run made (a profile after `mailcert
 * install`, say) and then change it each in its own way. That run is made once per test process, on
 * a copy of the Thunderbird template, and each test gets a fresh copy of the result.
 *
 * mailcert's journal names each store and identity by its absolute path; in a copy those paths are
 * the copy's, as they would be had mailcert run there. Nothing else that mailcert writes names a path.
 */
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type TestAccount, type ThunderbirdHome, thunderbirdHome} from './thunderbird-home.js'

const made: string[] = []
process.once('exit', () => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true})
})

/** mailcert's journal, with the paths under `from` moved under `to`. */
function moveJournal(home: string, from: string, to: string): void {
  const file = join(home, '.local', 'share', 'mailcert', 'installed.json')
  if (!existsSync(file)) return
  const move = (value: unknown): unknown => {
    if (typeof value === 'string') return value === from || value.startsWith(`${from}/`) ? `${to}${value.slice(from.length)}` : value
    if (Array.isArray(value)) return value.map(move)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, move(v)]))
    return value
  }
  // mailcert writes it as JSON.stringify(journal, null, 2) with a final line break.
  const text = readFileSync(file, 'utf8')
  writeFileSync(file, `${JSON.stringify(move(JSON.parse(text)), null, 2)}${text.endsWith('\n') ? '\n' : ''}`, {mode: 0o600})
}

/**
 * Returns a function that gives a fresh copy of a Thunderbird home with these accounts after
 * `prepare` ran on it. `prepare` runs once, on the first call.
 */
export function preparedThunderbirdHomes(accounts: TestAccount[], prepare: (home: ThunderbirdHome) => Promise<void>): () => Promise<ThunderbirdHome> {
  let prepared: Promise<ThunderbirdHome> | undefined
  return async () => {
    prepared ??= (async () => {
      const home = await thunderbirdHome(accounts)
      await prepare(home)
      return home
    })()
    const template = await prepared
    const home = mkdtempSync(join(tmpdir(), 'mailcert-tb-prepared-'))
    rmSync(home, {recursive: true})
    cpSync(template.home, home, {recursive: true, verbatimSymlinks: true})
    made.push(home)
    moveJournal(home, template.home, home)
    return {...template, home, profileDir: join(home, template.profileDir.slice(template.home.length))}
  }
}
