import type {CheckResult} from '../clients/check.js'
import type {CertificateState, ClientCheck, IdentityCheck, PlaceCheck, Problem} from '../clients/client.js'
import type {SupportRow} from '../clients/support-table.js'
import {neverExpires} from '../identity/findings.js'
import {style} from './style.js'

const SUPPORT_WORDS: Record<SupportRow['smime'], string> = {yes: 'supports S/MIME', partial: 'supports S/MIME in part', no: 'does not support S/MIME'}
const MAILCERT_WORDS: Record<SupportRow['mailcert'], string> = {
  configures: 'mailcert configures it',
  'imports-and-guides': 'mailcert imports the key and shows the remaining steps',
  guides: 'mailcert shows the steps',
}

function describeSupport(row: SupportRow): string {
  const what = row.implemented ? MAILCERT_WORDS[row.mailcert] : `${MAILCERT_WORDS[row.mailcert]} in a later version`
  return `${SUPPORT_WORDS[row.smime]} (since ${row.since}); key in ${row.store}; ${what}`
}

function describeCertificate(state: CertificateState, checked: boolean): string {
  if (!checked) return `${state.name ? `"${state.name}"` : `${state.reference.slice(0, 12)}…`} ${style.dim('(not checked: the certificate database was not read)')}`
  if (!state.certificate) return style.bad('missing from the database')
  const notAfter = state.certificate.notAfter
  const parts = [`${state.certificate.subject}`, neverExpires(new Date(notAfter)) ? 'does not expire' : `until ${notAfter.slice(0, 10)}`]
  if (!state.hasKey) parts.push(style.bad('no private key'))
  if (state.verdict) parts.push(state.verdict.valid ? style.ok('valid') : style.bad(`not accepted: ${state.verdict.reason}`))
  return parts.join(', ')
}

function renderIdentity(identity: IdentityCheck, checked: boolean): string[] {
  const head = `    ${identity.email ?? identity.key}${identity.name ? style.dim(` (${identity.name})`) : ''}`
  if (!identity.configured) return [`${head}: ${style.dim('no S/MIME certificate')}`]
  const lines = [`${head}:`]
  if (identity.signing) lines.push(`      signs with     ${describeCertificate(identity.signing, checked)}`)
  if (identity.encryption) lines.push(`      decrypts with  ${describeCertificate(identity.encryption, checked)}`)
  lines.push(style.dim(`      sign by default: ${identity.signByDefault ? 'yes' : 'no'}, encrypt by default: ${identity.encryptByDefault ? 'yes' : 'no'}`))
  return lines
}

function renderPlace(place: PlaceCheck): string[] {
  const facts = place.facts.map((fact) => (place.busy && /running/.test(fact) ? style.warn(fact) : fact))
  const lines = [`  ${place.title} ${style.dim(place.dir)}${facts.length ? ` (${facts.join(', ')})` : ''}`]
  if (place.note) lines.push(place.note.severity === 'error' ? style.bad(`    ${place.note.text}`) : style.dim(`    ${place.note.text}`))
  else if (place.identities.length === 0) lines.push(style.dim('    no mail accounts'))
  for (const identity of place.identities) lines.push(...renderIdentity(identity, place.checkedWith !== null))
  return lines
}

function renderClient(client: ClientCheck): string[] {
  const lines = [`${style.heading(client.name)}${client.program ? style.dim(` ${client.program}`) : ''}`, `  ${describeSupport(client.support)}`]
  if (!client.support.implemented) lines.push(...(client.support.manualSteps ?? []).map((step) => `  - ${step}`))
  if (client.empty && client.profiles.length === 0) lines.push(style.dim(`  ${client.empty}`))
  for (const place of client.profiles) lines.push(...renderPlace(place))
  return lines
}

function renderProblem(problem: Problem): string {
  const mark = problem.severity === 'error' ? style.bad('✖') : problem.severity === 'warning' ? style.warn('▲') : style.dim('ℹ')
  const where = problem.account ?? problem.profile
  // A message that already names its place ("prefs.js in DIR cannot be read", "alice@… has no …") is not prefixed with it again.
  const named = where !== undefined && (problem.message.startsWith(where) || problem.message.includes(` in ${where} `))
  const prefix = where && !named ? `${where}: ` : ''
  const [first, ...more] = problem.fix.split('\n')
  return [`  ${mark} ${prefix}${problem.message}`, `      fix: ${first}`, ...more.map((line) => `           ${line}`)].join('\n')
}

export function renderCheck(result: CheckResult): string {
  const lines: string[] = []
  if (result.clients.length === 0) lines.push('No mail client that mailcert knows was found on this machine.')
  for (const client of result.clients) lines.push(...renderClient(client), '')
  if (result.notInstalled.length > 0) {
    lines.push(style.heading('Not installed here'))
    for (const row of result.notInstalled) lines.push(`  ${row.name} on ${row.platform}: ${describeSupport(row)}`, style.dim(`    ${row.notes} (source: ${row.source})`))
    lines.push('')
  }
  const problems = result.problems.filter((p) => p.severity !== 'info')
  if (problems.length === 0) lines.push(style.ok('✔ No problems found.'))
  else lines.push(style.heading(`${problems.length} problem${problems.length === 1 ? '' : 's'}`), ...problems.map((p) => renderProblem(p)))
  return lines.join('\n')
}
