/**
 * Reading what macOS's `security` prints (research/macos-mail.md §1.2, §1.3): quoted keychain paths,
 * `find-identity` lines, `find-certificate -Z -p` blocks, `get-identity-preference -Z`, and the
 * error lines, which become stable codes. Pure functions of the text.
 */
import {certificatesFromPem} from '../../identity/certificate.js'

/** `    "/Users/u/Library/Keychains/login.keychain-db"` lines (login-keychain, default-keychain, list-keychains). */
export function parseKeychainPaths(text: string): string[] {
  const paths: string[] = []
  for (const line of text.split('\n')) {
    const match = /^\s*"(.*)"\s*$/.exec(line)
    if (match) paths.push(match[1])
  }
  return paths
}

export interface IdentityLine {
  /** Upper-case hex, as the tool prints it. */
  sha1: string
  /** SecCertificateInferLabel: usually the common name or the address. */
  label: string
  /** The trust evaluation's CSSM error (`CSSMERR_TP_NOT_TRUSTED`), or null when the identity is trusted for the policy. */
  trustError: string | null
}

export interface FindIdentityOutput {
  /** The "Matching identities" section (without -v); null when the output has none (with -v). */
  matching: IdentityLine[] | null
  /** The "Valid identities only" section (all of the output with -v). */
  valid: IdentityLine[]
}

const IDENTITY_LINE = /^\s*\d+\)\s+([0-9A-F]{40})\s+"(.*)"(?:\s+\(([^()]*)\))?$/

/** `  1) 3F1C…9A "Jane Doe" (CSSMERR_TP_CERT_EXPIRED)`, in the sections of the first policy. */
export function parseFindIdentity(text: string): FindIdentityOutput {
  let matching: IdentityLine[] | null = null
  const valid: IdentityLine[] = []
  let section: IdentityLine[] = valid
  let policies = 0
  for (const line of text.split('\n')) {
    if (/^Policy: /.test(line) && ++policies > 1) break
    if (/^\s*Matching identities\s*$/.test(line)) {
      matching = []
      section = matching
      continue
    }
    if (/^\s*Valid identities only\s*$/.test(line)) {
      section = valid
      continue
    }
    if (/^\s*\d+ valid identities found\s*$/.test(line) && policies === 0 && matching === null) break
    const match = IDENTITY_LINE.exec(line)
    if (match) section.push({sha1: match[1], label: match[2], trustError: match[3] ?? null})
  }
  return {matching, valid}
}

export interface CertificateBlock {
  /** As printed (upper-case hex); older versions print no SHA-256 line. */
  sha256: string | null
  sha1: string | null
  emails: string[] | null
  /** The certificate, when the output had PEM (-p). */
  der: Buffer | null
}

/**
 * `find-certificate [-Z] [-m] [-p]`: per certificate `SHA-256 hash:`, `SHA-1 hash:`, `email addresses:`
 * and a PEM block (or an attribute dump, which is skipped).
 */
export function parseFindCertificate(text: string): CertificateBlock[] {
  const blocks: CertificateBlock[] = []
  /** The block a line belongs to: the last one while it still lacks that part, else a new one. */
  const blockFor = (fits: (block: CertificateBlock) => boolean): CertificateBlock => {
    const last = blocks.at(-1)
    if (last && fits(last)) return last
    const block: CertificateBlock = {sha256: null, sha1: null, emails: null, der: null}
    blocks.push(block)
    return block
  }
  let pem: string[] | null = null
  for (const line of text.split('\n')) {
    if (pem) {
      pem.push(line)
      if (line.startsWith('-----END CERTIFICATE-----')) {
        blockFor((block) => block.der === null).der = certificatesFromPem(pem.join('\n'))[0] ?? null
        pem = null
      }
      continue
    }
    const sha256 = /^SHA-256 hash: ([0-9A-Fa-f]{64})\s*$/.exec(line)
    const sha1 = /^SHA-1 hash: ([0-9A-Fa-f]{40})\s*$/.exec(line)
    const emails = /^email addresses: (.*)$/.exec(line)
    if (sha256) blockFor(() => false).sha256 = sha256[1].toUpperCase()
    else if (sha1) blockFor((block) => block.sha1 === null && block.emails === null && block.der === null).sha1 = sha1[1].toUpperCase()
    else if (emails) blockFor((block) => block.emails === null && block.der === null).emails = emails[1] === '' ? [] : emails[1].split(', ')
    else if (line.startsWith('-----BEGIN CERTIFICATE-----')) pem = [line]
  }
  return blocks
}

/** A public key hash as print_buffer() shows a blob with unprintable bytes: `0x3F1C…9A` (upper-case hex), else null. */
function hexBlob(value: string): string | null {
  return /^0x([0-9A-Fa-f]+)\b/.exec(value)?.[1].toUpperCase() ?? null
}

export interface CertificateKeyHash {
  sha1: string
  /** The certificate's `hpky` attribute: the hash macOS pairs it with its private key by; null when it was not printed in hex. */
  publicKeyHash: string | null
}

/** `find-certificate -a -Z` without -p: each `SHA-1 hash:` line, then the attribute dump with `"hpky"<blob>=`. */
export function parseCertificateKeyHashes(text: string): CertificateKeyHash[] {
  const found: CertificateKeyHash[] = []
  for (const line of text.split('\n')) {
    const sha1 = /^SHA-1 hash: ([0-9A-Fa-f]{40})\s*$/.exec(line)
    if (sha1) found.push({sha1: sha1[1].toUpperCase(), publicKeyHash: null})
    const hpky = /^\s*"hpky"<blob>=(.*)$/.exec(line)
    const last = found.at(-1)
    if (hpky && last && last.publicKeyHash === null) last.publicKeyHash = hexBlob(hpky[1])
  }
  return found
}

/** The class print_keychain_item_attributes() prints for a private key (CSSM_DL_DB_RECORD_PRIVATE_KEY). */
const PRIVATE_KEY_CLASS = '0x00000010'

export interface PrivateKeyHashes {
  /** The label (attribute 6, kSecKeyLabel: the public key hash) of each private key, upper-case hex. */
  hashes: Set<string>
  /** Some private key's label was not printed in hex, so it cannot be told which certificate it pairs with. */
  unreadable: boolean
}

/** `dump-keychain` (attributes only): the private keys' public key hashes. */
export function parsePrivateKeyHashes(text: string): PrivateKeyHashes {
  const hashes = new Set<string>()
  let unreadable = false
  let privateKey = false
  for (const line of text.split('\n')) {
    if (line.startsWith('keychain: ')) privateKey = false
    const itemClass = /^class: (\S+)/.exec(line)
    if (itemClass) privateKey = itemClass[1] === PRIVATE_KEY_CLASS
    const label = /^\s*0x00000006 <blob>=(.*)$/.exec(line)
    if (!privateKey || !label) continue
    const hash = hexBlob(label[1])
    if (hash) hashes.add(hash)
    else unreadable = true
  }
  return {hashes, unreadable}
}

export interface IdentityPreference {
  commonName: string | null
  sha256: string | null
  sha1: string | null
  der: Buffer | null
}

/** `get-identity-preference -s EMAIL [-c] [-Z] [-p]`. */
export function parseIdentityPreference(text: string): IdentityPreference {
  const commonName = /^common name: "(.*)"$/m.exec(text)?.[1] ?? null
  const [block] = parseFindCertificate(text)
  return {commonName: commonName === '<NULL>' ? null : commonName, sha256: block?.sha256 ?? null, sha1: block?.sha1 ?? null, der: block?.der ?? null}
}

/** What a failed `security` command means, whatever the function it names. */
export type SecurityErrorCode =
  | 'wrong-password'
  | 'wrong-keychain-password'
  | 'duplicate'
  | 'cannot-decode'
  | 'keychain-locked'
  | 'not-found'
  | 'no-such-keychain'
  /** The user cancelled an authorisation dialog (trust settings). */
  | 'auth-denied'
  /** No dialog could be shown: no GUI session (ssh, an MDM agent). */
  | 'auth-unavailable'

const ERRORS: Array<[RegExp, SecurityErrorCode]> = [
  [/SecKeychainUnlock\b.*The user name or passphrase you entered is not correct/, 'wrong-keychain-password'],
  [/MAC verification failed during PKCS12 import|The user name or passphrase you entered is not correct/, 'wrong-password'],
  [/already exists in the keychain/, 'duplicate'],
  // add-certificates prints errSecDuplicateItem as `security: FILE: already in KEYCHAIN` (keychain_add.c).
  [/^security: .+: already in .+$/m, 'duplicate'],
  [/Unable to decode the provided data|Unknown format in import|An invalid algorithm was encountered/, 'cannot-decode'],
  [/User interaction is not allowed/, 'keychain-locked'],
  [/The authorization was cancell?ed by the user/, 'auth-denied'],
  [/no user interaction was possible/, 'auth-unavailable'],
  [/The specified keychain could not be found/, 'no-such-keychain'],
  [/could not be found in the keychain|Unable to delete (?:certificate|identity) matching|No matching identity found/, 'not-found'],
]

export function classifySecurityError(stderr: string): SecurityErrorCode | null {
  return ERRORS.find(([pattern]) => pattern.test(stderr))?.[1] ?? null
}
