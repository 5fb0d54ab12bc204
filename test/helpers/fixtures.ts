/** The committed fixtures made by scripts/make-fixtures.mjs, and the shared vectors from other projects. */
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url))
/** Unchanged copies of other projects' test files (see test/vectors/SOURCES.md). */
export const VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url))
export const REPO = fileURLToPath(new URL('../../', import.meta.url))

export interface FixtureEntry {
  kind: 'pkcs12' | 'certificate' | 'ca-certificate' | 'invalid'
  password: string | null
  leaf?: string
  key?: {algorithm: string; bits?: number; curve?: string}
  emails?: string[]
  type?: string
  generation?: string | null
  chainLength?: number
  friendlyName?: string | null
  mac?: string | null
  iterations?: number | null
  expect: string[]
  error: string | null
  sha256?: string
  serialDer?: string
  nssImport?: string
}

export const manifest: Record<string, FixtureEntry> = JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8'))

export function fixture(name: string): Buffer {
  return readFileSync(`${FIXTURES}${name}`)
}

export function vector(name: string): Buffer {
  const bytes = readFileSync(`${VECTORS}${name}`)
  return name.endsWith('.txt') ? Buffer.from(bytes.toString('ascii'), 'base64') : bytes
}

export function plainHex(colonHex: string): string {
  return colonHex.replaceAll(':', '').toLowerCase()
}
