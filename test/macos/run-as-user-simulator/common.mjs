// Shared by the stand-ins for macOS's dscl, launchctl and sudo (copied next to them into a test's system root).
import {execFileSync, spawn} from 'node:child_process'
import {appendFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** The system root the stand-in was copied into: it lives at ROOT/usr/bin or ROOT/bin. */
const here = dirname(fileURLToPath(import.meta.url))
export const ROOT = here.endsWith('/usr/bin') ? dirname(dirname(here)) : dirname(here)

/** Every call, one JSON line each, for the test to read: which tool, its arguments, who ran it. */
export function record(tool, args) {
  appendFileSync(join(ROOT, 'run-as-user-calls.log'), `${JSON.stringify({tool, args, uid: process.getuid()})}\n`)
}

/** The user's passwd record on this (Linux) machine, standing in for Directory Services; null when unknown. */
export function passwd(key) {
  try {
    const [name, , uid, gid, , home, shell] = execFileSync('getent', ['passwd', key], {encoding: 'utf8'}).trim().split(':')
    return {name, uid: Number(uid), gid: Number(gid), home, shell}
  } catch {
    return null
  }
}

export function fail(message, code) {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

/** Run a program and end as it ends, passing on the signals this process gets. */
export function runThrough(file, args, options) {
  const child = spawn(file, args, options)
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal))
  child.on('error', (error) => fail(`${file}: ${error.code}`, 1))
  child.on('exit', (code, signal) => process.exit(code ?? 128 + ({SIGTERM: 15, SIGINT: 2, SIGHUP: 1, SIGKILL: 9}[signal] ?? 0)))
}
