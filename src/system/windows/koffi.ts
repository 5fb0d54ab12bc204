/**
 * koffi (the FFI that mailcert's Win32 calls go through), loaded on first use and only on
 * Windows: it is a native module, and on the other systems nothing of mailcert calls Win32. Each
 * DLL's declarations live in their own file here and ask for their library through `library`.
 */
import {createRequire} from 'node:module'

import {BugError} from '../../errors.js'
import {hostPlatform} from '../platform.js'

export type Koffi = typeof import('koffi')
export type KoffiLibrary = ReturnType<Koffi['load']>

let loaded: Koffi | undefined
const libraries = new Map<string, KoffiLibrary>()

export function koffi(): Koffi {
  if (hostPlatform() !== 'win32') throw new BugError('A Win32 call was made on a system that is not Windows.')
  // koffi is CommonJS, and the declarations are made synchronously when a DLL's file is first used.
  loaded ??= createRequire(import.meta.url)('koffi') as Koffi
  return loaded
}

/** A system DLL (`crypt32.dll`), loaded once per process. */
export function library(name: string): KoffiLibrary {
  let lib = libraries.get(name)
  if (!lib) {
    lib = koffi().load(name)
    libraries.set(name, lib)
  }
  return lib
}
