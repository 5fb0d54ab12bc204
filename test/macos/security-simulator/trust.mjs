/**
 * Trust evaluation as `find-identity` reports it (research/macos-mail.md §1.3, IdentityCursor.cpp):
 *
 * - a "lite" check of the certificate alone (dates, and for S/MIME the address and key usage): an
 *   identity that fails it is not listed at all, not even under "Matching identities";
 * - a full evaluation of the chain up to an anchor: a root in the system's root certificates, or a
 *   certificate the user's trust settings trust for the policy. Its CSSM error is what the tool
 *   appends to the line, ` (CSSMERR_TP_NOT_TRUSTED)`.
 */
import {EKU, issued} from './cert-info.mjs'

export const POLICY_NAMES = {smime: 'S/MIME', basic: 'X.509 Basic', 'ssl-client': 'SSL (client)', 'ssl-server': 'SSL (server)', codesigning: 'Code Signing', eap: 'EAP', ipsec: 'IPsec', ichat: 'iChat'}

function dateError(info, now) {
  if (now < info.notBefore) return 'CSSMERR_TP_CERT_NOT_VALID_YET'
  if (now > info.notAfter) return 'CSSMERR_TP_CERT_EXPIRED'
  return null
}

/**
 * What the certificate alone fails for the policy, or null. For S/MIME: the address given with -s
 * must be in the certificate, a keyUsage extension must allow signing (find-identity asks for
 * CSSM_KEYUSE_SIGN), an extendedKeyUsage must allow e-mail. A certificate without keyUsage passes
 * here (the TP allows it; that Mail ignores it is Mail's business, research §3.1).
 */
export function certificateError(info, policy, email, now = new Date()) {
  const dates = dateError(info, now)
  if (dates) return dates
  if (policy !== 'smime') return null
  if (email && !info.emails.some((address) => address.toLowerCase() === email.toLowerCase())) return 'CSSMERR_APPLETP_SMIME_EMAIL_ADDRS_NOT_FOUND'
  if (info.keyUsage && !info.keyUsage.includes('digitalSignature') && !info.keyUsage.includes('nonRepudiation')) return 'CSSMERR_APPLETP_SMIME_BAD_KEY_USE'
  if (info.extendedKeyUsage && !info.extendedKeyUsage.includes(EKU.emailProtection) && !info.extendedKeyUsage.includes(EKU.any)) return 'CSSMERR_APPLETP_SMIME_BAD_EXT_KEY_USE'
  return null
}

function settingFor(trustSettings, info, policy) {
  return trustSettings.find((setting) => setting.sha1 === info.sha1 && (setting.policies.length === 0 || setting.policies.includes(policy)))
}

/**
 * The CSSM error of the full evaluation, or null when the certificate is trusted for the policy.
 * `pool`: the certificates of the keychains searched (intermediates); `systemRoots`: the anchors
 * macOS ships; `trustSettings`: the user's.
 */
export function evaluate(info, {policy, email, pool, systemRoots, trustSettings, now = new Date()}) {
  const own = certificateError(info, policy, email, now)
  if (own) return own
  const candidates = [...pool, ...systemRoots]
  let current = info
  const seen = new Set()
  for (;;) {
    if (seen.has(current.sha1)) return 'CSSMERR_TP_NOT_TRUSTED'
    seen.add(current.sha1)
    if (current !== info) {
      const dates = dateError(current, now)
      if (dates) return dates
    }
    const setting = settingFor(trustSettings, current, policy)
    if (setting?.result === 'deny') return 'CSSMERR_APPLETP_TRUST_SETTING_DENY'
    if (setting && (setting.result === 'trustRoot' || setting.result === 'trustAsRoot')) return null
    if (current.selfSigned) {
      if (systemRoots.some((root) => root.sha1 === current.sha1)) return null
      return current === info ? 'CSSMERR_TP_INVALID_ANCHOR_CERT' : 'CSSMERR_TP_NOT_TRUSTED'
    }
    const issuer = candidates.find((candidate) => candidate.sha1 !== current.sha1 && issued(candidate, current))
    if (!issuer) return 'CSSMERR_TP_NOT_TRUSTED'
    current = issuer
  }
}
