/**
 * The edges of the CLI, through bin/run.js as a person or a script meets them: the root help says
 * what plain `mailcert` does, and an unknown command is a usage error (exit 2) that suggests the
 * command meant, with and without a terminal.
 */
import {afterEach, describe, expect, it} from 'vitest'

import {runCli, sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'

let terminal: Terminal | undefined
afterEach(() => terminal?.close())

/** oclif wraps an error's lines and starts each with " ›": read it as one sentence. */
const unwrapped = (text: string) => text.replace(/\s*\n\s*›\s+/g, ' ')

describe('mailcert --help', () => {
  it('says that mailcert on its own starts the guided installer', async () => {
    for (const args of [['--help'], ['help']]) {
      const result = await runCli(args, {env: {HOME: sandboxHome()}})
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/^Install an S\/MIME certificate and set up your mail clients to sign and encrypt with it\n/)
      expect(result.stdout.replace(/\s+/g, ' ')).toContain('Type `mailcert` on its own to be guided: it finds your certificate file')
      expect(result.stdout).toMatch(/COMMANDS\n/)
    }
  })
})

describe('an unknown command', () => {
  it('without a terminal: exit 2, and the error names the command meant', async () => {
    const result = await runCli(['instal', 'alice.p12'], {env: {HOME: sandboxHome()}})
    expect(result.code).toBe(2)
    expect(unwrapped(result.stderr)).toContain('instal is not a mailcert command. Did you mean mailcert install? Run mailcert help for a list of available commands.')
  })

  it('without a terminal, far from every command: exit 2 and no guess', async () => {
    const result = await runCli(['xyzzy'], {env: {HOME: sandboxHome()}})
    expect(result.code).toBe(2)
    expect(unwrapped(result.stderr)).toContain('xyzzy is not a mailcert command. Run mailcert help for a list of available commands.')
    expect(result.stderr).not.toContain('Did you mean')
  })

  it('at a terminal: asks "Did you mean install?" and exits 2 on no', async () => {
    terminal = Terminal.start(['instal'], {HOME: sandboxHome()})
    await terminal.waitFor('instal is not a mailcert command.')
    await terminal.waitFor('Did you mean install?')
    terminal.type('n')
    terminal.press('Enter')
    expect(await terminal.exitCode()).toBe(2)
    expect(terminal.screen()).toContain('Run mailcert help for a list of available commands.')
  })

  it('at a terminal: runs the command meant on yes', async () => {
    terminal = Terminal.start(['hepl'], {HOME: sandboxHome()})
    await terminal.waitFor('Did you mean help?')
    terminal.type('y')
    terminal.press('Enter')
    expect(await terminal.exitCode()).toBe(0)
    expect(terminal.screen()).toContain('Type `mailcert` on its own to be guided')
  })
})
