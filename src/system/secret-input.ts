/**
 * Passwords from files and standard input, for scripts. A password never comes from a command-line
 * flag (it would show in the process list), and one trailing newline is not part of it: that is
 * what `echo` and editors add. Both sources are read only up to a limit far above any real
 * password, so that `/dev/zero` or a wrong file ends in a clear usage error (exit 2) at once.
 */
import {UsageError} from '../errors.js'
import {FileRefused, formatSize, KiB, readBoundedFile} from './bounded-read.js'
import {handedOverSecretFile, handedOverStdin} from './hand-over.js'

/** Far longer than any password or passphrase; anything longer is the wrong input. */
export const MAX_PASSWORD_BYTES = 64 * KiB

/** The flag that reads the same password from standard input, where there is one. */
const STDIN_INSTEAD: Record<string, string> = {'--password-file': '--password-stdin'}

export function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  if (text.endsWith('\n')) return text.slice(0, -1)
  return text
}

export async function readSecretFile(path: string, flag: string): Promise<string> {
  // Read already by the root mailcert that started this one as the user (--user): see hand-over.ts.
  const handedOver = handedOverSecretFile(path)
  if (handedOver !== undefined) return handedOver
  try {
    return stripOneNewline((await readBoundedFile(path, MAX_PASSWORD_BYTES)).toString('utf8'))
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error
    const what = error.reason === 'too-large' ? `${error.what}, far too long for a password` : error.what
    // A pipe (`<(command)`) or a device may never end; the stdin flag reads a pipe, with a limit.
    const stdinFlag = STDIN_INSTEAD[flag]
    const instead = error.reason === 'not-regular' && stdinFlag ? `, or pipe the password in with ${stdinFlag}` : ''
    throw new UsageError(`The file given to ${flag}, ${path}, ${what}: give ${flag} a file that holds only the password${instead}.`, [], 'password-file-unreadable')
  }
}

export async function readSecretFromStdin(flag: string, stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  const handedOver = handedOverStdin()
  if (handedOver !== undefined) return handedOver
  if (stdin.isTTY) {
    throw new UsageError(`${flag} reads the password from a pipe, but standard input is a terminal.`, [
      `Pipe it in (for example \`printf '%s' "$PW" | mailcert … ${flag}\`), or leave out ${flag} to be asked.`,
    ])
  }
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of stdin) {
    const bytes = Buffer.from(chunk as Buffer)
    total += bytes.length
    if (total > MAX_PASSWORD_BYTES) {
      // Stop reading: the rest may never end (`</dev/zero`).
      stdin.destroy()
      throw new UsageError(
        `More than ${formatSize(MAX_PASSWORD_BYTES)} came in on standard input for ${flag}, so it is not a password: pipe in only the password (for example \`printf '%s' "$PW" | mailcert … ${flag}\`).`,
        [],
        'password-stdin-too-long',
      )
    }
    chunks.push(bytes)
  }
  return stripOneNewline(Buffer.concat(chunks).toString('utf8'))
}
