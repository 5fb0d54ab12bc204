/**
 * What a mailcert running as root (`--user NAME`) hands to the mailcert it starts as that user:
 * the files named on the command line (the .p12, password files, which may be readable only by
 * root), the password piped to --password-stdin, and the secret variables (MAILCERT_PASSWORD, …).
 * All of it goes as one JSON frame through a pipe (never the child's arguments or environment, which
 * other processes can read in /proc), and the child answers its own reads from it: the same command
 * line then means the same thing on both sides of the switch.
 *
 * Why the bytes and not a copy in a temporary file owned by the user: nothing is written, so nothing
 * can be left behind by a killed run, and no file holding a secret ever belongs to someone else.
 */
import {BugError} from '../errors.js'
import {KiB, MiB} from './bounded-read.js'
import {isSecretVariable} from './child-environment.js'

/** The non-secret variable that tells the child where the frame is: a file descriptor number. */
export const HAND_OVER_VARIABLE = 'MAILCERT_SECRETS_FD'

/** Room for the largest input file (10 MiB) in base64, the password files and variables. */
const MAX_FRAME_BYTES = 16 * MiB

export interface HandOver {
  /** Input files by the path exactly as the command line gave it, base64. */
  files: Record<string, string>
  /** Secret files (--password-file and the like) by path, as read (one trailing newline already taken off). */
  secretFiles: Record<string, string>
  /** What --password-stdin read. */
  stdin?: string
  /** MAILCERT_PASSWORD and the other secret variables. */
  variables: Record<string, string>
}

export function encodeHandOver(handOver: HandOver): Buffer {
  return Buffer.from(JSON.stringify(handOver), 'utf8')
}

const isStringMap = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((entry) => typeof entry === 'string')

export function decodeHandOver(bytes: Buffer): HandOver {
  let parsed: Partial<HandOver>
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as Partial<HandOver>
  } catch {
    throw new BugError('the hand-over from the mailcert that started this one is not JSON')
  }
  const {files, secretFiles, stdin, variables} = parsed
  if (!isStringMap(files) || !isStringMap(secretFiles) || !isStringMap(variables) || (stdin !== undefined && typeof stdin !== 'string')) {
    throw new BugError('the hand-over from the mailcert that started this one is not what it should be')
  }
  // Only secrets may come this way: anything else would be a variable smuggled past the environment the parent built.
  const others = Object.keys(variables).filter((name) => !isSecretVariable(name))
  if (others.length > 0) throw new BugError(`the hand-over sets variables that are not secrets: ${others.join(', ')}`)
  return {files, secretFiles, stdin, variables}
}

let received: HandOver | null = null

/** The bytes the parent read for this input file, or undefined (then the file is read here). */
export function handedOverFile(path: string): Buffer | undefined {
  const base64 = received?.files[path]
  return base64 === undefined ? undefined : Buffer.from(base64, 'base64')
}

export function handedOverSecretFile(path: string): string | undefined {
  return received?.secretFiles[path]
}

export function handedOverStdin(): string | undefined {
  return received?.stdin
}

async function readAll(fd: number): Promise<Buffer> {
  const {createReadStream} = await import('node:fs')
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of createReadStream('', {fd, autoClose: true, highWaterMark: 64 * KiB})) {
    total += (chunk as Buffer).length
    if (total > MAX_FRAME_BYTES) throw new BugError('the hand-over from the mailcert that started this one is too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * In the child: read the frame, if this mailcert was started with one, and keep it for the reads
 * above. The secret variables go into this process's own variables, where mailcert already looks for
 * them: that is memory of this process (the kernel's copy in /proc/PID/environ is the environment it
 * was started with, which has none), and childEnvironment keeps them from every program it starts.
 */
export async function receiveHandOver(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const fd = env[HAND_OVER_VARIABLE]
  if (fd === undefined) return false
  delete env[HAND_OVER_VARIABLE]
  if (!/^\d+$/.test(fd)) throw new BugError(`${HAND_OVER_VARIABLE} is not a file descriptor: ${fd}`)
  received = decodeHandOver(await readAll(Number(fd)))
  for (const [name, value] of Object.entries(received.variables)) env[name] = value
  return true
}
