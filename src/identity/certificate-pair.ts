/**
 * Which of two certificates for one address signs and which is encrypted to, for authorities that
 * issue them separately. Decided from key usage (research/thunderbird-nss.md §2.3) because that is what
 * the clients check at send time; a certificate whose EKU lacks emailProtection is of no use for either.
 * Refused with one sentence (exit 4) when the two are not such a pair, before anything is imported.
 */
import {ExitCode, UserError} from '../errors.js'
import type {Certificate} from './certificate-types.js'
import type {Identity} from './identity.js'
import {canEncrypt, canSign} from './key-usage.js'
import {EXTENDED_KEY_USAGE} from './oids.js'
import {sameAddress} from './same-address.js'

export interface CertificatePair {
  signing: Identity
  encryption: Identity
}

function forMail(certificate: Certificate): boolean {
  const eku = certificate.extendedKeyUsage
  return eku === null || eku.includes(EXTENDED_KEY_USAGE.emailProtection)
}

function notAPair(message: string, hints: string[] = []): UserError {
  return new UserError(message, {code: 'not-a-certificate-pair', exitCode: ExitCode.unreadableInput, hints})
}

function abilities(identity: Identity): {sign: boolean; encrypt: boolean} {
  const {certificate} = identity
  const mail = forMail(certificate)
  return {sign: mail && canSign(certificate), encrypt: mail && canEncrypt(certificate)}
}

/** The two files in either order; throws when they do not make one signing and one encryption certificate. */
export function pairCertificates(first: Identity, second: Identity): CertificatePair {
  const shared = first.certificate.emails.filter((address) => second.certificate.emails.some((other) => sameAddress(address, other)))
  if (shared.length === 0) {
    throw notAPair(`The two certificates are for different addresses (${first.certificate.emails.join(', ') || 'none'} and ${second.certificate.emails.join(', ') || 'none'}).`, [
      'Install each one on its own, or give the signing and the encryption certificate of one address.',
    ])
  }

  if (first.certificate.fingerprints.sha256 === second.certificate.fingerprints.sha256) {
    throw notAPair('Both files hold the same certificate.', ['Give the signing and the encryption certificate, or install one file on its own.'])
  }

  const a = abilities(first)
  const b = abilities(second)
  if (a.sign && !a.encrypt && b.encrypt && !b.sign) return {signing: first, encryption: second}
  if (b.sign && !b.encrypt && a.encrypt && !a.sign) return {signing: second, encryption: first}
  if (!a.encrypt && !b.encrypt) throw notAPair('Neither certificate can be used to receive encrypted mail, both can only sign.')
  if (!a.sign && !b.sign) throw notAPair('Neither certificate can sign mail, both can only be used for encryption.')
  throw notAPair('One of the certificates can both sign and encrypt, so there is no telling which is meant for which.', [
    'Install the one that can do both on its own: mailcert install FILE.p12',
  ])
}
