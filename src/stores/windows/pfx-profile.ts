/**
 * Which PKCS#12 encryption the Windows store is handed. mailcert always writes the file it imports
 * itself, from the identity it already decrypted (with a MAC, never PBMAC1, whatever the original
 * used): a file the original's PBMAC1 or missing MAC would make Windows refuse never reaches it.
 * What is left to choose is the encryption: Windows before 10 1709 (build 16299) reads only
 * 3DES with a SHA-1 MAC, and says "the password is incorrect" for AES (research §2.2).
 */
import type {Pkcs12Profile} from '../../identity/reencode.js'

/** Windows 10 1709: the first build that imports PBES2/AES-256 PKCS#12 files. */
export const FIRST_AES_BUILD = 16299

/** The profile for this Windows build; an unknown build gets the one every Windows reads. */
export function windowsPfxProfile(build: number | null): Pkcs12Profile {
  return build !== null && build >= FIRST_AES_BUILD ? 'modern' : 'legacy'
}
