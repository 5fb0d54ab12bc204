/**
 * Reading the file a user points mailcert at, with the checks that turn every way it can go wrong
 * into one clear sentence (exit 4) instead of a stack trace or a hang.
 */
import {open, stat} from 'node:fs/promises'

import {ExitCode, UserError} from '../errors.js'

/** Far larger than any PKCS#12 file (a few KiB): anything bigger is the wrong file. */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024

function unreadable(message: string, hints: string[] = []): UserError {
  return new UserError(message, {code: 'not-pkcs12', exitCode: ExitCode.unreadableInput, hints})
}

export async function readInputFile(path: string): Promise<Buffer> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw unreadable(`There is no file at ${path}.`, ['Check the path; `mailcert` without arguments lists the certificate files it finds.'])
    if (code === 'EACCES') throw unreadable(`mailcert may not read ${path}.`, ['Check the file\'s permissions.'])
    throw unreadable(`${path} cannot be read (${code ?? 'unknown error'}).`)
  }
  if (info.isDirectory()) throw unreadable(`${path} is a folder, not a file.`, ['Name the .p12 or .pfx file inside it.'])
  if (!info.isFile()) throw unreadable(`${path} is not a regular file.`)
  if (info.size > MAX_INPUT_BYTES) {
    throw unreadable(`${path} is ${(info.size / 1024 / 1024).toFixed(1)} MB: far too large for a certificate file (they are a few KB).`, [
      'Check that you picked the .p12 or .pfx file your certificate authority gave you.',
    ])
  }

  // Read through one handle, and never more than the limit, in case the file grows meanwhile.
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    throw unreadable(`${path} cannot be read (${error.code ?? error.message}).`)
  })
  try {
    const buffer = Buffer.alloc(Math.min(info.size, MAX_INPUT_BYTES) + 1)
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, 0)
    if (bytesRead > MAX_INPUT_BYTES) throw unreadable(`${path} is too large for a certificate file.`)
    return buffer.subarray(0, bytesRead)
  } finally {
    await handle.close()
  }
}
