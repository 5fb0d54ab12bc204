/**
 * kernel32.dll: the thread's last error and its message (so that every failed call names itself and
 * Windows' own words), and the list of running programs (to refuse while OUTLOOK.EXE runs).
 * koffi keeps the last error of each call it makes apart from Node's own, so `lastError()` right
 * after a call is that call's.
 */
import {type Koffi, koffi, library} from './koffi.js'
import {win32Failure} from './win32-error.js'

interface Kernel32 {
  GetLastError(): number
  FormatMessageW(flags: number, source: null, messageId: number, languageId: number, buffer: Uint16Array, size: number, args: null): number
  CreateToolhelp32Snapshot(flags: number, processId: number): unknown
  Process32FirstW(snapshot: unknown, entry: Record<string, unknown>): boolean
  Process32NextW(snapshot: unknown, entry: Record<string, unknown>): boolean
  CloseHandle(handle: unknown): boolean
}

let bound: Kernel32 | undefined

function bind(ffi: Koffi): Kernel32 {
  const lib = library('kernel32.dll')
  // Declared by name for the prototypes below.
  ffi.struct('PROCESSENTRY32W', {
    dwSize: 'uint32',
    cntUsage: 'uint32',
    th32ProcessID: 'uint32',
    th32DefaultHeapID: 'uintptr',
    th32ModuleID: 'uint32',
    cntThreads: 'uint32',
    th32ParentProcessID: 'uint32',
    pcPriClassBase: 'int32',
    dwFlags: 'uint32',
    szExeFile: ffi.array('char16_t', 260, 'String'),
  })
  return {
    GetLastError: lib.func('uint32 __stdcall GetLastError()'),
    FormatMessageW: lib.func('uint32 __stdcall FormatMessageW(uint32 dwFlags, void *lpSource, uint32 dwMessageId, uint32 dwLanguageId, _Out_ uint16 *lpBuffer, uint32 nSize, void *Arguments)'),
    CreateToolhelp32Snapshot: lib.func('void * __stdcall CreateToolhelp32Snapshot(uint32 dwFlags, uint32 th32ProcessID)'),
    Process32FirstW: lib.func('bool __stdcall Process32FirstW(void *hSnapshot, _Inout_ PROCESSENTRY32W *lppe)'),
    Process32NextW: lib.func('bool __stdcall Process32NextW(void *hSnapshot, _Inout_ PROCESSENTRY32W *lppe)'),
    CloseHandle: lib.func('bool __stdcall CloseHandle(void *hObject)'),
  }
}

export function kernel32(): Kernel32 {
  bound ??= bind(koffi())
  return bound
}

export function lastError(): number {
  return kernel32().GetLastError()
}

const FORMAT_MESSAGE_FROM_SYSTEM = 0x1000
const FORMAT_MESSAGE_IGNORE_INSERTS = 0x200

/** Windows' own sentence for an error code (a Win32 error or an HRESULT), or null when it has none. */
export function systemMessage(code: number): string | null {
  const buffer = new Uint16Array(512)
  const length = kernel32().FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, null, code >>> 0, 0, buffer, buffer.length, null)
  if (length === 0) return null
  return Buffer.from(buffer.buffer, 0, length * 2).toString('utf16le').trim().replace(/\.$/, '') || null
}

const TH32CS_SNAPPROCESS = 0x2
/** (HANDLE)-1, as an address. */
const INVALID_HANDLE_VALUE = 0xffffffffffffffffn

/** The executable names (`OUTLOOK.EXE`) and ids of the processes running now, as the process snapshot lists them. */
export function runningProcesses(): Array<{pid: number; exe: string}> {
  const api = kernel32()
  const snapshot = api.CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0)
  if (!snapshot || koffi().address(snapshot) === INVALID_HANDLE_VALUE) {
    throw win32Failure('CreateToolhelp32Snapshot')
  }
  try {
    const found: Array<{pid: number; exe: string}> = []
    // dwSize must be set to the structure's size before the first call.
    const entry: Record<string, unknown> = {dwSize: koffi().sizeof('PROCESSENTRY32W')}
    let more = api.Process32FirstW(snapshot, entry)
    while (more) {
      found.push({pid: entry.th32ProcessID as number, exe: entry.szExeFile as string})
      more = api.Process32NextW(snapshot, entry)
    }
    return found
  } finally {
    api.CloseHandle(snapshot)
  }
}
