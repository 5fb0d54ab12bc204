/**
 * ntdll.dll: only whether this "Windows" is Wine, which exports `wine_get_version` there (real
 * Windows does not). mailcert asks so that it can say honestly which of its checks Wine cannot
 * make (a test signature with an imported key), instead of reporting a broken key.
 */
import {library} from './koffi.js'

let version: string | null | undefined

/** Wine's version (`8.0`), or null on Windows itself. */
export function wineVersion(): string | null {
  if (version !== undefined) return version
  try {
    const get = library('ntdll.dll').func('const char * wine_get_version()') as () => string | null
    version = get() ?? null
  } catch {
    version = null
  }
  return version
}
