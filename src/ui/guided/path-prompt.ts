/**
 * Typing a path, as in a shell: the answer is the line exactly as it was typed or pasted, Tab
 * completes it, and an answer that cannot be used is explained and asked for again with the text
 * still there to fix.
 *
 * Why not @inquirer/prompts' search: its answer is the highlighted suggestion, never the typed text,
 * and the suggestions are looked up asynchronously. A pasted path arrives with its Enter in one read
 * of the terminal, so the Enter is handled before the suggestions for the pasted text exist, and it
 * answers with the first suggestion for the empty line (a folder in the current directory). Node's
 * readline hands over the typed line itself and completes with a completer, so neither can happen.
 */
import {createInterface, type Interface} from 'node:readline'

import {ux} from '@oclif/core'

import {style} from '../style.js'

export interface PathQuestion {
  message: string
  /** Tab's candidates for the text typed so far, each a whole replacement for it. */
  complete(typed: string): Promise<string[]>
  /** Why the answer cannot be used (it is shown, and the question asked again), or null. */
  check(answer: string): Promise<string | null>
}

export interface PromptStreams {
  input: NodeJS.ReadableStream
  output: NodeJS.WritableStream
}

/**
 * Ctrl+C at a prompt. It carries the name @inquirer/prompts gives the same key, which the commands
 * turn into "Cancelled. Nothing was changed." (exit 130).
 */
export class PromptCancelled extends Error {
  constructor() {
    super('The question was cancelled with Ctrl+C.')
    this.name = 'ExitPromptError'
  }
}

export async function askPath(question: PathQuestion, streams: PromptStreams = {input: process.stdin, output: process.stdout}): Promise<string> {
  const rl = createInterface({
    input: streams.input,
    output: streams.output,
    terminal: true,
    historySize: 0,
    // The two-argument form is readline's asynchronous completer: the whole line is what is completed.
    completer: (line: string, callback: (error: Error | null, result: [string[], string]) => void) => {
      question.complete(line).then(
        (candidates) => callback(null, [candidates, line]),
        () => callback(null, [[], line]),
      )
    },
  })
  const prompt = `${ux.colorize('blue', '?')} ${style.heading(question.message)} `
  try {
    let previous = ''
    for (;;) {
      const answer = await readLine(rl, prompt, previous, streams.output)
      const problem = await question.check(answer)
      if (problem === null) return answer
      streams.output.write(`${style.bad('✖')} ${problem}\n`)
      previous = answer
    }
  } finally {
    rl.close()
  }
}

/** One line, with `prefill` already typed; Ctrl+C, or Ctrl+D on an empty line, cancels. */
function readLine(rl: Interface, prompt: string, prefill: string, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const settle = (finish: () => void) => {
      rl.off('line', onLine)
      rl.off('SIGINT', onCancel)
      rl.off('close', onCancel)
      finish()
    }
    const onLine = (line: string) => settle(() => resolve(line))
    const onCancel = () =>
      settle(() => {
        output.write('\n')
        reject(new PromptCancelled())
      })
    rl.on('line', onLine)
    rl.on('SIGINT', onCancel)
    rl.on('close', onCancel)
    rl.setPrompt(prompt)
    rl.prompt()
    if (prefill) rl.write(prefill)
  })
}
