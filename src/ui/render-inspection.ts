import type {Finding} from '../identity/findings.js'
import type {Inspection} from '../identity/inspection.js'
import {colonHex, SEVERITY_MARK, style, table} from './style.js'

function describeKey(inspection: Inspection): string {
  return `${inspection.key.name}${inspection.hasPrivateKey ? ', private key included' : style.bad(', no private key')}`
}

/** Every address a mail client accepts; the subject's are marked, since a viewer that shows only the SAN leaves them out. */
function describeAddresses(inspection: Inspection): string | string[] {
  if (inspection.addresses.length === 0) return style.bad('none')
  return inspection.addresses.map(({address, source}) => (source === 'subject' ? `${address}${style.dim(' (in the subject)')}` : address))
}

function describeType(inspection: Inspection): string {
  if (inspection.type === 'unknown') return 'Unknown (not an S/MIME certificate type)'
  const generation = inspection.generation ? `, ${inspection.generation}` : ''
  const basis = inspection.typeBasis === 'subject' ? style.dim(' (guessed from the subject; no S/MIME policy in the certificate)') : ''
  return `${inspection.typeLabel} ${style.dim(`(${inspection.type}-validated${generation})`)}${basis}`
}

function describeValidity(inspection: Inspection): string {
  if (inspection.daysLeft === null) return `from ${inspection.notBefore.slice(0, 10)}, does not expire`
  const range = `${inspection.notBefore.slice(0, 10)} to ${inspection.notAfter.slice(0, 10)}`
  if (inspection.daysLeft < 0) return `${range} ${style.bad('(expired)')}`
  return `${range} (${inspection.daysLeft} days left)`
}

function describeChain(inspection: Inspection): string[] {
  if (inspection.chain.length === 0) return [inspection.chainComplete ? 'self-signed' : style.warn('no issuer certificates in the file')]
  const lines = inspection.chain.map((entry) => `${entry.subject}${entry.selfSigned ? style.dim(' (root)') : ''}`)
  if (!inspection.chainComplete) lines.push(style.warn('(does not reach a root)'))
  return lines
}

function describeFile(inspection: Inspection): string[] {
  const {file} = inspection
  if (file.mac === null && file.certificateEncryption === null && file.keyEncryption === null) {
    return [file.format === 'PEM certificate' || file.format === 'DER certificate' ? file.format : `${file.format}, not encrypted, no MAC`]
  }
  const lines: string[] = [file.format]
  if (file.keyEncryption) lines.push(`key: ${file.keyEncryption}`)
  lines.push(`certificates: ${file.certificateEncryption ?? 'not encrypted'}`)
  lines.push(`integrity: ${file.mac ?? 'none (no MAC)'}`)
  // Grouped by hand: the first toLocaleString loads ICU's locale data, 30 ms of every `inspect`.
  if (file.iterations !== null) lines.push(`${String(file.iterations).replaceAll(/\B(?=(\d{3})+$)/g, ',')} iterations`)
  return lines
}

export function renderFinding(finding: Finding): string {
  return `  ${SEVERITY_MARK[finding.severity]}  ${finding.message}\n             ${style.dim(`${finding.code}: ${finding.fix}`)}`
}

export function renderInspection(inspection: Inspection): string {
  const who = [inspection.name, inspection.organization].filter((part): part is string => part !== null)
  const rows: Array<[string, string | string[]]> = [
    ['E-mail', describeAddresses(inspection)],
    ['Name', who.length > 0 ? who.join(', ') : style.dim('none')],
    ['Type', describeType(inspection)],
    ['Issued by', inspection.issuer],
    ['Valid', describeValidity(inspection)],
    ['Key', describeKey(inspection)],
    ['SHA-256', colonHex(inspection.fingerprints.sha256)],
    ['SHA-1', colonHex(inspection.fingerprints.sha1)],
    ['Serial', colonHex(inspection.serialNumber)],
    ['Chain', describeChain(inspection)],
    ['File', describeFile(inspection)],
  ]
  if (inspection.friendlyName) rows.splice(2, 0, ['Label', inspection.friendlyName])

  const errors = inspection.findings.filter((f) => f.severity === 'error')
  const verdict =
    errors.length > 0
      ? style.bad(`✖ Not usable for S/MIME: ${errors.length === 1 ? 'fix the error' : `fix the ${errors.length} errors`} above.`)
      : style.ok('✔ Ready for S/MIME.')
  const parts = [style.heading(inspection.subject), table(rows)]
  if (inspection.findings.length > 0) parts.push('', style.heading('Findings'), ...inspection.findings.map((f) => renderFinding(f)))
  parts.push('', verdict)
  return parts.join('\n')
}
