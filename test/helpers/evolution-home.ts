/**
 * A sandbox HOME whose Evolution account sources were written by evolution-data-server itself, and
 * a way to read them back through it (test/helpers/evolution-eds.py does the EDS side). Each call
 * runs its own D-Bus session (dbus-run-session) with HOME and the XDG folders in the sandbox, so
 * the registry that D-Bus starts sees only the sandbox; the script stops the registry before it
 * exits, and the session bus ends with it.
 *
 * These tests need the real thing: a missing dbus-run-session, python3-gi or evolution-data-server
 * is an error, never a skip.
 */
import {execFile, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const run = promisify(execFile)

const SCRIPT = fileURLToPath(new URL('evolution-eds.py', import.meta.url))
export const SOURCE_REGISTRY = '/usr/libexec/evolution-source-registry'
// The distribution's python3, which has the gi bindings (a python3 earlier on PATH, from pyenv, may not).
const PYTHON_CANDIDATES = ['/usr/bin/python3', '/bin/python3']
const TIMEOUT_MS = 60_000

export interface EvolutionAccount {
  address: string
  name: string
}

export interface EvolutionHome {
  home: string
  sourcesDir: string
  /** The uids EDS gave each account's sources, in the order of the accounts. */
  accounts: Array<{address: string; account: string; identity: string; transport: string}>
}

export interface SmimeThroughEds {
  uid: string
  address: string | null
  signingCertificate: string | null
  encryptionCertificate: string | null
  signByDefault: boolean
  encryptByDefault: boolean
}

function python(): string {
  const found = PYTHON_CANDIDATES.find((candidate) => existsSync(candidate))
  if (!found) throw new Error('The system python3 is not installed: run `npm run test:setup`.')
  return found
}

/** The environment of a sandboxed session: only the sandbox is visible to EDS. */
export function evolutionEnvironment(home: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_RUNTIME_DIR: join(home, '.run'),
    // GSettings would otherwise reach for the user's dconf database.
    GSETTINGS_BACKEND: 'memory',
    LANG: 'C.UTF-8',
  }
}

async function runEds(home: string, args: string[]): Promise<string> {
  if (!existsSync(SOURCE_REGISTRY)) throw new Error(`${SOURCE_REGISTRY} is missing: install evolution-data-server (npm run test:setup).`)
  await mkdir(join(home, '.run'), {recursive: true, mode: 0o700})
  try {
    const {stdout} = await run('dbus-run-session', ['--', python(), SCRIPT, ...args], {
      env: evolutionEnvironment(home),
      timeout: TIMEOUT_MS,
      killSignal: 'SIGKILL',
    })
    return stdout
  } catch (error) {
    const failure = error as {stderr?: string; message: string}
    throw new Error(`evolution-eds.py ${args[0]} failed: ${failure.message}\n${failure.stderr ?? ''}`)
  }
}

export async function makeEvolutionHome(home: string, accounts: EvolutionAccount[]): Promise<EvolutionHome> {
  const made = JSON.parse(await runEds(home, ['create', JSON.stringify(accounts)])) as EvolutionHome['accounts']
  return {home, sourcesDir: join(home, '.config', 'evolution', 'sources'), accounts: made}
}

/** Every mail identity as the source registry loaded it, with its S/MIME settings as ESourceSMIME reads them. */
export async function readSmimeThroughEds(home: string): Promise<SmimeThroughEds[]> {
  return JSON.parse(await runEds(home, ['read'])) as SmimeThroughEds[]
}

export interface RunningRegistry {
  /** The dbus-run-session process; the registry is its child. */
  pid: number
  /** Ends the session and the registry, and waits until the session has exited. */
  stop(): Promise<void>
}

/** A real evolution-source-registry for the sandbox, running until stop(), in its own D-Bus session and process group. */
export async function startSourceRegistry(home: string): Promise<RunningRegistry> {
  if (!existsSync(SOURCE_REGISTRY)) throw new Error(`${SOURCE_REGISTRY} is missing: install evolution-data-server (npm run test:setup).`)
  await mkdir(join(home, '.run'), {recursive: true, mode: 0o700})
  const child = spawn('dbus-run-session', ['--', SOURCE_REGISTRY], {env: evolutionEnvironment(home), detached: true, stdio: 'ignore'})
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve())
    child.once('error', reject)
  })
  return {
    pid: child.pid!,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM')
      } catch {
        // Already gone.
      }
      await exited
    },
  }
}

export type EvolutionSignature = {signed: true; contentType: string; mime: string} | {signed: false; error: string}

/**
 * Signs a short message as Evolution's composer does: Camel initialised with NSS in the sandbox
 * HOME (so camel_init picks the NSS database there), a CamelSMIMEContext, and
 * camel_cipher_context_sign_sync with `nickname` as the key. No D-Bus is needed.
 */
export async function signWithEvolution(home: string, nickname: string, address: string): Promise<EvolutionSignature> {
  try {
    const {stdout} = await run(python(), [SCRIPT, 'sign', nickname, address], {env: evolutionEnvironment(home), timeout: TIMEOUT_MS, killSignal: 'SIGKILL'})
    return JSON.parse(stdout) as EvolutionSignature
  } catch (error) {
    const failure = error as {stderr?: string; message: string}
    throw new Error(`evolution-eds.py sign failed: ${failure.message}\n${failure.stderr ?? ''}`)
  }
}

export type EvolutionEncryption = {encrypted: true; contentType: string; mime: string} | {encrypted: false; error: string}

/** Encrypts a short message to `address` as Evolution's composer does (Camel's S/MIME context, the recipient's certificate looked up in the NSS database). */
export async function encryptWithEvolution(home: string, address: string): Promise<EvolutionEncryption> {
  try {
    const {stdout} = await run(python(), [SCRIPT, 'encrypt', address], {env: evolutionEnvironment(home), timeout: TIMEOUT_MS, killSignal: 'SIGKILL'})
    return JSON.parse(stdout) as EvolutionEncryption
  } catch (error) {
    const failure = error as {stderr?: string; message: string}
    throw new Error(`evolution-eds.py encrypt failed: ${failure.message}\n${failure.stderr ?? ''}`)
  }
}
