/**
 * Passwords from files and standard input, for scripts. A password never comes from a command-line
 * flag (it would show in the process list), and one trailing newline is not part of it: that is
 * what `echo` and editors add.
 */
import {readFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'

export function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  if (text.endsWith('\n')) return text.slice(0, -1)
  return text
}

export async function readSecretFile(path: string, flag: string): Promise<string> {
  try {
    return stripOneNewline(await readFile(path, 'utf8'))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`The file given to ${flag} cannot be read (${code === 'ENOENT' ? 'it does not exist' : code ?? 'error'}): ${path}`)
  }
}

export async function readSecretFromStdin(flag: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) {
    throw new UsageError(`${flag} reads the password from a pipe, but standard input is a terminal.`, [
      `Pipe it in (for example \`printf '%s' "$PW" | mailcert … ${flag}\`), or leave out ${flag} to be asked.`,
    ])
  }
  const chunks: Buffer[] = []
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk))
  return stripOneNewline(Buffer.concat(chunks).toString('utf8'))
}
