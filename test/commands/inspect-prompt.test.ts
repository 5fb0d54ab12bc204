import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {FIXTURES} from '../helpers/fixtures.js'
import {sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'

const p12 = join(FIXTURES, 'p12', 'mailbox-rsa.p12')
let terminal: Terminal | undefined

afterEach(() => terminal?.close())

describe('the password prompt at a terminal', () => {
  it('masks what is typed, says "wrong password" plainly, and takes the right one on a later try', async () => {
    terminal = Terminal.start(['inspect', p12], {HOME: sandboxHome()})
    await terminal.waitFor('Password for mailbox-rsa.p12:')
    terminal.type('Guess-One')
    terminal.press('Enter')
    await terminal.waitFor('Wrong password. Try again (2 of 3):')
    terminal.type('test')
    terminal.press('Enter')
    const screen = await terminal.waitFor('Ready for S/MIME.')
    expect(screen).not.toContain('Guess-One')
    expect(screen).toContain('*********')
    expect(await terminal.exitCode()).toBe(0)
  })

  it('gives up after three wrong passwords with exit 3', async () => {
    terminal = Terminal.start(['inspect', p12], {HOME: sandboxHome()})
    for (const attempt of ['one', 'two', 'three']) {
      await terminal.waitFor(attempt === 'one' ? 'Password for' : `(${attempt === 'two' ? 2 : 3} of 3)`)
      terminal.type(`wrong-${attempt}`)
      terminal.press('Enter')
    }
    const screen = await terminal.waitFor('The password is wrong.')
    expect(screen).not.toMatch(/wrong-(one|two|three)/)
    expect(await terminal.exitCode()).toBe(3)
  })

  it('leaves quietly on Ctrl+C', async () => {
    terminal = Terminal.start(['inspect', p12], {HOME: sandboxHome()})
    await terminal.waitFor('Password for')
    terminal.press('C-c')
    await terminal.waitFor('Cancelled.')
    expect(await terminal.exitCode()).toBe(130)
  })
})
