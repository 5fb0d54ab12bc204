/**
 * What a certificate's key may be used for in S/MIME, the way NSS decides it at send time
 * (research/thunderbird-nss.md §2.3): signing needs digitalSignature or nonRepudiation; being
 * encrypted to needs keyEncipherment for RSA and keyAgreement for EC. Without a keyUsage extension
 * everything is allowed; EdDSA keys can only sign. A certificate allowing neither is of no use to mail.
 */
import type {Certificate} from './certificate-types.js'

export function canSign(certificate: Certificate): boolean {
  const usage = certificate.keyUsage
  return usage === null || usage.includes('digitalSignature') || usage.includes('nonRepudiation')
}

export function encryptionKeyUsage(certificate: Certificate): 'keyEncipherment' | 'keyAgreement' | null {
  if (certificate.publicKey.algorithm === 'RSA') return 'keyEncipherment'
  if (certificate.publicKey.algorithm === 'EC') return 'keyAgreement'
  return null
}

export function canEncrypt(certificate: Certificate): boolean {
  const needed = encryptionKeyUsage(certificate)
  return needed !== null && (certificate.keyUsage === null || certificate.keyUsage.includes(needed))
}

/** The key usage bits that make the certificate usable for mail, in words for a finding's fix. */
export function usageNeeded(certificate: Certificate): string {
  const encryption = encryptionKeyUsage(certificate)
  return encryption === null ? 'digitalSignature' : `digitalSignature, and ${encryption} to be sent encrypted mail`
}
