/**
 * The Windows build (`os.release()` is `10.0.BUILD` on Windows 10 and 11), for what each build's
 * certificate store reads: before 16299 (Windows 10 1709) PFXImportCertStore rejects AES-encrypted
 * PKCS#12 files (research/windows-outlook.md §2.2).
 */
import os from 'node:os'

/** The build number of a Windows release string (`10.0.19045` → 19045), or null when it is not one. */
export function buildOfRelease(release: string): number | null {
  const match = /^\d+\.\d+\.(\d+)/.exec(release.trim())
  return match ? Number(match[1]) : null
}

/** This Windows' build, or null when it cannot be told. */
export function windowsBuild(): number | null {
  return buildOfRelease(os.release())
}
