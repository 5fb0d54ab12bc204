/**
 * Where each certificate of an identity goes in the user's stores, and which issuers a removal may
 * take out. Pure: the store's steps do the calls. Issuers are told by their basicConstraints (a CA
 * certificate), never by "has no key": Wine links every certificate of an import to the key.
 */
import type {Certificate} from '../../identity/certificate-types.js'

export interface Placement {
  /** The certificate of the private key: `CurrentUser\My`. */
  leaf: Certificate
  /** CA certificates that are not self-signed: `CurrentUser\CA`. */
  intermediates: Certificate[]
  /** The self-signed root at the top of the chain: `CurrentUser\Root`, only with consent. */
  root: Certificate | null
  /** Chain certificates that are not CA certificates: put nowhere. */
  ignored: Certificate[]
}

const isCa = (certificate: Certificate) => certificate.basicConstraints?.ca === true

export function placeCertificates(leaf: Certificate, chain: Certificate[]): Placement {
  const placement: Placement = {leaf, intermediates: [], root: null, ignored: []}
  for (const certificate of chain) {
    if (certificate.fingerprints.sha256 === leaf.fingerprints.sha256) continue
    if (!isCa(certificate)) placement.ignored.push(certificate)
    else if (certificate.selfSigned) placement.root ??= certificate
    else placement.intermediates.push(certificate)
  }
  return placement
}

/** `issuer` signed `subject`, as far as names and key identifiers tell. */
export function issued(issuer: Certificate, subject: Certificate): boolean {
  if (!issuer.subject.der.equals(subject.issuer.der)) return false
  if (subject.authorityKeyIdentifier && issuer.subjectKeyIdentifier) return subject.authorityKeyIdentifier === issuer.subjectKeyIdentifier
  return true
}

/**
 * Of the `candidates` (issuers a removal would take out), those that a certificate still in use
 * (`users`: the other certificates of `My`) chains to, directly or through other issuers of `pool`
 * (the certificates of `CA`, the candidates included). Lower-case SHA-256s.
 */
export function issuersStillUsed(candidates: Certificate[], users: Certificate[], pool: Certificate[]): Set<string> {
  const wanted = new Set(candidates.map((c) => c.fingerprints.sha256))
  const used = new Set<string>()
  for (const user of users) {
    const seen = new Set<string>([user.fingerprints.sha256])
    let current = user
    while (!current.selfSigned) {
      const issuer = pool.find((candidate) => !seen.has(candidate.fingerprints.sha256) && issued(candidate, current))
      if (!issuer) break
      seen.add(issuer.fingerprints.sha256)
      if (wanted.has(issuer.fingerprints.sha256)) used.add(issuer.fingerprints.sha256)
      current = issuer
    }
  }
  return used
}
