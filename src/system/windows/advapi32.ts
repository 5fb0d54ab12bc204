/**
 * advapi32.dll. (The registry's declarations go above the key-container section; the two halves
 * were written apart and are merged here.)
 */
import {koffi, library} from './koffi.js'
import {win32Failure} from './win32-error.js'

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
