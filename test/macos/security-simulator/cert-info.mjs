/**
 * What the simulated Security framework knows of a certificate: its hashes, names, addresses, key
 * usage and validity, read from the DER bytes with node:crypto and the small DER reader.
 */
import {createHash, X509Certificate} from 'node:crypto'

import {children, octets, oid, parseDer, TAG, text} from './der.mjs'

const OIDS = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  emailAddress: '1.2.840.113549.1.9.1',
  subjectAltName: '2.5.29.17',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
}

export const EKU = {emailProtection: '1.3.6.1.5.5.7.3.4', any: '2.5.29.37.0'}

const KEY_USAGE_BITS = ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment', 'keyAgreement', 'keyCertSign', 'cRLSign', 'encipherOnly', 'decipherOnly']

export const hex = (bytes) => Buffer.from(bytes).toString('hex').toUpperCase()

function nameAttributes(nameNode) {
  const attributes = []
  for (const rdn of children(nameNode, 'Name')) {
    for (const pair of children(rdn, 'RelativeDistinguishedName')) {
      const [type, value] = children(pair, 'AttributeTypeAndValue')
      attributes.push({oid: oid(type), value: text(value)})
    }
  }
  return attributes
}

function extensionsOf(tbs) {
  const holder = tbs.children.find((node) => node.tag === 0xa3)
  if (!holder) return new Map()
  const result = new Map()
  for (const extension of children(holder.children[0], 'Extensions')) {
    const parts = children(extension, 'Extension')
    const value = parts.at(-1)
    result.set(oid(parts[0]), parseDer(octets(value)))
  }
  return result
}

function keyUsageOf(node) {
  if (!node) return null
  const bytes = node.contents.subarray(1)
  const usages = []
  KEY_USAGE_BITS.forEach((name, bit) => {
    const byte = bytes[bit >> 3] ?? 0
    if (byte & (0x80 >> (bit & 7))) usages.push(name)
  })
  return usages
}

/** Everything the simulator asks of a certificate, computed once from its DER bytes. */
export function certInfo(der) {
  const bytes = Buffer.from(der)
  const x509 = new X509Certificate(bytes)
  const root = parseDer(bytes)
  const tbs = children(root, 'Certificate')[0]
  const fields = children(tbs, 'TBSCertificate')
  const offset = fields[0].tag === 0xa0 ? 1 : 0
  const subject = nameAttributes(fields[offset + 4])
  const extensions = extensionsOf(tbs)

  const emails = []
  const add = (address) => {
    if (!emails.some((known) => known.toLowerCase() === address.toLowerCase())) emails.push(address)
  }
  const san = extensions.get(OIDS.subjectAltName)
  if (san) for (const name of san.children ?? []) if (name.tag === 0x81) add(name.contents.toString('latin1'))
  for (const attribute of subject) if (attribute.oid === OIDS.emailAddress) add(attribute.value)

  const eku = extensions.get(OIDS.extKeyUsage)
  const basic = extensions.get(OIDS.basicConstraints)
  const commonName = subject.find((a) => a.oid === OIDS.commonName)?.value ?? null
  const organization = subject.find((a) => a.oid === OIDS.organization)?.value ?? null
  const spki = x509.publicKey.export({type: 'spki', format: 'der'})
  const selfSigned = x509.checkIssued(x509) && safeVerify(x509, x509)
  return {
    der: bytes,
    x509,
    sha1: hex(createHash('sha1').update(bytes).digest()),
    sha256: hex(createHash('sha256').update(bytes).digest()),
    commonName,
    emails,
    keyUsage: keyUsageOf(extensions.get(OIDS.keyUsage)),
    extendedKeyUsage: eku ? eku.children.filter((node) => node.tag === TAG.OID).map((node) => oid(node)) : null,
    isCa: Boolean(basic?.children?.[0]?.tag === TAG.BOOLEAN && basic.children[0].contents[0] !== 0),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    spki,
    publicKeyHash: hex(createHash('sha1').update(spki).digest()),
    selfSigned,
    // SecCertificateInferLabel: the common name, else the first address, else the organisation.
    label: commonName ?? emails[0] ?? organization ?? '<unknown>',
  }
}

function safeVerify(subject, issuer) {
  try {
    return subject.verify(issuer.publicKey)
  } catch {
    return false
  }
}

/** `issuer` signed `subject`: names chain and the signature verifies. */
export function issued(issuer, subject) {
  return subject.x509.checkIssued(issuer.x509) && safeVerify(subject.x509, issuer.x509)
}

export function pem(der) {
  const base64 = Buffer.from(der).toString('base64')
  const lines = base64.match(/.{1,64}/g) ?? []
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
}

/** Every certificate of a PEM text (a bundle), as DER. */
export function certificatesFromPem(textValue) {
  const result = []
  for (const match of textValue.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    result.push(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'))
  }
  return result
}
