/**
 * Step 3 of the guided installer: who the certificate is for, in a buyer's words, and what is wrong
 * with it, if anything.
 */
import type {Inspection} from '../../identity/inspection.js'
import {renderFinding} from '../render-inspection.js'
import {style, table} from '../style.js'

export function renderCertificateSummary(inspection: Inspection): string {
  const rows: Array<[string, string | string[]]> = [
    ['For', inspection.emails.length > 0 ? inspection.emails : style.bad('no e-mail address')],
  ]
  if (inspection.name && !inspection.emails.includes(inspection.name)) rows.push(['Name', inspection.name])
  if (inspection.organization) rows.push(['Company', inspection.organization])
  rows.push(['Type', inspection.type === 'unknown' ? 'not an S/MIME certificate type' : inspection.typeLabel])
  rows.push(['Issued by', inspection.issuer])
  rows.push(['Valid until', `${inspection.notAfter.slice(0, 10)}${inspection.daysLeft >= 0 ? ` (${inspection.daysLeft} days)` : style.bad(' (expired)')}`])
  const problems = inspection.findings.filter((f) => f.severity !== 'info')
  const parts = [style.heading('This certificate'), table(rows)]
  if (problems.length > 0) parts.push('', ...problems.map((f) => renderFinding(f)))
  return parts.join('\n')
}
