/**
 * Damaged input is the user's problem, never a bug. Seeded mutants of real files (bits flipped, the end cut
 * off, a byte put in, a length byte changed) either read, or are refused with exit 4 and one sentence (3 when
 * the damage makes the password look wrong). Thousands go through the reading that `mailcert inspect` does,
 * in process; a few go through the CLI itself, which must never exit 1, hang or print a stack.
 */
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {UserError} from '../../src/errors.js'
import {certificatesFromPem} from '../../src/identity/certificate.js'
import {inspectIdentity} from '../../src/identity/inspection.js'
import {openIdentityBytes} from '../../src/ui/open-identity.js'
import {renderInspection} from '../../src/ui/render-inspection.js'
import {fixture} from '../helpers/fixtures.js'
import {runCli} from '../helpers/run-cli.js'

const SEED = 0x6d61696c // "mail"
const MUTANTS_PER_FILE = 400
const NOW = new Date('2027-01-01T00:00:00Z')

/** With and without a MAC, encrypted and plain, RSA and EC, PEM and DER certificates (password `test`). */
const ORIGINALS = [
  'p12/mailbox-rsa.p12', // MAC, AES-encrypted certificates and key
  'p12/rsa-3des-sha1.p12', // SHA-1 MAC, 3DES
  'p12/rsa-certpbe-none.p12', // MAC, certificates in the clear
  'p12/rsa-nomac.p12', // no MAC: nothing but the parser notices damaged certificates
  'p12/ec-nomac.p12',
  'p12/rsa-plain-nomac.p12', // no MAC, nothing encrypted
  'certs/mailbox-rsa.pem',
  'certs/ec-p256.der',
  'certs/chain-bundle.pem',
]

/** mulberry32: small, seeded, the same mutants on every run and machine. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

interface Mutant {
  name: string
  bytes: Buffer
}

function mutate(original: Buffer, next: () => number): {bytes: Buffer; how: string} {
  const at = (length: number) => Math.floor(next() * length)
  const bytes = Buffer.from(original)
  const position = at(bytes.length)
  switch (at(5)) {
    case 0: {
      const flips = 1 + at(4)
      for (let i = 0; i < flips; i++) bytes[at(bytes.length)] ^= 1 << at(8)
      return {bytes, how: `${flips} bits flipped`}
    }
    case 1:
      return {bytes: bytes.subarray(0, position), how: `cut at ${position}`}
    case 2:
      return {bytes: Buffer.concat([bytes.subarray(0, position), Buffer.from([at(256)]), bytes.subarray(position)]), how: `byte put in at ${position}`}
    case 3: {
      // What a length byte can be made to say: nothing, short form at its limit, long forms, off by one.
      const values = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, (bytes[position] + 1) & 0xff, (bytes[position] - 1) & 0xff]
      bytes[position] = values[at(values.length)]
      return {bytes, how: `length-like byte at ${position} set to ${bytes[position]}`}
    }
    default:
      bytes[position] = at(256)
      return {bytes, how: `byte at ${position} replaced`}
  }
}

function pem(der: Buffer): Buffer {
  return Buffer.from(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`)
}

function mutants(): Mutant[] {
  const next = random(SEED)
  const result: Mutant[] = []
  for (const name of ORIGINALS) {
    const original = fixture(name)
    for (let i = 0; i < MUTANTS_PER_FILE; i++) {
      if (name.endsWith('.pem') && i % 4 !== 0) {
        // Mostly damage the certificate under the base64, where the certificate parser meets it.
        const ders = certificatesFromPem(original.toString('utf8'))
        const which = Math.floor(next() * ders.length)
        const {bytes, how} = mutate(ders[which], next)
        result.push({name: `${name} #${i} (certificate ${which + 1}: ${how})`, bytes: Buffer.concat(ders.map((der, index) => pem(index === which ? bytes : der)))})
      } else {
        const {bytes, how} = mutate(original, next)
        result.push({name: `${name} #${i} (${how})`, bytes})
      }
    }
  }
  return result
}

type Outcome = {kind: 'read'} | {kind: 'refused'; exitCode: number; message: string} | {kind: 'bug'; error: unknown}

/** What `mailcert inspect` does with the bytes: open (password `test`), inspect, render for people and for JSON. */
async function read(bytes: Buffer): Promise<Outcome> {
  try {
    const opened = await openIdentityBytes(bytes, 'mutant.p12', {}, {env: {MAILCERT_PASSWORD: 'test'}})
    const inspection = inspectIdentity(opened.identity, opened, NOW)
    renderInspection(inspection)
    JSON.stringify(inspection)
    return {kind: 'read'}
  } catch (error) {
    if (error instanceof UserError && (error.exitCode === 4 || error.exitCode === 3)) return {kind: 'refused', exitCode: error.exitCode, message: error.message}
    return {kind: 'bug', error}
  }
}

const ALL = mutants()

describe('seeded mutants of real files', () => {
  it(`${ALL.length} mutants either read or are refused with exit 4 (or 3), in one sentence`, async () => {
    const bugs: string[] = []
    const refusals = new Map<string, number>()
    let readCount = 0
    for (const mutant of ALL) {
      const outcome = await read(mutant.bytes)
      if (outcome.kind === 'bug') {
        bugs.push(`${mutant.name}: ${outcome.error instanceof Error ? outcome.error.stack : String(outcome.error)}`)
      } else if (outcome.kind === 'refused') {
        refusals.set(outcome.message, (refusals.get(outcome.message) ?? 0) + 1)
        // One sentence: no line breaks, no stack, ends as a sentence does.
        if (!/^[^\n]+[.)]$/.test(outcome.message) || /\bat .+:\d+:\d+/.test(outcome.message)) bugs.push(`${mutant.name}: not one sentence: ${outcome.message}`)
      } else {
        readCount++
      }
    }
    expect(bugs).toEqual([])
    // The mutants reach the certificate parser and the PKCS#12 reader, and some survive as readable files.
    const messages = [...refusals.keys()]
    expect(messages.some((message) => /certificate (in this file|inside the file) is damaged: its .* cannot be read\.$/.test(message))).toBe(true)
    expect(messages.some((message) => /not a readable PKCS#12|incomplete/.test(message))).toBe(true)
    expect(readCount).toBeGreaterThan(0)
  }, 300_000)
})

describe('mutants through the CLI', () => {
  const work = mkdtempSync(join(tmpdir(), 'mailcert-mutants-'))
  // Every ORIGINALS.length-th mutant, so that each kind of file is among them.
  const sample = ALL.filter((_, index) => index % Math.floor(ALL.length / 20) === 7).slice(0, 20)

  it.each(sample.map((mutant, index) => [mutant.name, index, mutant] as const))('%s: no exit 1, no stack, it finishes', async (_, index, mutant) => {
    const file = join(work, `mutant-${index}.p12`)
    writeFileSync(file, mutant.bytes)
    const result = await runCli(['inspect', file], {env: {MAILCERT_PASSWORD: 'test'}})
    expect([0, 3, 4, 5]).toContain(result.code)
    expect(result.stderr).not.toMatch(/\n\s+at |This is a bug/)
  })
})
