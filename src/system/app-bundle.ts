/**
 * macOS applications as their bundles describe themselves: `Contents/Info.plist`, which may be an
 * XML or a binary plist. Read from the file, not through `defaults`, so that it costs no process.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {type Machine, systemPath} from './platform.js'
import {parsePlist} from './plist.js'

export interface AppBundle {
  /** Where the bundle is on this machine. */
  path: string
  /** CFBundleShortVersionString, or null when the plist has none or cannot be read. */
  version: string | null
  bundleId: string | null
}

async function readBundle(bundle: string): Promise<AppBundle | null> {
  let bytes: Buffer
  try {
    bytes = await readFile(path.join(bundle, 'Contents', 'Info.plist'))
  } catch {
    return null
  }
  try {
    const info = parsePlist(bytes)
    const field = (key: string) => (info && typeof info === 'object' && !Array.isArray(info) && !(info instanceof Date) && !Buffer.isBuffer(info) && typeof info[key] === 'string' ? (info[key] as string) : null)
    return {path: bundle, version: field('CFBundleShortVersionString'), bundleId: field('CFBundleIdentifier')}
  } catch {
    return {path: bundle, version: null, bundleId: null}
  }
}

/** The first of these bundles (absolute macOS paths, such as /Applications/Mail.app) that is installed. */
export async function findAppBundle(machine: Machine, candidates: string[]): Promise<AppBundle | null> {
  for (const candidate of candidates) {
    const bundle = await readBundle(systemPath(machine, candidate))
    if (bundle) return bundle
  }
  return null
}
