import {readFileSync} from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {startBackgroundProgram} from '../../src/system/background-program.js'
import {childEnvironment, isSecretVariable} from '../../src/system/child-environment.js'
import {runProgram} from '../../src/system/run-program.js'

const SECRETS = {
  MAILCERT_PASSWORD: 'p12-secret-1',
  MAILCERT_DB_PASSWORD: 'db-secret-2',
  MAILCERT_KEYCHAIN_PASSWORD: 'keychain-secret-3',
}
const SECRET_VALUES = Object.values(SECRETS)

/** The environment of a running process, as the kernel holds it (what other processes of the user can read). */
function environOf(pid: number): Record<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').filter(Boolean)
  return Object.fromEntries(entries.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]))
}

function parseEnvOutput(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
}

describe('isSecretVariable', () => {
  it('is true for mailcert\'s password variables, whatever their case, and any later one of that kind', () => {
    for (const name of ['MAILCERT_PASSWORD', 'MAILCERT_DB_PASSWORD', 'MAILCERT_KEYCHAIN_PASSWORD', 'mailcert_password', 'MAILCERT_SMARTCARD_PIN_PASSWORD', 'MAILCERT_API_TOKEN', 'MAILCERT_KEY_PASSPHRASE']) {
      expect(isSecretVariable(name), name).toBe(true)
    }
  })

  it('is false for the variables that only name where a secret is, and for everything not mailcert\'s', () => {
    for (const name of ['MAILCERT_PASSWORD_FILE', 'MAILCERT_PASSWORD_STDIN', 'MAILCERT_DB_PASSWORD_FILE', 'MAILCERT_PROFILE', 'MAILCERT_THUNDERBIRD_TIMEOUT', 'PASSWORD', 'PGPASSWORD', 'HOME', 'PATH']) {
      expect(isSecretVariable(name), name).toBe(false)
    }
  })
})

describe('childEnvironment', () => {
  it('is the base with the overrides on top, without secrets; undefined removes a variable', () => {
    const base = {PATH: '/bin', HOME: '/home/a', LANG: 'C', MAILCERT_PASSWORD: 'x', MAILCERT_PASSWORD_FILE: '/run/secret'}
    expect(childEnvironment({HOME: '/sandbox', LANG: undefined, MOZ_HEADLESS: '1', MAILCERT_DB_PASSWORD: 'y'}, base)).toEqual({
      PATH: '/bin',
      HOME: '/sandbox',
      MOZ_HEADLESS: '1',
      MAILCERT_PASSWORD_FILE: '/run/secret',
    })
  })
})

describe('the environment of the programs mailcert starts', () => {
  const saved: Record<string, string | undefined> = {}
  beforeEach(() => {
    for (const [name, value] of Object.entries({...SECRETS, MAILCERT_PROFILE: 'kept-profile'})) {
      saved[name] = process.env[name]
      process.env[name] = value
    }
  })
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('holds no secret in a program run to its end (env), even one the caller passed, and everything else', async () => {
    const result = await runProgram('env', [], {env: {EXTRA: 'yes', MAILCERT_DB_PASSWORD: 'passed-explicitly'}})
    expect(result.exitCode).toBe(0)
    const env = parseEnvOutput(result.stdout)
    for (const name of Object.keys(SECRETS)) expect(env[name], name).toBeUndefined()
    expect(result.stdout).not.toContain('passed-explicitly')
    for (const value of SECRET_VALUES) expect(result.stdout).not.toContain(value)
    expect(env).toMatchObject({MAILCERT_PROFILE: 'kept-profile', EXTRA: 'yes', PATH: process.env.PATH, HOME: process.env.HOME})
  })

  it('holds no secret in a background program, nor in what it starts, as /proc/PID/environ shows', async () => {
    // Thunderbird-like: it starts a child of its own (a content process) and keeps running.
    const script = 'const {spawn} = require("child_process"); const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {stdio: "ignore"}); console.log("child " + c.pid); setInterval(() => {}, 1000)'
    const program = await startBackgroundProgram(process.execPath, ['-e', script], {...process.env, MOZ_HEADLESS: '1', MAILCERT_PASSWORD: 'passed-explicitly'})
    try {
      while (!/child \d+/.test(program.output())) {
        if (program.hasExited()) throw new Error(`the background program ended: ${program.output()}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const grandchild = Number(/child (\d+)/.exec(program.output())![1])
      for (const pid of [program.pid, grandchild]) {
        const env = environOf(pid)
        for (const name of Object.keys(SECRETS)) expect(env[name], `${name} in ${pid}`).toBeUndefined()
        const raw = readFileSync(`/proc/${pid}/environ`, 'latin1')
        for (const value of [...SECRET_VALUES, 'passed-explicitly']) expect(raw).not.toContain(value)
        expect(env).toMatchObject({MOZ_HEADLESS: '1', MAILCERT_PROFILE: 'kept-profile'})
      }
    } finally {
      await program.stop(2000)
    }
  })
})
