/**
 * Whether the mail programs may use a newly imported key without asking (the macOS keychain asks each
 * program once for the keychain password, unless mailcert allows them with that password). Answered
 * by --grant-key-access or, at a terminal, by the person; the password comes from the store's own
 * file flag or variable, else a masked prompt, else a usage error that names them. Asked once per store.
 */
import {BugError, UsageError} from '../errors.js'
import type {StoreRef} from '../stores/store.js'
import {readSecretFile} from '../system/secret-input.js'

export interface KeyAccessAnswers {
  /** --grant-key-access / --no-grant-key-access; undefined when not given. */
  grant: boolean | undefined
  /** Every flag value, for the store's own password file flag. */
  flags: Record<string, unknown>
  interactive: boolean
  dryRun: boolean
  env?: NodeJS.ProcessEnv
}

async function askGrant(store: StoreRef, programs: string[]): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  const names = programs.join(' and ')
  const each = programs.length > 1 ? 'each ask' : 'asks'
  return confirm({
    message: `${names} ${each} once for your ${store.password?.name ?? 'store password'} the first time ${programs.length > 1 ? 'they use' : 'it uses'} this key (you would choose Always Allow). mailcert can allow ${programs.length > 1 ? 'them' : 'it'} now instead, with that password. Allow now?`,
    default: true,
  })
}

async function askStorePassword(store: StoreRef): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  return password({message: `Your ${store.password!.name} (of ${store.label}):`, mask: '*'})
}

export function keyAccessSource(answers: KeyAccessAnswers): (store: StoreRef, programs: string[]) => Promise<{password: string} | null> {
  const env = answers.env ?? process.env
  const decided = new Map<string, Promise<{password: string} | null>>()
  const decide = async (store: StoreRef, programs: string[]): Promise<{password: string} | null> => {
    const source = store.password
    if (!source) throw new BugError(`${store.label} has no password that could allow its readers`)
    const grant = answers.grant ?? (answers.interactive && !answers.dryRun ? await askGrant(store, programs) : false)
    if (!grant) return null
    const file = answers.flags[source.fileFlag] as string | undefined
    if (file !== undefined) return {password: await readSecretFile(file, `--${source.fileFlag}`)}
    const fromEnv = env[source.env]
    if (fromEnv !== undefined) return {password: fromEnv}
    if (answers.interactive) return {password: await askStorePassword(store)}
    throw new UsageError(`--grant-key-access needs your ${source.name}, and none was given.`, [`Pass --${source.fileFlag} FILE or set ${source.env}.`, 'Or leave out --grant-key-access: each program then asks for it once.'])
  }
  return (store, programs) => {
    if (!decided.has(store.location)) decided.set(store.location, decide(store, programs))
    return decided.get(store.location)!
  }
}
