/** Which Linux distribution this is, to name the right package in an install hint. */
import {readFile} from 'node:fs/promises'

export type PackageFamily = 'debian' | 'fedora' | 'suse' | 'arch' | 'alpine' | 'unknown'

export function packageFamily(osRelease: string): PackageFamily {
  const field = (key: string): string => new RegExp(`^${key}=["']?([^"'\\n]*)`, 'm').exec(osRelease)?.[1]?.toLowerCase() ?? ''
  const ids = `${field('ID')} ${field('ID_LIKE')}`
  if (/\b(debian|ubuntu)\b/.test(ids)) return 'debian'
  if (/\b(fedora|rhel|centos)\b/.test(ids)) return 'fedora'
  if (/\b(suse|opensuse|sles)\b/.test(ids)) return 'suse'
  if (/\barch\b/.test(ids)) return 'arch'
  if (/\balpine\b/.test(ids)) return 'alpine'
  return 'unknown'
}

export async function currentPackageFamily(): Promise<PackageFamily> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      return packageFamily(await readFile(path, 'utf8'))
    } catch {
      // Try the next location.
    }
  }
  return 'unknown'
}
