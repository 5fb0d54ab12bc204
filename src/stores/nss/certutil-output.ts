/** Reading what NSS's command-line tools print. Pure, so that it is tested with real outputs. */

export interface CertutilListEntry {
  nickname: string
  /** `SSL,S/MIME,JAR/XPI` trust, for example `u,u,u` or `CT,C,`. */
  trust: string
}

const LIST_LINE = /^(.*?)\s+([cCpPTuwkK]*,[cCpPTuwkK]*,[cCpPTuwkK]*)\s*$/

/** `certutil -L` lists a nickname padded to a column, then the trust string. */
export function parseCertificateList(output: string): CertutilListEntry[] {
  const entries: CertutilListEntry[] = []
  for (const line of output.split(/\r?\n/)) {
    if (line.startsWith('Certificate Nickname') || line.trim() === 'SSL,S/MIME,JAR/XPI') continue
    const match = LIST_LINE.exec(line)
    if (match && match[1].trim() !== '') entries.push({nickname: match[1].trim(), trust: match[2]})
  }
  return entries
}

export function pemBlocks(output: string): Buffer[] {
  const blocks: Buffer[] = []
  const pattern = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g
  for (let match = pattern.exec(output); match !== null; match = pattern.exec(output)) {
    blocks.push(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'))
  }
  return blocks
}

/** NSS trust flags for e-mail are the second field; `C` (or `T`) marks a CA trusted to issue e-mail certificates. */
export function emailTrust(trust: string): string {
  return trust.split(',')[1] ?? ''
}

export function isTrustedEmailIssuer(trust: string): boolean {
  return /[CT]/.test(emailTrust(trust))
}

/** `u` in any field: NSS holds the private key of this certificate. */
export function hasPrivateKey(trust: string): boolean {
  return trust.includes('u')
}

/** Add e-mail trust (`C`) to a CA's trust string, keeping its TLS and code-signing trust as they are. */
export function withEmailTrust(trust: string): string {
  const [ssl = '', email = '', objectSigning = ''] = trust.split(',')
  const emailFlags = email.includes('C') ? email : `${email.replace(/[cp]/g, '')}C`
  return [ssl, emailFlags, objectSigning].join(',')
}

export type NssErrorKind = 'bad-password' | 'read-only' | 'legacy-database' | 'untrusted-issuer' | 'unknown-issuer' | 'expired' | 'inadequate-usage' | 'other'

const NSS_ERRORS: Array<[RegExp, NssErrorKind]> = [
  [/SEC_ERROR_BAD_PASSWORD|Incorrect password|-8177\b/, 'bad-password'],
  [/SEC_ERROR_READ_ONLY|-8126\b/, 'read-only'],
  [/SEC_ERROR_LEGACY_DATABASE/, 'legacy-database'],
  [/SEC_ERROR_UNTRUSTED_ISSUER|-8172\b|marked as not trusted/, 'untrusted-issuer'],
  [/SEC_ERROR_UNKNOWN_ISSUER|-8179\b|issuer certificate is unknown|Peer's Certificate issuer is not recognized/i, 'unknown-issuer'],
  [/SEC_ERROR_EXPIRED_CERTIFICATE|-8181\b|has expired/, 'expired'],
  [/SEC_ERROR_INADEQUATE_(KEY_USAGE|CERT_TYPE)|-810[12]\b|inadequate/, 'inadequate-usage'],
]

export function classifyNssError(output: string): NssErrorKind {
  return NSS_ERRORS.find(([pattern]) => pattern.test(output))?.[1] ?? 'other'
}
