/**
 * Reading the file a user points mailcert at, with the checks that turn every way it can go wrong
 * into one clear sentence (exit 4) instead of a stack trace or a hang.
 */
import {unreadable} from '../identity/input.js'
import {FileRefused, MiB, readBoundedFile} from './bounded-read.js'
import {handedOverFile} from './hand-over.js'

/** Far larger than any PKCS#12 file (a few KiB): anything bigger is the wrong file. */
export const MAX_INPUT_BYTES = 10 * MiB

export async function readInputFile(path: string): Promise<Buffer> {
  // Read already by the root mailcert that started this one as the user (--user): see hand-over.ts.
  const handedOver = handedOverFile(path)
  if (handedOver !== undefined) return handedOver
  try {
    return await readBoundedFile(path, MAX_INPUT_BYTES)
  } catch (error) {
    if (!(error instanceof FileRefused)) throw error
    switch (error.reason) {
      case 'missing':
        throw unreadable(`There is no file at ${path}.`, ['Check the path; `mailcert` without arguments lists the certificate files it finds.'])
      case 'no-access':
        throw unreadable(`mailcert may not read ${path}.`, ['Check the file\'s permissions.'])
      case 'folder':
        throw unreadable(`${path} is a folder, not a file.`, ['Name the .p12 or .pfx file inside it.'])
      case 'too-large':
        throw unreadable(`${path} is larger than 10 MiB: far too large for a certificate file (they are a few KB).`, [
          'Check that you picked the .p12 or .pfx file your certificate authority gave you.',
        ])
      default:
        throw unreadable(`${error.message.slice(0, -1)}: name the .p12 or .pfx file your certificate authority gave you.`)
    }
  }
}
