/**
 * What macOS's verdict on an identity means for a person: the CSSM error `find-identity` appends,
 * or, for an identity it does not list at all (its certificate alone fails the S/MIME policy), the
 * reason read from the certificate.
 */
import type {Certificate} from '../../identity/certificate-types.js'
import type {Verdict} from '../store.js'

const CSSM_REASONS: Record<string, {code: string; reason: string}> = {
  CSSMERR_TP_NOT_TRUSTED: {code: 'untrusted-issuer', reason: 'its root certificate is not trusted on this Mac'},
  CSSMERR_TP_INVALID_ANCHOR_CERT: {code: 'untrusted-issuer', reason: 'it is self-signed, and not trusted on this Mac'},
  CSSMERR_TP_CERT_EXPIRED: {code: 'expired', reason: 'a certificate in its chain has expired'},
  CSSMERR_TP_CERT_NOT_VALID_YET: {code: 'not-yet-valid', reason: 'a certificate in its chain is not valid yet'},
  CSSMERR_TP_CERT_REVOKED: {code: 'revoked', reason: 'it has been revoked'},
  CSSMERR_APPLETP_SMIME_EMAIL_ADDRS_NOT_FOUND: {code: 'no-address', reason: 'it does not carry the address'},
  CSSMERR_APPLETP_SMIME_BAD_KEY_USE: {code: 'inadequate-usage', reason: 'its key usage does not allow signing e-mail'},
  CSSMERR_APPLETP_SMIME_BAD_EXT_KEY_USE: {code: 'inadequate-usage', reason: 'its extended key usage does not include e-mail protection'},
  CSSMERR_APPLETP_TRUST_SETTING_DENY: {code: 'distrusted', reason: 'your trust settings say never to trust it'},
}

/** The verdict for a `find-identity` line's trust error (null: accepted). */
export function verdictOfTrustError(trustError: string | null, email?: string): Verdict {
  if (trustError === null) return {valid: true}
  const known = CSSM_REASONS[trustError]
  if (!known) return {valid: false, code: 'untrusted', reason: `macOS reports ${trustError}`}
  return {valid: false, code: known.code, reason: known.code === 'no-address' && email ? `${known.reason} ${email}` : known.reason}
}

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4'
const ANY_EKU = '2.5.29.37.0'

/** Why find-identity leaves the identity out for `email`: the checks of the certificate alone. */
export function verdictOfUnlisted(certificate: Certificate, email: string | undefined, now = new Date()): Verdict {
  if (now > certificate.notAfter) return verdictOfTrustError('CSSMERR_TP_CERT_EXPIRED')
  if (now < certificate.notBefore) return verdictOfTrustError('CSSMERR_TP_CERT_NOT_VALID_YET')
  if (email !== undefined && !certificate.emails.some((address) => address.toLowerCase() === email.toLowerCase())) {
    return verdictOfTrustError('CSSMERR_APPLETP_SMIME_EMAIL_ADDRS_NOT_FOUND', email)
  }
  const usage = certificate.keyUsage
  if (usage !== null && !usage.includes('digitalSignature') && !usage.includes('nonRepudiation')) return verdictOfTrustError('CSSMERR_APPLETP_SMIME_BAD_KEY_USE')
  const eku = certificate.extendedKeyUsage
  if (eku !== null && !eku.includes(EMAIL_PROTECTION) && !eku.includes(ANY_EKU)) return verdictOfTrustError('CSSMERR_APPLETP_SMIME_BAD_EXT_KEY_USE')
  return {valid: false, code: 'not-an-identity', reason: 'macOS does not list it as an identity (a certificate with its private key) for S/MIME'}
}

/** The fix for each reason. */
export function keychainRefusalHint(code: string | undefined): string {
  switch (code) {
    case 'untrusted-issuer':
      return "The root certificate of your certificate authority is not trusted on this Mac. If it is your organisation's own authority and you trust it, run again with --trust-root (macOS then asks for your password to change its trust settings); otherwise ask the authority for the file with its full chain."
    case 'expired':
    case 'not-yet-valid':
      return 'Check the validity dates with `mailcert inspect FILE` (and the Mac\'s clock); for an expired certificate, ask your certificate authority for a new one.'
    case 'inadequate-usage':
      return 'The certificate was not issued for e-mail: ask your certificate authority for an S/MIME (e-mail) certificate.'
    case 'revoked':
      return 'The certificate has been revoked: ask your certificate authority for a new one.'
    case 'distrusted':
      return 'Open Keychain Access, find the root certificate, and under Trust set it back to "Use System Defaults" if you do trust it.'
    default:
      return 'Run `mailcert inspect FILE` to see what the certificate says.'
  }
}
