/**
 * An account's certificate that has expired, or expires within 30 days, as every client's check
 * says it: the same codes, words and next step whatever the client. Expired: the account can no
 * longer sign, and others can no longer encrypt to it. Soon: there is time to get the next one, and
 * the command to run when its file arrives (the old key stays, so old mail still opens).
 */
import {EXPIRY_WARNING_DAYS} from '../identity/findings.js'
import type {Problem} from './client.js'

export interface ExpiringCertificate {
  daysLeft: number
  /** ISO 8601. */
  notAfter: string
}

/**
 * `subject`: how the message names the certificate (`The signing certificate`, `The certificate
 * Outlook uses for alice@example.com`); `install`: the command that installs a certificate for the
 * account; `at`: where (profile, account).
 */
export function expiryProblem(certificate: ExpiringCertificate, subject: string, install: string, at: Pick<Problem, 'profile' | 'account'>): Problem | null {
  const date = certificate.notAfter.slice(0, 10)
  const next = install.replace('YOUR-CERTIFICATE.p12', 'NEW-CERTIFICATE.p12')
  if (certificate.daysLeft < 0) {
    return {
      severity: 'error',
      code: 'expired',
      message: `${subject} expired on ${date}: it can no longer sign, and nobody can encrypt to it.`,
      fix: `Get a new certificate from your certificate authority, then: ${next} (the old key stays, so mail encrypted to the old certificate still opens)`,
      ...at,
    }
  }
  if (certificate.daysLeft < EXPIRY_WARNING_DAYS) {
    return {
      severity: 'warning',
      code: 'expires-soon',
      message: `${subject} expires in ${certificate.daysLeft} day${certificate.daysLeft === 1 ? '' : 's'} (${date}).`,
      fix: `Ask your certificate authority for the new one now; when its file arrives: ${next}`,
      ...at,
    }
  }
  return null
}
