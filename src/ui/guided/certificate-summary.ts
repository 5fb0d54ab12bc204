/**
 * Step 3 of the guided installer: who the certificate is for (every address a mail client accepts it
 * for), in a buyer's words, and what is wrong with it, if anything.
 */
import type {Inspection} from '../../identity/inspection.js'
import {renderFinding} from '../render-inspection.js'
import {style, table} from '../style.js'

function validity(inspection: Inspection): [string, string] {
  const {daysLeft, notAfter} = inspection
  if (daysLeft === null) return ['Valid', 'does not expire']
  return ['Valid until', `${notAfter.slice(0, 10)}${daysLeft >= 0 ? ` (${daysLeft} days)` : style.bad(' (expired)')}`]
}

export function renderCertificateSummary(inspection: Inspection): string {
  const rows: Array<[string, string | string[]]> = [
    ['For', inspection.emails.length > 0 ? inspection.emails : style.bad('no e-mail address')],
  ]
  if (inspection.name && !inspection.emails.includes(inspection.name)) rows.push(['Name', inspection.name])
  if (inspection.organization) rows.push(['Company', inspection.organization])
  rows.push(['Type', inspection.type === 'unknown' ? 'not an S/MIME certificate type' : inspection.typeLabel])
  rows.push(['Issued by', inspection.issuer])
  rows.push(validity(inspection))
  const problems = inspection.findings.filter((f) => f.severity !== 'info')
  const parts = [style.heading('This certificate'), table(rows)]
  if (problems.length > 0) parts.push('', ...problems.map((f) => renderFinding(f)))
  return parts.join('\n')
}
