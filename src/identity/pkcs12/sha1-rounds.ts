/**
 * SHA-1 applied `rounds` times to a 20-byte digest: the inner loop of the PKCS#12 KDF (RFC 7292
 * App. B.2) for the PBE schemes, which all use SHA-1 and need six 600,000-round chains per NSS
 * 3DES export (key and IV for the certificates and for the key) plus the MAC's. Every round hashes
 * one fixed-size block, so the cost of reaching OpenSSL is all there is: node:crypto's `hash` takes
 * 860 ms per 600,000 rounds returning Buffers and 200 ms writing latin1 strings back into one
 * buffer; this loop, with the padding of a 20-byte message built in and nothing allocated, 120 ms.
 * The first hash of each chain (of the long D || I input) stays with node:crypto, and tests compare
 * this loop with node:crypto's SHA-1 for every round count they use.
 */

/** Replace the 20 bytes of `digest` by SHA-1 applied to them `rounds` times. */
export function sha1Rounds(digest: Buffer, rounds: number): void {
  if (digest.length !== 20) throw new RangeError('sha1Rounds works on a 20-byte SHA-1 digest')
  const w = new Int32Array(80)
  // FIPS 180-4 §5.1.1 padding of a 160-bit message: a 1 bit, zeros, the length in bits.
  w[5] = 0x80000000 | 0
  w[15] = 160
  let h0 = digest.readInt32BE(0)
  let h1 = digest.readInt32BE(4)
  let h2 = digest.readInt32BE(8)
  let h3 = digest.readInt32BE(12)
  let h4 = digest.readInt32BE(16)

  for (let round = 0; round < rounds; round++) {
    w[0] = h0
    w[1] = h1
    w[2] = h2
    w[3] = h3
    w[4] = h4
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
      w[i] = (x << 1) | (x >>> 31)
    }

    // The initial hash value (FIPS 180-4 §5.3.1), written out: named constants, even local ones,
    // made V8 compile the loop three times slower (400 ms).
    let a = 0x67452301
    let b = 0xefcdab89 | 0
    let c = 0x98badcfe | 0
    let d = 0x10325476
    let e = 0xc3d2e1f0 | 0
    let t = 0
    let i = 0
    for (; i < 20; i++) {
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[i]) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (; i < 40; i++) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[i]) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (; i < 60; i++) {
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + 0x8f1bbcdc + w[i]) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }
    for (; i < 80; i++) {
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0xca62c1d6 + w[i]) | 0
      e = d
      d = c
      c = (b << 30) | (b >>> 2)
      b = a
      a = t
    }

    h0 = (a + 0x67452301) | 0
    h1 = (b + 0xefcdab89) | 0
    h2 = (c + 0x98badcfe) | 0
    h3 = (d + 0x10325476) | 0
    h4 = (e + 0xc3d2e1f0) | 0
  }

  digest.writeInt32BE(h0, 0)
  digest.writeInt32BE(h1, 4)
  digest.writeInt32BE(h2, 8)
  digest.writeInt32BE(h3, 12)
  digest.writeInt32BE(h4, 16)
}
