import type {NssErrorKind} from './certutil-output.js'

const DESCRIPTIONS: Record<Exclude<NssErrorKind, 'other'>, string> = {
  'bad-password': 'the password was not accepted',
  'read-only': 'the certificate database is read-only (check the profile folder\'s owner and permissions)',
  'legacy-database': 'the certificate database is in an old format this NSS cannot open',
  'untrusted-issuer': 'the certificate\'s issuer is not trusted for e-mail',
  'unknown-issuer': 'the certificate\'s issuer is unknown (an intermediate or root certificate is missing)',
  expired: 'a certificate in the chain has expired',
  'inadequate-usage': 'the certificate is not allowed for this use (key usage or extended key usage)',
}

/** One phrase for what NSS said, falling back to NSS's own last line. */
export function describeNssError(kind: NssErrorKind, output: string): string {
  if (kind !== 'other') return DESCRIPTIONS[kind]
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean)
  return lines.at(-1) ?? 'no explanation was given'
}
