/**
 * A PKCS#12 password is encoded differently for each algorithm that uses it (RFC 7292 App. B.1,
 * RFC 8018, RFC 9579): the PKCS#12 KDF (classic MAC, 3DES/RC2 PBE) takes a big-endian BMPString
 * with a two-byte terminator; PBKDF2 (PBES2, PBMAC1) takes UTF-8. OpenSSL, NSS and Windows agree.
 */

export function bmpPassword(password: string): Buffer {
  const bytes = Buffer.alloc((password.length + 1) * 2)
  for (let i = 0; i < password.length; i++) bytes.writeUInt16BE(password.charCodeAt(i), i * 2)
  return bytes
}

export function utf8Password(password: string): Buffer {
  return Buffer.from(password, 'utf8')
}

/**
 * The byte strings to try for one password with the PKCS#12 KDF. An empty password has two
 * spellings in the wild: the BMP terminator alone (OpenSSL, NSS) and no bytes at all (some Windows
 * and Java exports); both readers try both, and so do we.
 */
export function bmpPasswordCandidates(password: string): Buffer[] {
  return password === '' ? [bmpPassword(''), Buffer.alloc(0)] : [bmpPassword(password)]
}
