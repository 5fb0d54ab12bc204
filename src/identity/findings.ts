/**
 * What is wrong with an identity, for S/MIME. Errors make it unusable (mailcert installs nothing);
 * warnings are worth fixing; infos explain what mailcert will do about the file's format. Codes are
 * stable: scripts and `check` refer to them.
 */
import type {Certificate} from './certificate-types.js'
import type {Identity} from './identity.js'
import {KEYS_MAIL_CLIENTS_CANNOT_USE} from './key-algorithms.js'
import {canEncrypt, canSign, encryptionKeyUsage, usageNeeded} from './key-usage.js'
import {EXTENDED_KEY_USAGE} from './oids.js'
import {classify} from './smime-type.js'

export type Severity = 'error' | 'warning' | 'info'

export interface Finding {
  severity: Severity
  code: string
  message: string
  fix: string
}

/** Fewer days of validity left than this is worth a warning, here and in `check`. */
export const EXPIRY_WARNING_DAYS = 30
const DAY_MS = 86_400_000

export interface LintContext {
  now: Date
  /** False for a bare certificate: then the missing key is explained differently. */
  fromPkcs12: boolean
  protection?: {mac: string | null; certificateEncryption: string | null; keyEncryption: string | null}
}

export function daysLeft(certificate: Certificate, now: Date): number {
  return Math.floor((certificate.notAfter.getTime() - now.getTime()) / DAY_MS)
}

/** RFC 5280 §4.1.2.5: a notAfter of 99991231235959Z means the certificate has no well-defined expiration date. */
export function neverExpires(notAfter: Date): boolean {
  return notAfter.getTime() === Date.UTC(9999, 11, 31, 23, 59, 59)
}

function formatDate(date: Date): string {
  return date.toISOString().slice(0, 10)
}

function usageFindings(certificate: Certificate): Finding[] {
  const findings: Finding[] = []
  const eku = certificate.extendedKeyUsage
  if (eku !== null && !eku.includes(EXTENDED_KEY_USAGE.emailProtection)) {
    const tls = eku.includes(EXTENDED_KEY_USAGE.serverAuth)
    findings.push({
      severity: 'error',
      code: 'eku-without-email-protection',
      message: tls
        ? 'This is a TLS (web server) certificate, not one for e-mail.'
        : `The certificate is not allowed for e-mail: its extended key usage lacks E-mail Protection${eku.includes(EXTENDED_KEY_USAGE.clientAuth) ? ' (it is for client authentication)' : ''}.`,
      fix: 'Get an S/MIME (e-mail) certificate from your certificate authority.',
    })
  }

  const ku = certificate.keyUsage
  // A CA certificate is refused as such, and a key no mail client can use is reported as what it is
  // (keyAlgorithmFindings): what their keys may be used for is beside the point.
  if (certificate.basicConstraints?.ca === true || KEYS_MAIL_CLIENTS_CANNOT_USE[certificate.publicKey.algorithm]) return findings
  if (ku === null) {
    findings.push({
      severity: 'warning',
      code: 'no-key-usage',
      message: 'The certificate has no key usage extension; Apple Mail ignores such certificates.',
      fix: 'Ask your certificate authority for a certificate with a key usage extension if you use Apple Mail.',
    })
    return findings
  }
  if (!canSign(certificate) && !canEncrypt(certificate)) {
    findings.push({
      severity: 'error',
      code: 'key-usage-not-for-mail',
      message: `The key usage (${ku.length > 0 ? ku.join(', ') : 'nothing'}) allows neither signing nor encryption with this ${certificate.publicKey.algorithm} key: mail clients refuse the certificate for S/MIME.`,
      fix: `Get an S/MIME certificate from your certificate authority; its key usage must include ${usageNeeded(certificate)}.`,
    })
    return findings
  }
  if (!canSign(certificate)) {
    findings.push({
      severity: 'warning',
      code: 'cannot-sign',
      message: 'The key usage does not allow signing (digitalSignature): mail clients will not sign with it.',
      fix: 'Ask your certificate authority for a certificate that allows signing.',
    })
  }
  const encryptionUsage = encryptionKeyUsage(certificate)
  if (encryptionUsage !== null && !canEncrypt(certificate)) {
    findings.push({
      severity: 'info',
      code: 'cannot-decrypt',
      message: `The key usage lacks ${encryptionUsage}: others cannot encrypt mail to you with this certificate, only check your signature.`,
      fix: 'Use it for signing; for encrypted mail, ask your certificate authority for a certificate that allows encryption too.',
    })
  }
  return findings
}

function validityFindings(certificate: Certificate, now: Date): Finding[] {
  if (now < certificate.notBefore) {
    return [
      {
        severity: 'error',
        code: 'not-yet-valid',
        message: `The certificate is not valid until ${formatDate(certificate.notBefore)}.`,
        fix: 'Check the computer\'s date and time; if they are right, wait until then or ask your certificate authority.',
      },
    ]
  }
  if (now > certificate.notAfter) {
    return [
      {
        severity: 'error',
        code: 'expired',
        message: `The certificate expired on ${formatDate(certificate.notAfter)}.`,
        fix: 'Renew it with your certificate authority and install the new file. Keep the old one only to read old encrypted mail.',
      },
    ]
  }
  const days = daysLeft(certificate, now)
  if (days < EXPIRY_WARNING_DAYS) {
    return [
      {
        severity: 'warning',
        code: 'expires-soon',
        message: `The certificate expires in ${days} day${days === 1 ? '' : 's'} (${formatDate(certificate.notAfter)}).`,
        fix: 'Renew it with your certificate authority soon.',
      },
    ]
  }
  return []
}

function keyFindings(identity: Identity, context: LintContext): Finding[] {
  if (identity.privateKey === null) {
    return [
      {
        severity: 'error',
        code: 'no-private-key',
        message: context.fromPkcs12
          ? 'The file holds no private key, only certificates: mail cannot be signed or decrypted with it.'
          : 'This is a certificate alone, without its private key: mail cannot be signed or decrypted with it.',
        fix: 'Use the .p12 or .pfx file that holds the private key (the one you downloaded when the certificate was issued).',
      },
    ]
  }
  const findings: Finding[] = []
  if (identity.keyMatchesCertificate === false) {
    findings.push({
      severity: 'error',
      code: 'key-mismatch',
      message: 'The private key in the file does not belong to the certificate.',
      fix: 'Export the certificate together with its own private key again.',
    })
  }
  if (identity.keyCount > 1) {
    findings.push({
      severity: 'info',
      code: 'multiple-keys',
      message: `The file holds ${identity.keyCount} private keys; mailcert uses the one that belongs to ${identity.certificate.subject.text}.`,
      fix: 'Nothing to do, unless you meant another identity: then export it on its own.',
    })
  }
  return findings
}

/** What each level of support for a key means for the person holding the certificate. */
const KEY_SUPPORT_FINDINGS = {
  none: {severity: 'error', code: 'key-not-for-mail-clients', fix: 'Use an RSA or ECDSA S/MIME certificate for now; keep this one for when your mail client supports its key.'},
  'extra-software': {
    severity: 'warning',
    code: 'key-needs-extra-software',
    fix: 'Install a cryptography provider for this key in your mail client, or use an RSA or ECDSA S/MIME certificate.',
  },
  unknown: {severity: 'warning', code: 'unknown-key-algorithm', fix: 'Use an RSA or ECDSA S/MIME certificate if your mail client does not offer this one.'},
} as const

/** Keys that the mail clients cannot use (or only with extra software), by the certificate's key: that is the key they see. */
function keyAlgorithmFindings(certificate: Certificate): Finding[] {
  const {publicKey} = certificate
  const facts = KEYS_MAIL_CLIENTS_CANNOT_USE[publicKey.algorithm]
  if (facts === undefined || certificate.basicConstraints?.ca === true) return []
  const what = publicKey.algorithm === 'unknown' ? `of a kind mailcert does not know (OID ${publicKey.oid ?? 'unknown'})` : publicKey.name
  return [{...KEY_SUPPORT_FINDINGS[facts.support], message: `The certificate's key is ${what}: ${facts.why}.`}]
}

function strengthFindings(certificate: Certificate): Finding[] {
  const findings: Finding[] = []
  const {publicKey, signatureAlgorithm} = certificate
  if (publicKey.algorithm === 'RSA' && publicKey.bits !== undefined && publicKey.bits < 2048) {
    findings.push({
      severity: 'warning',
      code: 'rsa-key-too-small',
      message: `The RSA key has ${publicKey.bits} bits; at least 2048 are needed to be safe and accepted everywhere.`,
      fix: 'Get a new certificate with a key of 2048 bits or more.',
    })
  }
  if (signatureAlgorithm.hash === 'SHA-1' || signatureAlgorithm.hash === 'MD5') {
    findings.push({
      severity: 'warning',
      code: 'sha1-signature',
      message: `The certificate is signed with ${signatureAlgorithm.hash}, which current mail clients distrust.`,
      fix: 'Get a new certificate signed with SHA-256 or better.',
    })
  }
  return findings
}

const ADDRESS_PLACE = {rfc822Name: 'subject alternative name', SmtpUTF8Mailbox: 'subject alternative name', subject: "subject's emailAddress"} as const

function malformedAddressFindings(certificate: Certificate): Finding[] {
  return certificate.malformedAddresses.map(({value, source}) => {
    const several = value.split(/[\s,;]+/).filter((part) => part.includes('@')).length > 1
    return {
      severity: 'error' as const,
      code: 'malformed-address',
      message: several
        ? `The certificate's ${ADDRESS_PLACE[source]} "${value}" holds several addresses in one entry: mail clients read it as one address that matches no account.`
        : `The certificate's ${ADDRESS_PLACE[source]} "${value}" is not an e-mail address: mail clients cannot match it to an account.`,
      fix: 'Ask your certificate authority to issue the certificate again, with one address in each entry.',
    }
  })
}

function addressFindings(certificate: Certificate): Finding[] {
  const malformed = malformedAddressFindings(certificate)
  if (certificate.emails.length === 0) {
    // A malformed entry already says why no account can use the certificate.
    if (malformed.length > 0) return malformed
    return [
      {
        severity: 'error',
        code: 'no-email',
        message: 'The certificate names no e-mail address, so no mail account can use it.',
        fix: 'Get an S/MIME certificate issued for your e-mail address.',
      },
    ]
  }
  // eslint-disable-next-line no-control-regex
  const nonAscii = certificate.emails.filter((address) => /[^\x00-\x7f]/.test(address))
  if (nonAscii.length === 0) return malformed
  // NSS reads rfc822Names and the subject's emailAddress, never an SmtpUTF8Mailbox (certdb.c, cert_GetCertificateEmailAddresses).
  const onlySmtpUtf8 = certificate.emailSources.some((source, index) => source === 'SmtpUTF8Mailbox' && nonAscii.includes(certificate.emails[index]))
  return [
    ...malformed,
    {
      severity: 'warning',
      code: 'non-ascii-mailbox',
      message: `The address ${nonAscii.join(', ')} has non-ASCII characters; many mail clients cannot match it to an account${onlySmtpUtf8 ? ', and Thunderbird does not read an address written as an SmtpUTF8Mailbox at all' : ''}.`,
      fix: 'Use an ASCII address for S/MIME if your mail client does not find the certificate.',
    },
  ]
}

function chainFindings(identity: Identity): Finding[] {
  const findings: Finding[] = []
  if (identity.certificate.basicConstraints?.ca === true) {
    findings.push({
      severity: 'error',
      code: 'ca-certificate',
      message: 'This is a certificate authority\'s certificate, not a personal one.',
      fix: 'Use your own certificate (issued for your e-mail address), not your certificate authority\'s.',
    })
  }
  if (!identity.chainComplete) {
    const top = identity.chain.at(-1) ?? identity.certificate
    findings.push({
      severity: 'warning',
      code: 'chain-incomplete',
      message: `The file does not carry the chain up to a root: nothing in it vouches for "${top.issuer.text}".`,
      fix: 'Mail clients that already trust that issuer are fine; otherwise get the intermediate and root certificates from your certificate authority.',
    })
  }
  return findings
}

function formatFindings(context: LintContext): Finding[] {
  const protection = context.protection
  if (!protection) return []
  const findings: Finding[] = []
  if (protection.mac === null) {
    findings.push({
      severity: 'info',
      code: 'no-mac',
      message: 'The file has no integrity check (MAC); Thunderbird and NSS refuse such files.',
      fix: 'Nothing to do: mailcert re-encodes the identity for each store.',
    })
  } else if (protection.mac.startsWith('PBMAC1')) {
    findings.push({
      severity: 'info',
      code: 'pbmac1',
      message: 'The file uses the new PBMAC1 integrity check, which Windows, macOS and older NSS tools cannot read.',
      fix: 'Nothing to do: mailcert re-encodes the identity for each store.',
    })
  }
  const encryption = [protection.certificateEncryption, protection.keyEncryption].filter((name): name is string => name !== null)
  if (encryption.some((name) => name.startsWith('AES'))) {
    findings.push({
      severity: 'info',
      code: 'aes-encryption',
      message: 'The file is encrypted with AES, which macOS before 15 and Windows before 10 (1709) cannot import.',
      fix: 'Nothing to do: mailcert re-encodes the identity for each store.',
    })
  }
  return findings
}

function generationFindings(certificate: Certificate): Finding[] {
  if (classify(certificate).generation !== 'legacy') return []
  return [
    {
      severity: 'warning',
      code: 'legacy-generation',
      message: 'The certificate was issued under the "legacy" S/MIME rules, which certificate authorities may no longer use since July 2025.',
      fix: 'It works until it expires; renew it as a "strict" or "multipurpose" certificate.',
    },
  ]
}

const ORDER: Record<Severity, number> = {error: 0, warning: 1, info: 2}

export function lintIdentity(identity: Identity, context: LintContext): Finding[] {
  const certificate = identity.certificate
  return [
    ...addressFindings(certificate),
    ...keyAlgorithmFindings(certificate),
    ...usageFindings(certificate),
    ...validityFindings(certificate, context.now),
    ...chainFindings(identity),
    ...keyFindings(identity, context),
    ...strengthFindings(certificate),
    ...generationFindings(certificate),
    ...formatFindings(context),
  ].sort((a, b) => ORDER[a.severity] - ORDER[b.severity])
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((finding) => finding.severity === 'error')
}
