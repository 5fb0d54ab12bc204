/**
 * The Windows registry, as mailcert reads and writes it: whole values (type and bytes) under
 * HKCU or HKLM, each call checked. A key or value that is not there is `null` (or `false`), never an
 * error; every other failure is a Win32Error that names the call and the key, so that IT staff can
 * see which key a policy locks.
 */
import {
  ERROR_FILE_NOT_FOUND, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE,
  KEY_QUERY_VALUE, KEY_READ, KEY_SET_VALUE, KEY_WOW64_32KEY, KEY_WOW64_64KEY, REG_BINARY, REG_DWORD, REG_EXPAND_SZ,
  REG_MULTI_SZ, REG_NONE, REG_OPTION_NON_VOLATILE, REG_QWORD, REG_SZ, type RegistryKeyHandle, registryApi,
} from './advapi32.js'
import {Win32Error} from './win32-error.js'

export type RegistryRoot = 'HKCU' | 'HKLM'
export type RegistryType = 'REG_SZ' | 'REG_EXPAND_SZ' | 'REG_BINARY' | 'REG_DWORD' | 'REG_QWORD' | 'REG_MULTI_SZ' | 'REG_NONE'
export interface RegistryValue { name: string; type: RegistryType; data: Buffer }
export interface RegistryOptions { /** HKLM views on 64-bit Windows: 64 (default) or 32 (WOW6432Node). */ view?: 32 | 64 }

const TYPE_CODES: Record<RegistryType, number> = {
  REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_QWORD, REG_MULTI_SZ,
}

/**
 * The type's name; the types mailcert never meets (REG_LINK, REG_DWORD_BIG_ENDIAN, the resource
 * lists) read as REG_NONE, bytes kept.
 */
function typeName(code: number): RegistryType {
  for (const [name, value] of Object.entries(TYPE_CODES)) if (value === code) return name as RegistryType
  return 'REG_NONE'
}

function rootHandle(root: RegistryRoot): RegistryKeyHandle {
  return root === 'HKCU' ? HKEY_CURRENT_USER : HKEY_LOCAL_MACHINE
}

function viewFlag(options: RegistryOptions | undefined): number {
  return options?.view === 32 ? KEY_WOW64_32KEY : KEY_WOW64_64KEY
}

/** `RegOpenKeyExW(HKCU\Software\Microsoft\Office)`: the call and the key it was about. */
function failure(call: string, root: RegistryRoot, key: string, status: number, name?: string): Win32Error {
  const where = `${root}\\${key}${name === undefined ? '' : ` value "${name}"`}`
  return new Win32Error(`${call}(${where})`, status)
}

/** The open key, or null when it does not exist. */
function openKey(root: RegistryRoot, key: string, access: number, options?: RegistryOptions): RegistryKeyHandle | null {
  const result: [RegistryKeyHandle | null] = [null]
  const status = registryApi().RegOpenKeyExW(rootHandle(root), key, 0, access | viewFlag(options), result)
  if (status === ERROR_FILE_NOT_FOUND) return null
  if (status !== ERROR_SUCCESS || result[0] === null) throw failure('RegOpenKeyExW', root, key, status)
  return result[0]
}

function withKey<T>(root: RegistryRoot, key: string, access: number, options: RegistryOptions | undefined, use: (handle: RegistryKeyHandle) => T): T | null {
  const handle = openKey(root, key, access, options)
  if (handle === null) return null
  try {
    return use(handle)
  } finally {
    registryApi().RegCloseKey(handle)
  }
}

interface KeyInfo { subKeys: number; maxSubKeyLength: number; values: number; maxValueNameLength: number; maxValueLength: number }

function keyInfo(handle: RegistryKeyHandle, root: RegistryRoot, key: string): KeyInfo {
  const subKeys: [number] = [0]
  const maxSubKeyLength: [number] = [0]
  const values: [number] = [0]
  const maxValueNameLength: [number] = [0]
  const maxValueLength: [number] = [0]
  const status = registryApi().RegQueryInfoKeyW(handle, null, null, null, subKeys, maxSubKeyLength, null, values, maxValueNameLength, maxValueLength, null, null)
  if (status !== ERROR_SUCCESS) throw failure('RegQueryInfoKeyW', root, key, status)
  return {subKeys: subKeys[0], maxSubKeyLength: maxSubKeyLength[0], values: values[0], maxValueNameLength: maxValueNameLength[0], maxValueLength: maxValueLength[0]}
}

function utf16(buffer: Uint16Array, length: number): string {
  return Buffer.from(buffer.buffer, buffer.byteOffset, length * 2).toString('utf16le')
}

/** Subkey names, or null when the key does not exist. */
export function readSubkeys(root: RegistryRoot, key: string, options?: RegistryOptions): string[] | null {
  return withKey(root, key, KEY_READ, options, (handle) => {
    const api = registryApi()
    let info = keyInfo(handle, root, key)
    const names: string[] = []
    for (let index = 0; ; ) {
      // Lengths are in characters without the NUL; a key added meanwhile may be longer, hence the retry.
      const name = new Uint16Array(info.maxSubKeyLength + 1)
      const length: [number] = [name.length]
      const status = api.RegEnumKeyExW(handle, index, name, length, null, null, null, null)
      if (status === ERROR_NO_MORE_ITEMS) return names
      if (status === ERROR_MORE_DATA) {
        info = keyInfo(handle, root, key)
        info.maxSubKeyLength = Math.max(info.maxSubKeyLength, name.length * 2)
        continue
      }
      if (status !== ERROR_SUCCESS) throw failure('RegEnumKeyExW', root, key, status)
      names.push(utf16(name, length[0]))
      index++
    }
  })
}

/** All values of a key, or null when the key does not exist. */
export function readValues(root: RegistryRoot, key: string, options?: RegistryOptions): RegistryValue[] | null {
  return withKey(root, key, KEY_READ, options, (handle) => {
    const api = registryApi()
    let info = keyInfo(handle, root, key)
    const values: RegistryValue[] = []
    for (let index = 0; ; ) {
      const name = new Uint16Array(info.maxValueNameLength + 1)
      const nameLength: [number] = [name.length]
      const data = Buffer.alloc(Math.max(info.maxValueLength, 1))
      const size: [number] = [data.length]
      const type: [number] = [0]
      const status = api.RegEnumValueW(handle, index, name, nameLength, null, type, data, size)
      if (status === ERROR_NO_MORE_ITEMS) return values
      if (status === ERROR_MORE_DATA) {
        // A value was written meanwhile: ask again how large the largest ones are.
        const again = keyInfo(handle, root, key)
        info = {
          ...again,
          maxValueNameLength: Math.max(again.maxValueNameLength, name.length * 2),
          maxValueLength: Math.max(again.maxValueLength, data.length * 2),
        }
        continue
      }
      if (status !== ERROR_SUCCESS) throw failure('RegEnumValueW', root, key, status)
      values.push({name: utf16(name, nameLength[0]), type: typeName(type[0]), data: Buffer.from(data.subarray(0, size[0]))})
      index++
    }
  })
}

/** One value, or null when the key or the value does not exist. */
export function readValue(root: RegistryRoot, key: string, name: string, options?: RegistryOptions): RegistryValue | null {
  return withKey(root, key, KEY_QUERY_VALUE, options, (handle) => {
    const api = registryApi()
    let capacity = 256
    for (;;) {
      const data = Buffer.alloc(capacity)
      const size: [number] = [data.length]
      const type: [number] = [0]
      const status = api.RegQueryValueExW(handle, name, null, type, data, size)
      if (status === ERROR_FILE_NOT_FOUND) return null
      if (status === ERROR_MORE_DATA) {
        // size holds the value's length now; it may still grow before the next call.
        capacity = Math.max(size[0], capacity * 2)
        continue
      }
      if (status !== ERROR_SUCCESS) throw failure('RegQueryValueExW', root, key, status, name)
      return {name, type: typeName(type[0]), data: Buffer.from(data.subarray(0, size[0]))}
    }
  })
}

/** Creates the key (and its parents) when missing. */
export function writeValue(root: RegistryRoot, key: string, value: RegistryValue): void {
  const api = registryApi()
  const result: [RegistryKeyHandle | null] = [null]
  const disposition: [number] = [0]
  const created = api.RegCreateKeyExW(rootHandle(root), key, 0, null, REG_OPTION_NON_VOLATILE, KEY_SET_VALUE | KEY_WOW64_64KEY, null, result, disposition)
  if (created !== ERROR_SUCCESS || result[0] === null) throw failure('RegCreateKeyExW', root, key, created)
  const handle = result[0]
  try {
    const status = api.RegSetValueExW(handle, value.name, 0, TYPE_CODES[value.type], value.data, value.data.length)
    if (status !== ERROR_SUCCESS) throw failure('RegSetValueExW', root, key, status, value.name)
  } finally {
    api.RegCloseKey(handle)
  }
}

/** False when it was not there. */
export function deleteValue(root: RegistryRoot, key: string, name: string): boolean {
  const deleted = withKey(root, key, KEY_SET_VALUE, undefined, (handle) => {
    const status = registryApi().RegDeleteValueW(handle, name)
    if (status === ERROR_FILE_NOT_FOUND) return false
    if (status !== ERROR_SUCCESS) throw failure('RegDeleteValueW', root, key, status, name)
    return true
  })
  return deleted ?? false
}

/** NUL and the C0 controls other than tab, line feed and carriage return. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return true
  }
  return false
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** A REG_SZ/REG_EXPAND_SZ, or a REG_BINARY holding UTF-16LE text (Outlook writes both), without trailing NULs; null otherwise. */
export function textOf(value: RegistryValue | null): string | null {
  if (!value) return null
  if (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') {
    return value.data.subarray(0, value.data.length - (value.data.length % 2)).toString('utf16le').replace(/\0+$/, '')
  }
  if (value.type !== 'REG_BINARY' || value.data.length % 2 !== 0) return null
  const text = value.data.toString('utf16le').replace(/\0+$/, '')
  // Binary that is not text: NULs inside, control characters, or halves of surrogate pairs.
  if (hasControlCharacter(text) || LONE_SURROGATE.test(text)) return null
  return text
}
