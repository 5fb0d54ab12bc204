/**
 * What Windows' chain verdict means for a person: the chain's CERT_TRUST_STATUS error bits (built
 * for the e-mail protection usage) and the base policy's error, as a Verdict with the reason codes
 * the other stores use.
 */
import type {Verdict} from '../store.js'

/** CERT_TRUST_STATUS.dwErrorStatus bits (wincrypt.h), most telling first. */
const TRUST_ERRORS: Array<{bit: number; code: string; reason: string}> = [
  {bit: 0x4, code: 'revoked', reason: 'a certificate in its chain has been revoked'},
  {bit: 0x4000000, code: 'distrusted', reason: 'Windows is set never to trust a certificate in its chain'},
  {bit: 0x8, code: 'bad-signature', reason: 'a signature in its chain does not verify'},
  {bit: 0x1, code: 'expired', reason: 'a certificate in its chain has expired or is not valid yet'},
  {bit: 0x10000, code: 'unknown-issuer', reason: "Windows cannot find its issuer's certificate"},
  {bit: 0x20, code: 'untrusted-issuer', reason: 'its root certificate is not trusted on this computer'},
  {bit: 0x10, code: 'inadequate-usage', reason: 'it is not valid for e-mail protection (its extended key usage, or an issuer\'s, leaves it out)'},
  {bit: 0x80, code: 'untrusted', reason: 'its chain is cyclic'},
]

/** The base policy's errors (winerror.h), for a chain whose status bits say nothing. */
const POLICY_ERRORS: Record<number, {code: string; reason: string}> = {
  0x800b0109: {code: 'untrusted-issuer', reason: 'its root certificate is not trusted on this computer'},
  0x800b010a: {code: 'unknown-issuer', reason: "Windows cannot find its issuer's certificate"},
  0x800b0101: {code: 'expired', reason: 'a certificate in its chain has expired or is not valid yet'},
  0x800b0110: {code: 'inadequate-usage', reason: 'it is not valid for e-mail protection'},
  0x80092010: {code: 'revoked', reason: 'a certificate in its chain has been revoked'},
  0x80096004: {code: 'bad-signature', reason: 'a signature in its chain does not verify'},
  0x800b0111: {code: 'distrusted', reason: 'Windows is set never to trust a certificate in its chain'},
}

export function verdictOfChain(status: {errorStatus: number; policyError: number}): Verdict {
  const found = TRUST_ERRORS.find((entry) => (status.errorStatus & entry.bit) !== 0)
  if (found) return {valid: false, code: found.code, reason: found.reason}
  if (status.policyError === 0) return {valid: true}
  const known = POLICY_ERRORS[status.policyError >>> 0]
  if (known) return {valid: false, ...known}
  return {valid: false, code: 'untrusted', reason: `Windows refuses its chain (0x${(status.policyError >>> 0).toString(16).padStart(8, '0')})`}
}

/** The fix for each reason. */
export function windowsRefusalHint(code: string | undefined): string {
  switch (code) {
    case 'untrusted-issuer':
      return "The root certificate of your certificate authority is not trusted on this computer. If it is your organisation's own authority and you trust it, run again with --trust-root (Windows then asks you to confirm in a dialog); otherwise ask your administrator to deploy that root."
    case 'unknown-issuer':
      return 'The file lacks an issuer certificate and Windows could not fetch it: ask your certificate authority for the file with its full chain.'
    case 'expired':
      return "Check the validity dates with `mailcert inspect FILE` (and the computer's clock); for an expired certificate, ask your certificate authority for a new one."
    case 'inadequate-usage':
      return 'The certificate was not issued for e-mail: ask your certificate authority for an S/MIME (e-mail) certificate.'
    case 'revoked':
      return 'The certificate has been revoked: ask your certificate authority for a new one.'
    case 'distrusted':
      return 'A certificate of its chain is in "Untrusted Certificates" (certmgr.msc): take it out there if you do trust it.'
    default:
      return 'Run `mailcert inspect FILE` to see what the certificate says.'
  }
}
