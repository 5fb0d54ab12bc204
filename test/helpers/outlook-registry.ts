/** What the Outlook tests under Wine write and read in the registry as Outlook would (test/windows/). */
import {reg, type WindowsUser} from './windows.js'

/** A PE header for x64 (IMAGE_FILE_MACHINE_AMD64), which is all mailcert reads of OUTLOOK.EXE. */
export function pe64(): Buffer {
  const bytes = Buffer.alloc(512)
  bytes.write('MZ', 0, 'latin1')
  bytes.writeUInt32LE(0x80, 0x3c)
  bytes.write('PE\0\0', 0x80, 'latin1')
  bytes.writeUInt16LE(0x8664, 0x84)
  return bytes
}

/** A text as Outlook writes it into a REG_BINARY value (UTF-16LE with its NUL), in reg.exe's hex. */
export const utf16 = (text: string) => Buffer.from(`${text}\0`, 'utf16le').toString('hex')

/** A REG_BINARY value as lowercase hex, as `reg query` shows it; null when it is not there. */
export async function queryHex(user: WindowsUser, key: string, name: string): Promise<string | null> {
  const run = await reg(user, ['query', key, '/v', name])
  if (run.code !== 0) return null
  const match = /REG_BINARY\s+([0-9A-Fa-f]*)/.exec(run.stdout)
  return match ? match[1]!.toLowerCase() : null
}
