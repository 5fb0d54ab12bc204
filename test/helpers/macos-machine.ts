/**
 * A simulated Mac for tests on Linux: a sandbox HOME with a login keychain, and a system root
 * holding the strict `security` simulator (test/macos/security-simulator/) as /usr/bin/security,
 * `sw_vers`, SystemVersion.plist and the system's root certificates. mailcert reaches it through
 * MAILCERT_PLATFORM=darwin and MAILCERT_SYSTEM_ROOT (see `env`); a test drives the store in process
 * through `machine`, or the CLI through `env`.
 *
 * Every call the simulator gets is in `calls()`; every rule mailcert broke (a password in argv, a
 * missing -P that would open a dialog, ...) is in `violations()`, which each test expects empty.
 */
import {createHash, randomBytes} from 'node:crypto'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {spawnSync} from 'node:child_process'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {machineFor, type Machine} from '../../src/system/platform.js'
import {REPO} from './fixtures.js'

export type MacVersion = '14.6' | '15.2'
/** What a simulated GUI session does with an authorisation dialog: no GUI at all is 'none'. */
export type MacUi = 'approve' | 'deny' | 'none'

export interface MacMachineOptions {
  version?: MacVersion
  /** The login keychain's password (registered as a secret). */
  keychainPassword?: string
  /** The login keychain starts locked. */
  locked?: boolean
  ui?: MacUi
  /** PEM files whose certificates are the system's trusted roots (SystemRootCertificates.keychain). */
  systemRoots?: string[]
  /** Strings that must never appear in an argument of `security` (8 characters or more match as substrings). */
  secrets?: string[]
}

export interface SimulatedCertificate {
  der: string
  sha1: string
  sha256: string
  label: string
}

export interface SimulatedKey {
  label: string
  publicKeyHash: string
  type: 'rsa' | 'ec'
  canSign: boolean
  canDecrypt: boolean
  canDerive: boolean
  extractable: boolean
  partitions: string[]
  access: {allowAll: boolean; applications: string[]}
  pkcs8: string
}

export interface SimulatedKeychain {
  format: string
  locked: boolean
  password: {salt: string; sha256: string}
  certificates: SimulatedCertificate[]
  keys: SimulatedKey[]
  identityPreferences: Array<{service: string; sha1: string}>
  trustSettings: Array<{sha1: string; sha256: string; result: string; policies: string[]}>
}

export interface SimulatorCall {
  argv: string[]
  /** The command lines read by `security -i`, passwords as ***; null without -i. */
  stdin: string[] | null
  status: number
  stdout: string
  stderr: string
}

export interface SimulatorViolation {
  rule: string
  detail: string
  argv: string[]
}

export interface MacMachine {
  home: string
  systemRoot: string
  /** The login keychain: HOME/Library/Keychains/login.keychain-db. */
  keychain: string
  /** For runCli: HOME, MAILCERT_PLATFORM=darwin, MAILCERT_SYSTEM_ROOT, and XDG folders inside the sandbox. */
  env: Record<string, string>
  /** The same machine for library code called in process. */
  machine: Machine
  readKeychain(file?: string): SimulatedKeychain
  calls(): SimulatorCall[]
  violations(): SimulatorViolation[]
  setUi(ui: MacUi): void
  /** Run the simulated `security` directly (tests of the simulator itself). */
  security(args: string[], input?: string): {status: number | null; stdout: string; stderr: string}
  cleanup(): void
}

const SIMULATOR = path.join(REPO, 'test', 'macos', 'security-simulator')

const BUILDS: Record<MacVersion, string> = {'14.6': '23G80', '15.2': '24C101'}

const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`

function wrapper(script: string, root: string, home: string): string {
  return `#!/bin/sh\nSECURITY_SIM_ROOT=${shellQuote(root)} SECURITY_SIM_HOME=${shellQuote(home)} exec ${shellQuote(process.execPath)} ${shellQuote(path.join(SIMULATOR, script))} "$@"\n`
}

function systemVersionPlist(version: MacVersion): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>ProductBuildVersion</key>
	<string>${BUILDS[version]}</string>
	<key>ProductCopyright</key>
	<string>1983-2024 Apple Inc.</string>
	<key>ProductName</key>
	<string>macOS</string>
	<key>ProductUserVisibleVersion</key>
	<string>${version}</string>
	<key>ProductVersion</key>
	<string>${version}</string>
</dict>
</plist>
`
}

/** The keychain file format of test/macos/security-simulator/keychain.mjs. */
function newKeychain(password: string, locked: boolean): SimulatedKeychain {
  const salt = randomBytes(8).toString('hex')
  return {
    format: 'mailcert-security-simulator/1',
    password: {salt, sha256: createHash('sha256').update(`${salt}:${password}`).digest('hex')},
    locked,
    certificates: [],
    keys: [],
    identityPreferences: [],
    trustSettings: [],
  }
}

function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T)
}

function writeExecutable(file: string, text: string): void {
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, text)
  chmodSync(file, 0o755)
}

export function makeMacMachine(options: MacMachineOptions = {}): MacMachine {
  const version = options.version ?? '15.2'
  const keychainPassword = options.keychainPassword ?? 'login-Keychain-Pw1'
  const base = mkdtempSync(path.join(tmpdir(), 'mailcert-mac-'))
  const home = path.join(base, 'home')
  const systemRoot = path.join(base, 'root')
  const state = path.join(systemRoot, '.simulator')
  const keychain = path.join(home, 'Library', 'Keychains', 'login.keychain-db')

  writeExecutable(path.join(systemRoot, 'usr', 'bin', 'security'), wrapper('security.mjs', systemRoot, home))
  writeExecutable(path.join(systemRoot, 'usr', 'bin', 'sw_vers'), wrapper('sw-vers.mjs', systemRoot, home))
  mkdirSync(path.join(systemRoot, 'System', 'Library', 'CoreServices'), {recursive: true})
  writeFileSync(path.join(systemRoot, 'System', 'Library', 'CoreServices', 'SystemVersion.plist'), systemVersionPlist(version))
  mkdirSync(path.join(systemRoot, 'System', 'Library', 'Keychains'), {recursive: true})
  const roots = (options.systemRoots ?? []).map((file) => readFileSync(file, 'utf8').trim()).join('\n')
  writeFileSync(path.join(systemRoot, 'System', 'Library', 'Keychains', 'SystemRootCertificates.keychain'), roots === '' ? '' : `${roots}\n`)
  mkdirSync(state, {recursive: true})
  const setUi = (ui: MacUi) => writeFileSync(path.join(state, 'config.json'), `${JSON.stringify({ui})}\n`)
  setUi(options.ui ?? 'none')
  writeFileSync(path.join(state, 'secrets'), `${[keychainPassword, ...(options.secrets ?? [])].join('\n')}\n`, {mode: 0o600})
  mkdirSync(path.dirname(keychain), {recursive: true})
  writeFileSync(keychain, `${JSON.stringify(newKeychain(keychainPassword, options.locked ?? false), null, 2)}\n`, {mode: 0o600})

  const env = {
    HOME: home,
    MAILCERT_PLATFORM: 'darwin',
    MAILCERT_SYSTEM_ROOT: systemRoot,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
  }
  const securityPath = path.join(systemRoot, 'usr', 'bin', 'security')
  return {
    home,
    systemRoot,
    keychain,
    env,
    machine: machineFor({platform: 'darwin', home, env: {...env}, systemRoot}),
    readKeychain: (file = keychain) => JSON.parse(readFileSync(file, 'utf8')) as SimulatedKeychain,
    calls: () => readJsonLines<SimulatorCall>(path.join(state, 'calls.jsonl')),
    violations: () => readJsonLines<SimulatorViolation>(path.join(state, 'violations.jsonl')),
    setUi,
    security(args, input) {
      const result = spawnSync(securityPath, args, {input, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']})
      return {status: result.status, stdout: result.stdout, stderr: result.stderr}
    },
    cleanup: () => rmSync(base, {recursive: true, force: true}),
  }
}
