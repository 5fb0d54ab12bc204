/**
 * The typed-path question through Node's readline, fed as a terminal feeds it: keys arrive in
 * chunks, and a paste brings its Enter in the same chunk as the text.
 */
import {PassThrough} from 'node:stream'

import {describe, expect, it} from 'vitest'

import {askPath, type PathQuestion} from '../../../src/ui/guided/path-prompt.js'

function terminal() {
  const input = new PassThrough()
  const output = new PassThrough()
  let screen = ''
  output.on('data', (chunk: Buffer) => (screen += chunk.toString('utf8')))
  /** Resolves once the screen shows `text`: the prompt has reacted to what was sent before. */
  const shows = async (text: string) => {
    while (!screen.includes(text)) await new Promise((resolve) => setImmediate(resolve))
  }
  return {input, output, shows, screen: () => screen}
}

const accepting: PathQuestion = {message: 'Path of the certificate file:', complete: async () => [], check: async () => null}

describe('askPath', () => {
  it('answers with the pasted text even when its Enter comes in the same chunk', async () => {
    const t = terminal()
    const checked: string[] = []
    const answer = askPath({...accepting, check: async (typed) => (checked.push(typed), null)}, t)
    t.input.write('/home/alice/certs/alice.pfx\r')
    expect(await answer).toBe('/home/alice/certs/alice.pfx')
    expect(checked).toEqual(['/home/alice/certs/alice.pfx'])
  })

  it('says why an answer cannot be used and asks again with the text still there to fix', async () => {
    const t = terminal()
    const answer = askPath({...accepting, check: async (typed) => (typed.endsWith('.pfx') ? null : `${typed} is a folder, not a file.`)}, t)
    t.input.write('/home/alice/certs\r')
    await t.shows('/home/alice/certs is a folder, not a file.')
    t.input.write('/alice.pfx\r')
    expect(await answer).toBe('/home/alice/certs/alice.pfx')
    expect(t.screen()).toContain('Path of the certificate file:')
  })

  it('completes the line with Tab from the candidates for what is typed', async () => {
    const t = terminal()
    const asked: string[] = []
    const complete = async (typed: string) => (asked.push(typed), typed === '~/ce' ? ['~/certs/'] : typed === '~/certs/' ? ['~/certs/alice.pfx'] : [])
    const answer = askPath({...accepting, complete}, t)
    t.input.write('~/ce\t')
    await t.shows('~/certs/')
    t.input.write('\t')
    await t.shows('~/certs/alice.pfx')
    t.input.write('\r')
    expect(await answer).toBe('~/certs/alice.pfx')
    expect(asked).toEqual(['~/ce', '~/certs/'])
  })

  it('is cancelled by Ctrl+C, with the name the commands turn into "Cancelled" (exit 130)', async () => {
    const t = terminal()
    const answer = askPath(accepting, t)
    t.input.write('~/cer\x03')
    await expect(answer).rejects.toMatchObject({name: 'ExitPromptError'})
  })
})
