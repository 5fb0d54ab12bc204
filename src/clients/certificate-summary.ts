/** A stored certificate as `check` reports it: what a person reads, and the days it has left. */
import type {Certificate} from '../identity/certificate-types.js'
import {daysLeft} from '../identity/findings.js'
import type {CertificateState} from './client.js'

export function certificateSummary(certificate: Certificate, storedName: string, now: Date): NonNullable<CertificateState['certificate']> {
  return {
    subject: certificate.subject.text,
    emails: certificate.emails,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    daysLeft: daysLeft(certificate, now),
    fingerprintSha256: certificate.fingerprints.sha256,
    nickname: storedName,
  }
}
