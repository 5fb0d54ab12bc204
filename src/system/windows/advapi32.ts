/**
 * advapi32.dll: the functions mailcert calls through koffi, one section per part of the API.
 */
import {type Koffi, koffi, library} from './koffi.js'
import {win32Failure} from './win32-error.js'

// ---- registry
//
// Keys are handles (HKEY); they are declared as pointer-sized integers, because the predefined
// roots are small negative constants (HKEY_CURRENT_USER is (HKEY)(LONG)0x80000001, sign-extended to
// the pointer's width), not addresses. The registry functions return their error code (LSTATUS)
// instead of setting the thread's last error.

/** An open key, or a predefined root. */
export type RegistryKeyHandle = number | bigint

export const HKEY_CURRENT_USER: RegistryKeyHandle = -0x7fffffff
export const HKEY_LOCAL_MACHINE: RegistryKeyHandle = -0x7ffffffe

export const ERROR_SUCCESS = 0
export const ERROR_FILE_NOT_FOUND = 2
export const ERROR_MORE_DATA = 234
export const ERROR_NO_MORE_ITEMS = 259

export const KEY_QUERY_VALUE = 0x0001
export const KEY_SET_VALUE = 0x0002
export const KEY_ENUMERATE_SUB_KEYS = 0x0008
export const KEY_READ = 0x20019
/** The 64-bit view of HKLM\SOFTWARE (what a 64-bit program sees), whatever the caller's bitness. */
export const KEY_WOW64_64KEY = 0x0100
/** The 32-bit view (HKLM\SOFTWARE\WOW6432Node): what a 32-bit program sees. */
export const KEY_WOW64_32KEY = 0x0200

export const REG_OPTION_NON_VOLATILE = 0

export const REG_NONE = 0
export const REG_SZ = 1
export const REG_EXPAND_SZ = 2
export const REG_BINARY = 3
export const REG_DWORD = 4
export const REG_MULTI_SZ = 7
export const REG_QWORD = 11

interface Registry {
  RegOpenKeyExW(key: RegistryKeyHandle, subKey: string, options: number, desired: number, result: [RegistryKeyHandle | null]): number
  RegCreateKeyExW(key: RegistryKeyHandle, subKey: string, reserved: number, keyClass: null, options: number, desired: number, security: null, result: [RegistryKeyHandle | null], disposition: [number]): number
  RegQueryValueExW(key: RegistryKeyHandle, name: string | null, reserved: null, type: [number], data: Buffer | null, size: [number]): number
  RegEnumKeyExW(key: RegistryKeyHandle, index: number, name: Uint16Array, nameLength: [number], reserved: null, keyClass: null, classLength: null, lastWrite: null): number
  RegEnumValueW(key: RegistryKeyHandle, index: number, name: Uint16Array, nameLength: [number], reserved: null, type: [number], data: Buffer | null, size: [number]): number
  RegQueryInfoKeyW(
    key: RegistryKeyHandle, keyClass: null, classLength: null, reserved: null, subKeys: [number], maxSubKeyLength: [number], maxClassLength: null,
    values: [number], maxValueNameLength: [number], maxValueLength: [number], securityDescriptor: null, lastWrite: null,
  ): number
  RegSetValueExW(key: RegistryKeyHandle, name: string | null, reserved: number, type: number, data: Buffer, size: number): number
  RegDeleteValueW(key: RegistryKeyHandle, name: string | null): number
  RegCloseKey(key: RegistryKeyHandle): number
}

let registryBound: Registry | undefined

function bindRegistry(_ffi: Koffi): Registry {
  const lib = library('advapi32.dll')
  return {
    RegOpenKeyExW: lib.func('int32 __stdcall RegOpenKeyExW(intptr hKey, const char16_t *lpSubKey, uint32 ulOptions, uint32 samDesired, _Out_ intptr *phkResult)'),
    RegCreateKeyExW: lib.func('int32 __stdcall RegCreateKeyExW(intptr hKey, const char16_t *lpSubKey, uint32 Reserved, char16_t *lpClass, uint32 dwOptions, uint32 samDesired, void *lpSecurityAttributes, _Out_ intptr *phkResult, _Out_ uint32 *lpdwDisposition)'),
    RegQueryValueExW: lib.func('int32 __stdcall RegQueryValueExW(intptr hKey, const char16_t *lpValueName, uint32 *lpReserved, _Out_ uint32 *lpType, _Out_ uint8 *lpData, _Inout_ uint32 *lpcbData)'),
    RegEnumKeyExW: lib.func('int32 __stdcall RegEnumKeyExW(intptr hKey, uint32 dwIndex, _Out_ uint16 *lpName, _Inout_ uint32 *lpcchName, uint32 *lpReserved, char16_t *lpClass, uint32 *lpcchClass, void *lpftLastWriteTime)'),
    RegEnumValueW: lib.func('int32 __stdcall RegEnumValueW(intptr hKey, uint32 dwIndex, _Out_ uint16 *lpValueName, _Inout_ uint32 *lpcchValueName, uint32 *lpReserved, _Out_ uint32 *lpType, _Out_ uint8 *lpData, _Inout_ uint32 *lpcbData)'),
    RegQueryInfoKeyW: lib.func('int32 __stdcall RegQueryInfoKeyW(intptr hKey, char16_t *lpClass, uint32 *lpcchClass, uint32 *lpReserved, _Out_ uint32 *lpcSubKeys, _Out_ uint32 *lpcbMaxSubKeyLen, uint32 *lpcbMaxClassLen, _Out_ uint32 *lpcValues, _Out_ uint32 *lpcbMaxValueNameLen, _Out_ uint32 *lpcbMaxValueLen, uint32 *lpcbSecurityDescriptor, void *lpftLastWriteTime)'),
    RegSetValueExW: lib.func('int32 __stdcall RegSetValueExW(intptr hKey, const char16_t *lpValueName, uint32 Reserved, uint32 dwType, const uint8 *lpData, uint32 cbData)'),
    RegDeleteValueW: lib.func('int32 __stdcall RegDeleteValueW(intptr hKey, const char16_t *lpValueName)'),
    RegCloseKey: lib.func('int32 __stdcall RegCloseKey(intptr hKey)'),
  }
}

export function registryApi(): Registry {
  registryBound ??= bindRegistry(koffi())
  return registryBound
}

// ---- key containers

/**
 * Deleting a legacy CSP key container, which is where PFXImportCertStore puts a key without
 * PKCS12_PREFER_CNG_KSP (and where Wine puts every key): CryptAcquireContextW with
 * CRYPT_DELETEKEYSET deletes the container and returns no handle.
 */
interface KeyContainers {
  CryptAcquireContextW(prov: Array<bigint | number>, container: string, provider: string | null, providerType: number, flags: number): boolean
}

let keyContainers: KeyContainers | undefined

function keyContainerApi(): KeyContainers {
  if (!keyContainers) {
    koffi()
    keyContainers = {
      CryptAcquireContextW: library('advapi32.dll').func('bool __stdcall CryptAcquireContextW(_Out_ uintptr *phProv, const char16_t *szContainer, const char16_t *szProvider, uint32 dwProvType, uint32 dwFlags)'),
    }
  }
  return keyContainers
}

const CRYPT_DELETEKEYSET = 0x10
const CRYPT_MACHINE_KEYSET = 0x20
const CRYPT_SILENT = 0x40
/** NTE_BAD_KEYSET: no container by that name. */
const NTE_BAD_KEYSET = 0x80090016

/** Deletes the CSP key container (the user's, unless `machineKey`); false when there is no such container. */
export function deleteKeyContainer(container: string, provider: string | null, providerType: number, machineKey: boolean): boolean {
  const handle: Array<bigint | number> = [0]
  const flags = CRYPT_DELETEKEYSET | CRYPT_SILENT | (machineKey ? CRYPT_MACHINE_KEYSET : 0)
  if (keyContainerApi().CryptAcquireContextW(handle, container, provider, providerType, flags)) return true
  const failure = win32Failure('CryptAcquireContextW(CRYPT_DELETEKEYSET)')
  if (failure.win32Code === NTE_BAD_KEYSET) return false
  throw failure
}
