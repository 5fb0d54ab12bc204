/**
 * A failed Win32 call as mailcert reports it: the call's name, Windows' own sentence and the code
 * (as the documentation lists it: `0x80092004`, `ERROR_FILE_NOT_FOUND (2)`), so that IT staff can
 * look it up. Callers that know what a code means for the user (a wrong password, a busy store)
 * check `code` and throw a UserError of their own instead.
 */
import {ExternalError} from '../../errors.js'
import {lastError, systemMessage} from './kernel32.js'

export class Win32Error extends ExternalError {
  /** The Win32 error or HRESULT, unsigned. */
  readonly win32Code: number
  /** `PFXImportCertStore`. */
  readonly call: string

  constructor(call: string, win32Code: number, hints: string[] = []) {
    const code = win32Code >>> 0
    const words = safeMessage(code)
    super(call, `${call} failed: ${words ? `${words} ` : ''}(${formatCode(code)}).`, {code: 'win32-call-failed', hints})
    this.name = 'Win32Error'
    this.win32Code = code
    this.call = call
  }
}

/** `0x80092004` for an HRESULT, `2` for a plain Win32 error. */
export function formatCode(code: number): string {
  const unsigned = code >>> 0
  return unsigned > 0xffff ? `0x${unsigned.toString(16).padStart(8, '0')}` : String(unsigned)
}

function safeMessage(code: number): string | null {
  try {
    return systemMessage(code)
  } catch {
    return null
  }
}

/** The error of the call that just failed (its last error, read at once). */
export function win32Failure(call: string, hints: string[] = []): Win32Error {
  return new Win32Error(call, lastError(), hints)
}
