/**
 * NSS's identifier for a key pair (CKA_ID), which `certutil -K` lists: the SHA-1 of the RSA modulus
 * (as an unsigned number) or of the EC public point. Computing it from a certificate tells which
 * listed keys belong to which certificate, even when renewals share one nickname.
 */
import {createHash, X509Certificate} from 'node:crypto'

export function nssKeyId(certificateDer: Buffer): string | null {
  try {
    return nssKeyIdOf(new X509Certificate(certificateDer))
  } catch {
    return null
  }
}

/** The same for a certificate already parsed (a listing of 500 pays for each parse). */
export function nssKeyIdOf(certificate: X509Certificate): string | null {
  try {
    const jwk = certificate.publicKey.export({format: 'jwk'})
    const bytes = (value: string | undefined) => Buffer.from(value ?? '', 'base64url')
    let material: Buffer
    if (jwk.kty === 'RSA') material = bytes(jwk.n)
    else if (jwk.kty === 'EC') material = Buffer.concat([Buffer.from([4]), bytes(jwk.x), bytes(jwk.y)])
    else if (jwk.kty === 'OKP') material = bytes(jwk.x)
    else return null
    return createHash('sha1').update(material).digest('hex')
  } catch {
    return null
  }
}

/** The key IDs in `certutil -K` output: `< 0> rsa      dfb196e3…   Alice Example`. */
export function parseKeyList(output: string): Set<string> {
  const ids = new Set<string>()
  for (const match of output.matchAll(/^<\s*\d+>\s+\S+\s+([0-9a-f]{40})\b/gm)) ids.add(match[1])
  return ids
}
