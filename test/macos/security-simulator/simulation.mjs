/**
 * One run of the simulated tool: where its machine is, what it prints, and its strictness. Every
 * call is appended to ROOT/.simulator/calls.jsonl (argv, and stdin with passwords as ***); every
 * broken rule to ROOT/.simulator/violations.jsonl, after which the tool stops with status 1, as a
 * test's signal that the real tool would have hung on a dialog or a terminal, or that a secret
 * reached an argument list.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeSync} from 'node:fs'
import path from 'node:path'

import {SimulatorPaths, writeJsonAtomic} from './keychain.mjs'

/** Thrown after a violation is recorded: nothing more runs. */
export class Violation extends Error {}

/** A Security framework call failed with `status`; the tool prints `security: <fn>: <message>`. */
export class StatusError extends Error {
  constructor(fn, status, detail) {
    super(status.message)
    this.fn = fn
    this.status = status
    this.detail = detail
  }
}

/** Secrets shorter than this are matched as whole arguments only ("test" would match many paths). */
const SUBSTRING_MATCH_LENGTH = 8

export class Simulation {
  constructor({root, home, argv}) {
    this.paths = new SimulatorPaths(root, home)
    this.argv = argv
    this.out = []
    this.err = []
    mkdirSync(this.paths.state, {recursive: true})
    const configFile = path.join(this.paths.state, 'config.json')
    this.config = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : {}
  }

  /** ProductVersion from ROOT/System/Library/CoreServices/SystemVersion.plist, as sw_vers reads it. */
  get productVersion() {
    if (this.cachedVersion) return this.cachedVersion
    const file = this.paths.system('/System/Library/CoreServices/SystemVersion.plist')
    const plist = readFileSync(file, 'utf8')
    const match = /<key>ProductVersion<\/key>\s*<string>([^<]+)<\/string>/.exec(plist)
    if (!match) throw new Error(`${file} has no ProductVersion`)
    this.cachedVersion = match[1]
    return this.cachedVersion
  }

  get major() {
    return Number.parseInt(this.productVersion, 10)
  }

  /** Whether a simulated GUI session answers an authorisation dialog: 'approve', 'deny' or 'none'. */
  get ui() {
    return this.config.ui ?? 'none'
  }

  print(text) {
    this.out.push(text)
  }

  error(text) {
    this.err.push(text)
  }

  /** sec_perror(): `security: <fn>: <message>`. */
  perror(fn, status) {
    this.error(`security: ${fn}: ${status.message}\n`)
    return status.code
  }

  violation(rule, detail) {
    appendFileSync(path.join(this.paths.state, 'violations.jsonl'), `${JSON.stringify({rule, detail, argv: this.redact(this.argv)})}\n`)
    this.error(`security (simulator): VIOLATION ${rule}: ${detail}\n`)
    throw new Violation(detail)
  }

  /** The secrets a test registered (ROOT/.simulator/secrets, one per line) and every password seen on stdin. */
  knownSecrets() {
    const registered = path.join(this.paths.state, 'secrets')
    const fromTest = existsSync(registered) ? readFileSync(registered, 'utf8').split('\n') : []
    return [...new Set([...fromTest, ...this.seenSecrets()])].filter((secret) => secret !== '')
  }

  seenSecrets() {
    const file = path.join(this.paths.state, 'seen-secrets.json')
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : []
  }

  rememberSecrets(values) {
    const known = this.seenSecrets()
    const fresh = values.filter((value) => value !== '' && !known.includes(value))
    if (fresh.length > 0) writeJsonAtomic(path.join(this.paths.state, 'seen-secrets.json'), [...known, ...fresh])
  }

  containsSecret(value) {
    return this.knownSecrets().some((secret) => (secret.length >= SUBSTRING_MATCH_LENGTH ? value.includes(secret) : value === secret))
  }

  redact(values) {
    const secrets = this.knownSecrets().filter((secret) => secret.length >= SUBSTRING_MATCH_LENGTH)
    return values.map((value) => {
      let result = value
      for (const secret of secrets) result = result.split(secret).join('***')
      return this.knownSecrets().includes(value) ? '***' : result
    })
  }

  logCall(entry) {
    appendFileSync(path.join(this.paths.state, 'calls.jsonl'), `${JSON.stringify(entry)}\n`)
  }

  flush() {
    if (this.out.length > 0) writeSync(1, this.out.join(''))
    if (this.err.length > 0) writeSync(2, this.err.join(''))
  }
}
