/**
 * Apple's own schema for configuration profiles (apple/device-management, mdm/profiles/*.yaml, in
 * test/vectors/apple-profiles/), applied to a payload: every key known, of its type and range,
 * supported on macOS since at most the version given, and every required key present.
 */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {parse} from 'yaml'

import {VECTORS} from '../helpers/fixtures.js'

interface OsSupport {
  introduced?: string
  multiple?: boolean
  devicechannel?: boolean
  userchannel?: boolean
  allowmanualinstall?: boolean
}

export interface SchemaKey {
  key: string
  type: string
  presence?: 'required' | 'optional'
  rangelist?: unknown[]
  supportedOS?: {macOS?: OsSupport}
}

export interface PayloadSchema {
  payload: {payloadtype: string; supportedOS: {macOS?: OsSupport}}
  payloadkeys: SchemaKey[]
}

export function loadSchema(name: string): PayloadSchema {
  return parse(readFileSync(join(VECTORS, 'apple-profiles', `${name}.yaml`), 'utf8')) as PayloadSchema
}

/** -1, 0 or 1, comparing dotted versions part by part ('10.15' after '10.7'). */
export function compareVersions(a: string, b: string): number {
  const [pa, pb] = [a.split('.').map(Number), b.split('.').map(Number)]
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (diff !== 0) return Math.sign(diff)
  }
  return 0
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case '<string>':
      return typeof value === 'string'
    case '<integer>':
      return typeof value === 'bigint' || Number.isInteger(value)
    case '<real>':
      return typeof value === 'number'
    case '<boolean>':
      return typeof value === 'boolean'
    case '<data>':
      return value instanceof Uint8Array
    case '<date>':
      return value instanceof Date
    case '<array>':
      return Array.isArray(value)
    case '<dictionary>':
      return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date)
    case '<any>':
      return true
    default:
      throw new Error(`the schema names a type this check does not know: ${type}`)
  }
}

/** What is wrong with `payload` by `schema` (plus the keys common to every payload), for a Mac running `macOS`; empty when nothing is. */
export function schemaProblems(payload: Record<string, unknown>, schema: PayloadSchema, common: PayloadSchema | null, macOS: string): string[] {
  const keys = [...(common?.payloadkeys ?? []), ...schema.payloadkeys]
  const problems: string[] = []
  const where = schema.payload.payloadtype
  for (const [name, value] of Object.entries(payload)) {
    const key = keys.find((k) => k.key === name)
    if (!key) {
      problems.push(`${where}: ${name} is not a key of this payload`)
      continue
    }
    if (!hasType(value, key.type)) problems.push(`${where}: ${name} is not of type ${key.type}`)
    if (key.rangelist && !key.rangelist.includes(typeof value === 'bigint' ? Number(value) : value)) {
      problems.push(`${where}: ${name} = ${String(value)} is not one of ${key.rangelist.join(', ')}`)
    }
    const introduced = key.supportedOS?.macOS?.introduced
    if (introduced === 'n/a') problems.push(`${where}: ${name} is not supported on macOS`)
    else if (introduced && compareVersions(introduced, macOS) > 0) problems.push(`${where}: ${name} needs macOS ${introduced}`)
  }
  for (const key of keys) {
    if (key.presence === 'required' && !(key.key in payload)) problems.push(`${where}: required key ${key.key} is missing`)
  }
  return problems
}
