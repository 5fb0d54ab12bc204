/**
 * A macOS configuration profile (.mobileconfig) that hands out one person's S/MIME identity: the
 * identity as a `com.apple.security.pkcs12` payload, one `com.apple.security.identitypreference`
 * payload per address (the profile form of `security set-identity-preference -s ADDRESS`), and, when
 * asked, the private root as `com.apple.security.root`. Pure: the caller re-encodes the identity.
 *
 * Identifiers are stable: the profile's PayloadIdentifier comes from the person's address, so a
 * renewal's profile replaces the old one; every PayloadUUID is a UUID v5 of the certificate's
 * SHA-256 and the payload's role, so the same certificate always gives the same UUIDs.
 */
import {createHash} from 'node:crypto'
import {domainToASCII} from 'node:url'

import type {Certificate} from '../identity/certificate-types.js'
import type {Identity} from '../identity/identity.js'
import type {PlistDict} from '../system/plist.js'

/** mailcert's own UUID namespace for payload UUIDs (a random v4 UUID, fixed once). */
const UUID_NAMESPACE = 'c733f72b-632d-4b3e-b574-6a6690827959'

/** TopLevel.yaml's TargetDeviceType for a Mac: iPhones and iPads do not offer to install it (identity preferences are macOS-only). */
const TARGET_MAC = 5

export const PAYLOAD_TYPES = {
  profile: 'Configuration',
  pkcs12: 'com.apple.security.pkcs12',
  identityPreference: 'com.apple.security.identitypreference',
  root: 'com.apple.security.root',
} as const

export interface MobileconfigOptions {
  /** The profile's PayloadIdentifier. Default: from the certificate's first address (see `defaultProfileIdentifier`). */
  identifier?: string
  /** PayloadOrganization. Default: the certificate subject's organisation, if it names one. */
  organization?: string
  /**
   * The password of `pkcs12`, written into the profile: the installer then asks for nothing, and
   * anyone who has the file can install the key. Left out, the installer asks for it.
   */
  includedPassword?: string
  /** Add the chain's self-signed root as a trusted root (`com.apple.security.root`). */
  trustRoot?: boolean
}

export interface ProfilePayload {
  type: string
  identifier: string
  uuid: string
  displayName: string
  /** The address an identity preference is for. */
  address?: string
}

export interface Mobileconfig {
  identifier: string
  uuid: string
  displayName: string
  description: string
  payloads: ProfilePayload[]
  /** The root the profile trusts, when it does. */
  root: Certificate | null
  /** The profile itself, for xmlPlist. */
  plist: PlistDict
}

/** RFC 4122 name-based UUID, version 5 (SHA-1), upper case as macOS's uuidgen prints it. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest()
  hash[6] = (hash[6] & 0x0f) | 0x50
  hash[8] = (hash[8] & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex').toUpperCase()
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The UUID of one payload of the profile for `certificate`: `role` is `profile`, `pkcs12`, `identitypreference:ADDRESS` or `root:SHA256`. */
export function payloadUuid(certificate: Certificate, role: string): string {
  return uuidV5(UUID_NAMESPACE, `${certificate.fingerprints.sha256}/${role}`)
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*$/

/** Whether `identifier` is reverse-DNS style (letters, digits and hyphens, in dot-separated parts). */
export function isProfileIdentifier(identifier: string): boolean {
  return IDENTIFIER.test(identifier)
}

function label(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'x'
}

/**
 * `mailcert.smime.` and the first address reversed, `com.example.alice` for alice@example.com: the
 * same for every certificate of that address, so that installing a renewal replaces the old profile.
 */
export function defaultProfileIdentifier(certificate: Certificate): string {
  const address = certificate.emails[0]
  if (address === undefined) return `mailcert.smime.${certificate.fingerprints.sha256.slice(0, 16)}`
  const at = address.lastIndexOf('@')
  const domain = domainToASCII(address.slice(at + 1)) || address.slice(at + 1)
  const parts = [...domain.split('.').reverse(), ...address.slice(0, at).split('.')]
  return ['mailcert', 'smime', ...parts.map(label)].join('.')
}

/** Characters an XML plist cannot carry (controls, lone surrogates), which a certificate's names may hold. */
// eslint-disable-next-line no-control-regex
const NOT_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

function shown(text: string): string {
  return text.replace(NOT_TEXT, '\uFFFD')
}

function nameAttribute(name: Certificate['subject'], type: string): string | undefined {
  const value = name.attributes.find((a) => a.type === type)?.value
  return value === undefined ? undefined : shown(value)
}

function commonName(certificate: Certificate): string | undefined {
  return nameAttribute(certificate.subject, 'CN')
}

/** "Alice Example (alice@example.com)", or just the address when the name is the address. */
export function personLabel(certificate: Certificate): string {
  const name = commonName(certificate)
  const address = certificate.emails[0]
  if (name === undefined) return address ?? shown(certificate.subject.text)
  if (address === undefined || name.toLowerCase() === address.toLowerCase()) return name
  return `${name} (${address})`
}

/** A file name macOS shows for the certificate, without characters that file systems refuse. */
function fileName(base: string, extension: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = base.replace(/[\u0000-\u001f/\\:*?"<>|]+/g, '-').trim() || 'certificate'
  return `${safe}${extension}`
}

/** `alice@example.com.mobileconfig`: where a profile goes when no file is named. */
export function defaultProfileFileName(certificate: Certificate): string {
  return fileName(certificate.emails[0] ?? commonName(certificate) ?? 'certificate', '.mobileconfig')
}

/** The self-signed root at the end of the identity's chain, if the file holds one. */
export function rootOf(identity: Identity): Certificate | null {
  const last = identity.chain.at(-1)
  return identity.chainComplete && last?.selfSigned ? last : null
}

function organizationOf(certificate: Certificate): string | undefined {
  return nameAttribute(certificate.subject, 'O')
}

function listing(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

/** The profile for `identity`, whose PKCS#12 encoding (what every macOS reads) is `pkcs12`. */
export function buildMobileconfig(identity: Identity, pkcs12: Buffer, options: MobileconfigOptions = {}): Mobileconfig {
  const certificate = identity.certificate
  const identifier = options.identifier ?? defaultProfileIdentifier(certificate)
  const person = personLabel(certificate)
  const organization = options.organization ?? organizationOf(certificate)
  const root = options.trustRoot ? rootOf(identity) : null
  const payloads: ProfilePayload[] = []
  const contents: PlistDict[] = []

  const pkcs12Payload: ProfilePayload = {
    type: PAYLOAD_TYPES.pkcs12,
    identifier: `${identifier}.pkcs12`,
    uuid: payloadUuid(certificate, 'pkcs12'),
    displayName: person,
  }
  payloads.push(pkcs12Payload)
  contents.push({
    ...(options.includedPassword !== undefined ? {Password: options.includedPassword} : {}),
    PayloadCertificateFileName: fileName(certificate.emails[0] ?? commonName(certificate) ?? 'certificate', '.p12'),
    PayloadContent: pkcs12,
    PayloadDescription: `The certificate and private key of ${person}, for signing and decrypting mail.`,
    PayloadDisplayName: pkcs12Payload.displayName,
    PayloadIdentifier: pkcs12Payload.identifier,
    PayloadType: pkcs12Payload.type,
    PayloadUUID: pkcs12Payload.uuid,
    PayloadVersion: 1,
  })

  certificate.emails.forEach((address, index) => {
    const payload: ProfilePayload = {
      type: PAYLOAD_TYPES.identityPreference,
      identifier: `${identifier}.identitypreference.${index + 1}`,
      uuid: payloadUuid(certificate, `identitypreference:${address.toLowerCase()}`),
      displayName: `Use this certificate for ${address}`,
      address,
    }
    payloads.push(payload)
    contents.push({
      Name: address,
      PayloadCertificateUUID: pkcs12Payload.uuid,
      PayloadDescription: `Makes ${address} use the certificate of ${person} when there are several.`,
      PayloadDisplayName: payload.displayName,
      PayloadIdentifier: payload.identifier,
      PayloadType: payload.type,
      PayloadUUID: payload.uuid,
      PayloadVersion: 1,
    })
  })

  if (root) {
    const rootName = commonName(root) ?? shown(root.subject.text)
    const payload: ProfilePayload = {
      type: PAYLOAD_TYPES.root,
      identifier: `${identifier}.root`,
      uuid: payloadUuid(certificate, `root:${root.fingerprints.sha256}`),
      displayName: rootName,
    }
    payloads.push(payload)
    contents.push({
      PayloadCertificateFileName: fileName(rootName, '.cer'),
      PayloadContent: root.der,
      PayloadDescription: `Trusts ${rootName}, the authority that issued the certificate of ${person}.`,
      PayloadDisplayName: payload.displayName,
      PayloadIdentifier: payload.identifier,
      PayloadType: payload.type,
      PayloadUUID: payload.uuid,
      PayloadVersion: 1,
    })
  }

  const issuer = nameAttribute(certificate.issuer, 'CN') ?? shown(certificate.issuer.text)
  const displayName = `S/MIME certificate of ${person}`
  const description =
    `Installs the S/MIME certificate of ${person} with its private key in your login keychain, and makes it the one used for ${listing(certificate.emails)}. ` +
    `Issued by ${issuer}; valid until ${certificate.notAfter.toISOString().slice(0, 10)}.` +
    (root ? ` Also trusts ${commonName(root) ?? shown(root.subject.text)} as a certificate authority.` : '')
  const uuid = payloadUuid(certificate, 'profile')

  // Keys in alphabetical order, as Apple's tools write them.
  const plist: PlistDict = {
    PayloadContent: contents,
    PayloadDescription: description,
    PayloadDisplayName: displayName,
    PayloadIdentifier: identifier,
    ...(organization !== undefined ? {PayloadOrganization: organization} : {}),
    PayloadScope: 'User',
    PayloadType: PAYLOAD_TYPES.profile,
    PayloadUUID: uuid,
    PayloadVersion: 1,
    TargetDeviceType: TARGET_MAC,
  }
  return {identifier, uuid, displayName, description, payloads, root, plist}
}
