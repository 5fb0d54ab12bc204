import type {Identity} from '../identity/identity.js'
import type {ApplyReport, StepReport, TargetReport} from '../install/apply.js'
import {describePlan, type Plan} from '../install/plan.js'
import {describeReplaced, type ReplacedCertificate} from '../install/renewal.js'
import {style} from './style.js'

const STEP_MARK: Record<StepReport['status'], string> = {
  done: style.ok('✔'),
  unchanged: style.dim('·'),
  failed: style.bad('✖'),
  undone: style.warn('↺'),
  'undo-failed': style.bad('!'),
  'not-run': style.dim(' '),
}

/**
 * A check's mark says whether the certificate was accepted: it finds nothing to change, so its
 * status alone ("unchanged") would look the same for a certificate accepted and one refused.
 */
function markOf(report: StepReport): string {
  const verdicts = Object.values(report.verification ?? {})
  if (report.status === 'failed' || verdicts.length === 0) return STEP_MARK[report.status]
  return verdicts.every((verdict) => verdict.valid) ? style.ok('✔') : style.bad('✖')
}

export function renderPlan(identity: Identity, plan: Plan, replaced: ReplacedCertificate[] = []): string {
  const header = `Plan for the certificate of ${identity.certificate.emails.join(', ')}:`
  const lines = [header, ...describePlan(plan).map((line) => `  ${line}`)]
  if (replaced.length > 0) lines.push('', renderRenewals(replaced))
  return lines.join('\n')
}

/** What a renewal replaces, and that the old key stays: in the plan, and again after the report. */
export function renderRenewals(replaced: ReplacedCertificate[], now = new Date()): string {
  return replaced.flatMap((r) => [`${style.heading('Renewal')} in ${r.label}:`, ...describeReplaced(r, now).map((line) => `  ${line}`)]).join('\n')
}

/** The outcome alone, for the end of a spinner's line. */
export function stepOutcome(report: StepReport): string {
  const detail = report.detail ? ` ${style.dim(`(${report.detail})`)}` : ''
  return `${markOf(report)}${detail}${report.error ? ` ${style.bad(report.error)}` : ''}`
}

export function renderStep(report: StepReport): string {
  const detail = report.detail ? style.dim(` (${report.detail})`) : ''
  const error = report.error ? `\n      ${style.bad(report.error)}` : ''
  return `  ${markOf(report)} ${report.description}${detail}${error}`
}

function renderTarget(target: TargetReport, withSteps: boolean): string[] {
  const status: Record<TargetReport['status'], string> = {
    done: style.ok('done'),
    unchanged: style.dim('already set up, nothing changed'),
    skipped: style.dim(`skipped: ${target.reason ?? ''}`),
    failed: style.bad(`failed: ${target.reason ?? ''}${target.rolledBack ? ' (its earlier changes were undone)' : ''}`),
  }
  const lines = [`${style.heading(target.label)} ${style.dim(target.location)}: ${status[target.status]}`]
  // Steps already shown as they ran are shown again only when some were undone since.
  if ((withSteps && target.status !== 'skipped') || target.rolledBack) lines.push(...target.steps.filter((s) => s.status !== 'not-run').map((step) => renderStep(step)))
  for (const warning of target.warnings) lines.push(`  ${style.warn('▲')} ${warning}`)
  for (const hint of target.hints ?? []) lines.push(`  › ${hint}`)
  return lines
}

/** The outcome of every target; `steps: false` when the steps were already shown as they ran. */
export function renderReport(report: ApplyReport, options: {steps: boolean} = {steps: true}): string {
  const lines = report.targets.flatMap((target) => [...renderTarget(target, options.steps), ''])
  const changed = report.targets.flatMap((t) => t.steps.filter((s) => s.backup && s.status === 'done'))
  if (changed.length > 0) lines.push(`Backups of the files that changed: ${changed.map((s) => s.backup).join(', ')}`)
  const originals = [...new Set(changed.map((s) => s.firstBackup).filter((first) => first !== undefined && !changed.some((s) => s.backup === first)))]
  if (originals.length > 0) lines.push(`As they were before mailcert first changed them: ${originals.join(', ')}`)
  return lines.join('\n').trimEnd()
}
