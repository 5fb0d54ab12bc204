/**
 * ncrypt.dll: deleting a CNG (key storage provider) key, which is where PFXImportCertStore puts a
 * key with PKCS12_PREFER_CNG_KSP. Taking a certificate out of a store leaves its key behind; when
 * mailcert imported that key, removing the identity deletes it too.
 */
import {koffi, library} from './koffi.js'
import {Win32Error} from './win32-error.js'

interface Ncrypt {
  NCryptOpenStorageProvider(provider: Array<bigint | number>, name: string, flags: number): number
  NCryptOpenKey(provider: bigint | number, key: Array<bigint | number>, name: string, legacyKeySpec: number, flags: number): number
  NCryptDeleteKey(key: bigint | number, flags: number): number
  NCryptFreeObject(object: bigint | number): number
}

let bound: Ncrypt | undefined

function ncrypt(): Ncrypt {
  if (!bound) {
    koffi()
    const lib = library('ncrypt.dll')
    bound = {
      NCryptOpenStorageProvider: lib.func('int32 __stdcall NCryptOpenStorageProvider(_Out_ uintptr *phProvider, const char16_t *pszProviderName, uint32 dwFlags)'),
      NCryptOpenKey: lib.func('int32 __stdcall NCryptOpenKey(uintptr hProvider, _Out_ uintptr *phKey, const char16_t *pszKeyName, uint32 dwLegacyKeySpec, uint32 dwFlags)'),
      NCryptDeleteKey: lib.func('int32 __stdcall NCryptDeleteKey(uintptr hKey, uint32 dwFlags)'),
      NCryptFreeObject: lib.func('int32 __stdcall NCryptFreeObject(uintptr hObject)'),
    }
  }
  return bound
}

/** NTE_BAD_KEYSET: no key by that name. */
export const NTE_BAD_KEYSET = 0x80090016
const NCRYPT_MACHINE_KEY_FLAG = 0x20
const NCRYPT_SILENT_FLAG = 0x40

/** Deletes the named CNG key of the provider (the user's, unless `machineKey`); false when there is no such key. */
export function deleteCngKey(providerName: string, keyName: string, machineKey: boolean): boolean {
  const api = ncrypt()
  const provider: Array<bigint | number> = [0]
  let status = api.NCryptOpenStorageProvider(provider, providerName, 0)
  if (status !== 0) throw new Win32Error('NCryptOpenStorageProvider', status)
  try {
    const key: Array<bigint | number> = [0]
    status = api.NCryptOpenKey(provider[0]!, key, keyName, 0, (machineKey ? NCRYPT_MACHINE_KEY_FLAG : 0) | NCRYPT_SILENT_FLAG)
    if (status >>> 0 === NTE_BAD_KEYSET) return false
    if (status !== 0) throw new Win32Error('NCryptOpenKey', status)
    // NCryptDeleteKey frees the key handle, also when it fails.
    status = api.NCryptDeleteKey(key[0]!, NCRYPT_SILENT_FLAG)
    if (status !== 0) throw new Win32Error('NCryptDeleteKey', status)
    return true
  } finally {
    api.NCryptFreeObject(provider[0]!)
  }
}
