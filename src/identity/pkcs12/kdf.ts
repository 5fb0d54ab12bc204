import {hash} from 'node:crypto'

import type {HashName} from './oids.js'
import {sha1Rounds} from './sha1-rounds.js'

/** Output and block sizes (u and v in RFC 7292 App. B.2) of the hashes the PKCS#12 KDF is used with. */
const SIZES: Record<HashName, {u: number; v: number}> = {
  md5: {u: 16, v: 64},
  sha1: {u: 20, v: 64},
  sha224: {u: 28, v: 64},
  sha256: {u: 32, v: 64},
  sha384: {u: 48, v: 128},
  sha512: {u: 64, v: 128},
}

export const KdfPurpose = {key: 1, iv: 2, mac: 3} as const

function repeatToMultiple(source: Buffer, v: number): Buffer {
  if (source.length === 0) return Buffer.alloc(0)
  const length = v * Math.ceil(source.length / v)
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = source[i % source.length]
  return out
}

/**
 * Replace `digest` by its hash, `rounds` times. Per round the cost is reaching OpenSSL, not the
 * hashing (one short block): a `'buffer'` result allocates an ArrayBuffer every round (860 ms for
 * 600,000 rounds), a binary (latin1) string written back into the same buffer does not (200 ms; it maps
 * each byte to one character and back). SHA-1, which the PBE schemes run six times per file, has a
 * faster loop of its own (sha1-rounds.ts).
 */
function rehash(hashName: HashName, digest: Buffer, rounds: number): void {
  if (hashName === 'sha1') return sha1Rounds(digest, rounds)
  for (let r = 0; r < rounds; r++) digest.write(hash(hashName, digest, 'binary'), 0, 'binary')
}

/**
 * The PKCS#12 key derivation function, RFC 7292 Appendix B.2. `password` is already encoded
 * (see password.ts). NSS, Firefox and Thunderbird export with 600,000 rounds, so the rounds are
 * where the time goes (see rehash).
 */
export function pkcs12Kdf(
  hashName: HashName,
  password: Buffer,
  salt: Buffer,
  iterations: number,
  purpose: (typeof KdfPurpose)[keyof typeof KdfPurpose],
  length: number,
): Buffer {
  const {u, v} = SIZES[hashName]
  const diversifier = Buffer.alloc(v, purpose)
  const input = Buffer.concat([repeatToMultiple(salt, v), repeatToMultiple(password, v)])
  const blocks = Math.ceil(length / u)
  const out: Buffer[] = []

  for (let i = 0; i < blocks; i++) {
    const a = hash(hashName, Buffer.concat([diversifier, input]), 'buffer')
    rehash(hashName, a, iterations - 1)
    out.push(a)
    if (i === blocks - 1) break

    // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of the input.
    const b = repeatToMultiple(a, v).subarray(0, v)
    for (let j = 0; j < input.length; j += v) {
      let carry = 1
      for (let k = v - 1; k >= 0; k--) {
        const sum = input[j + k] + b[k] + carry
        input[j + k] = sum & 0xff
        carry = sum >> 8
      }
    }
  }

  return Buffer.concat(out).subarray(0, length)
}
