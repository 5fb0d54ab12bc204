/**
 * NSS's database key for a certificate, as Thunderbird stores it in `signing_cert_dbkey` and
 * `encryption_cert_dbkey` (nsNSSCertificate::GetDbKey): base64 of two zero words (module and slot
 * IDs, never used), the lengths of the serial and of the issuer, the serial's DER content octets
 * exactly as encoded (a leading 0x00 kept: NSS compares bytes, and without it finds nothing), and
 * the issuer Name's DER.
 */
import type {Certificate} from '../../identity/certificate-types.js'

export function nssDbKey(certificate: Pick<Certificate, 'serialHex' | 'issuer'>): string {
  const serial = Buffer.from(certificate.serialHex, 'hex')
  const issuer = certificate.issuer.der
  const header = Buffer.alloc(16)
  header.writeUInt32BE(serial.length, 8)
  header.writeUInt32BE(issuer.length, 12)
  return Buffer.concat([header, serial, issuer]).toString('base64')
}

/** Old Thunderbird versions wrote dbKeys with line breaks; NSS ignores whitespace when it reads them. */
export function sameDbKey(a: string, b: string): boolean {
  return a.replace(/\s+/g, '') === b.replace(/\s+/g, '')
}
