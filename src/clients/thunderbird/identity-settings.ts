/**
 * Which Thunderbird identities a certificate is for, and the prefs that make an identity sign and
 * decrypt with it (research/thunderbird-nss.md §2.2): the dbKey prefs are how Thunderbird finds the
 * certificate; the name prefs must be non-empty or the compose window keeps S/MIME switched off.
 */
import type {Certificate} from '../../identity/certificate-types.js'
import {nssDbKey} from '../../stores/nss/dbkey.js'
import {identityPrefName, type MailIdentity, SMIME_IDENTITY_ATTRIBUTES} from './accounts.js'
import type {PrefValue} from './prefs-js.js'
import {sameAddress} from '../../identity/same-address.js'

export interface SmimeChoice {
  certificate: Certificate
  /** A separate encryption certificate (Thunderbird keeps one dbKey for each); unset: `certificate` does both. */
  encryptionCertificate?: Certificate
  /** Whether the (encryption) certificate may be used to decrypt (keyEncipherment for RSA, keyAgreement for EC). */
  canEncrypt: boolean
  /** undefined leaves the identity's setting as it is. */
  signByDefault?: boolean
  encryptByDefault?: boolean
}

export function identityMatches(identity: MailIdentity, emails: readonly string[]): boolean {
  return identity.email !== null && emails.some((email) => sameAddress(email, identity.email!))
}

/**
 * The identities to configure: those whose address is one of the certificate's, narrowed to the
 * addresses asked for (`--account`), if any. An identity with another address is never touched.
 */
export function identitiesFor(identities: readonly MailIdentity[], certificateEmails: readonly string[], onlyAccounts: readonly string[] = []): MailIdentity[] {
  return identities.filter(
    (identity) => identityMatches(identity, certificateEmails) && (onlyAccounts.length === 0 || identityMatches(identity, onlyAccounts)),
  )
}

/** What Thunderbird's settings page stores as the certificate's name: its displayName, which is the CN when there is one. */
export function certificateDisplayName(certificate: Certificate): string {
  const attribute = (type: string) => certificate.subject.attributes.find((a) => a.type === type)?.value
  return attribute('CN') ?? attribute('OU') ?? attribute('O') ?? certificate.emails[0] ?? certificate.subject.text
}

/** Thunderbird's encryptionpolicy: 0 never encrypt by default, 2 require encryption. */
const ENCRYPTION_POLICY = {off: 0, required: 2} as const

export function smimePrefChanges(identityKeys: readonly string[], choice: SmimeChoice): Record<string, PrefValue> {
  const dbKey = nssDbKey(choice.certificate)
  const name = certificateDisplayName(choice.certificate)
  const encryptionDbKey = nssDbKey(choice.encryptionCertificate ?? choice.certificate)
  const encryptionName = certificateDisplayName(choice.encryptionCertificate ?? choice.certificate)
  const changes: Record<string, PrefValue> = {}
  for (const key of identityKeys) {
    const pref = (attribute: string) => identityPrefName(key, attribute)
    changes[pref(SMIME_IDENTITY_ATTRIBUTES.signingCertDbKey)] = dbKey
    changes[pref(SMIME_IDENTITY_ATTRIBUTES.signingCertName)] = name
    if (choice.canEncrypt) {
      changes[pref(SMIME_IDENTITY_ATTRIBUTES.encryptionCertDbKey)] = encryptionDbKey
      changes[pref(SMIME_IDENTITY_ATTRIBUTES.encryptionCertName)] = encryptionName
    }
    if (choice.signByDefault !== undefined) changes[pref(SMIME_IDENTITY_ATTRIBUTES.signMail)] = choice.signByDefault
    if (choice.encryptByDefault !== undefined && (choice.canEncrypt || !choice.encryptByDefault)) {
      changes[pref(SMIME_IDENTITY_ATTRIBUTES.encryptionPolicy)] = choice.encryptByDefault ? ENCRYPTION_POLICY.required : ENCRYPTION_POLICY.off
    }
  }
  return changes
}
