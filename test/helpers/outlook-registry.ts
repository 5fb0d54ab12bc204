/** What the Outlook tests under Wine write and read as Outlook and Windows would (test/windows/). */
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {expect} from 'vitest'

import {reg, runWindowsNode, windowsPath, type WindowsUser} from './windows.js'

export const UNDER_WINE = process.platform !== 'win32'
export const PROFILE = 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook'
/** The profile's accounts, one subkey per account. */
export const ACCOUNTS = `${PROFILE}\\9375CFF0413111d3B88A00104B2A6676`
/** Where the 11020355 security settings live. */
export const SECURITY = `${PROFILE}\\c02ebc5353d9cd11975200aa004ae40e`
export const APP_PATHS = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE'

const PROBE = join(import.meta.dirname, '..', 'stores', 'windows', 'store-probe.cjs')

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

/**
 * A 64-bit OUTLOOK.EXE where Click-to-Run puts it (under Wine; in `scratch` on real Windows), and the
 * reg.exe commands that make it installed (App Paths) with "Outlook" as the default profile.
 */
export async function fakeOutlookInstallation(user: WindowsUser, scratch: string): Promise<string[][]> {
  const exeDir = UNDER_WINE ? join(user.prefix!, 'drive_c', 'Program Files', 'Microsoft Office', 'root', 'Office16') : join(scratch, 'Office16')
  await mkdir(exeDir, {recursive: true})
  await writeFile(join(exeDir, 'OUTLOOK.EXE'), pe64())
  const exe = UNDER_WINE ? 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE' : join(exeDir, 'OUTLOOK.EXE')
  return [
    ['add', APP_PATHS, '/ve', '/t', 'REG_SZ', '/d', exe, '/f'],
    ['add', 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook', '/v', 'DefaultProfile', '/t', 'REG_SZ', '/d', 'Outlook', '/f'],
  ]
}

/** A REG_BINARY value as lowercase hex, as `reg query` shows it; null when it is not there. */
export async function queryHex(user: WindowsUser, key: string, name: string): Promise<string | null> {
  const run = await reg(user, ['query', key, '/v', name])
  if (run.code !== 0) return null
  const match = /REG_BINARY\s+([0-9A-Fa-f]*)/.exec(run.stdout)
  return match ? match[1]!.toLowerCase() : null
}

/** The user's My, CA, Root and AddressBook as an independent probe (koffi directly, none of mailcert's code) sees them, in a new process. */
export async function probeStores(user: WindowsUser, scratch: string): Promise<Record<string, Array<{thumbprint: string}>>> {
  const out = join(scratch, 'probe.json')
  const run = await runWindowsNode(user, PROBE, [windowsPath(out)])
  expect(run.code, run.stderr).toBe(0)
  const probe = JSON.parse(await readFile(out, 'utf8')) as {stores: Record<string, Array<{thumbprint: string}>>; error?: string}
  expect(probe.error).toBeUndefined()
  return probe.stores
}
