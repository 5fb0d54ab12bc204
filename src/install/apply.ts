/**
 * Carrying out a plan. Targets are independent: one that fails is rolled back (its finished steps
 * undone, newest first) and the others go on, so a machine never ends up half-configured for one
 * profile. A cancellation (Ctrl+C) is honoured between steps in the same way.
 */
import {ExitCode, type ExitCodeValue, isMailcertError} from '../errors.js'
import type {Plan, PlanStep, PlanTarget, StepOutcome} from './plan.js'

export type StepStatus = 'done' | 'unchanged' | 'failed' | 'undone' | 'undo-failed' | 'not-run'
export type TargetStatus = 'done' | 'unchanged' | 'skipped' | 'failed'

export interface StepReport {
  id: string
  description: string
  status: StepStatus
  detail?: string
  backup?: string
  error?: string
  /** A check's verdicts (the verify step), so that its mark can say whether the certificate was accepted. */
  verification?: Record<string, {valid: boolean; reason?: string}>
}

export interface TargetReport {
  client: string
  label: string
  location: string
  accounts: string[]
  status: TargetStatus
  /** Why it was skipped or failed. */
  reason?: string
  code?: string
  hints?: string[]
  /** The finished steps were undone after a failure or cancellation. */
  rolledBack: boolean
  steps: StepReport[]
  warnings: string[]
  verification?: Record<string, {valid: boolean; reason?: string}>
}

export interface ApplyReport {
  targets: TargetReport[]
  cancelled: boolean
}

export interface ApplyHooks {
  onStepStart?(target: PlanTarget, step: PlanStep): void
  onStepEnd?(target: PlanTarget, step: PlanStep, report: StepReport): void
  /** Polled between steps: true once the user asked to stop. */
  cancelled?(): boolean
}

function errorText(error: unknown): {message: string; code: string; hints: string[]} {
  if (isMailcertError(error)) return {message: error.message, code: error.code, hints: 'hints' in error ? error.hints : []}
  return {message: error instanceof Error ? error.message : String(error), code: 'unexpected', hints: []}
}

/** Undo finished steps, newest first. True when there was something to undo and all of it was undone. */
async function rollBack(done: Array<{step: PlanStep; report: StepReport}>): Promise<boolean> {
  if (done.length === 0) return false
  let clean = true
  for (const {step, report} of [...done].reverse()) {
    try {
      await step.undo()
      report.status = 'undone'
    } catch (error) {
      clean = false
      report.status = 'undo-failed'
      report.error = errorText(error).message
    }
  }
  return clean
}

async function applyTarget(target: PlanTarget, hooks: ApplyHooks): Promise<TargetReport> {
  const report: TargetReport = {
    client: target.client,
    label: target.label,
    location: target.location,
    accounts: target.accounts,
    status: 'unchanged',
    rolledBack: false,
    steps: target.steps.map((step) => ({id: step.id, description: step.describe(), status: 'not-run' as StepStatus})),
    warnings: [...target.warnings],
  }
  if (target.skip) return {...report, status: 'skipped', reason: target.skip.reason, code: target.skip.code}
  if (target.failure) return {...report, status: 'failed', reason: target.failure.reason, code: target.failure.code, hints: target.failure.hints}

  const done: Array<{step: PlanStep; report: StepReport}> = []
  try {
    for (const [index, step] of target.steps.entries()) {
      const stepReport = report.steps[index]
      if (hooks.cancelled?.()) {
        report.rolledBack = await rollBack(done)
        return {...report, status: 'skipped', code: 'cancelled', reason: 'cancelled; the finished steps were undone'}
      }
      hooks.onStepStart?.(target, step)
      let outcome: StepOutcome
      try {
        outcome = await step.apply()
      } catch (error) {
        const {message, code, hints} = errorText(error)
        stepReport.status = 'failed'
        stepReport.error = message
        hooks.onStepEnd?.(target, step, stepReport)
        report.rolledBack = await rollBack(done)
        return {...report, status: 'failed', reason: message, code, hints}
      }
      stepReport.status = outcome.changed ? 'done' : 'unchanged'
      stepReport.detail = outcome.detail
      stepReport.backup = outcome.backup
      if (outcome.verification) stepReport.verification = outcome.verification
      report.warnings.push(...(outcome.warnings ?? []))
      if (outcome.verification) report.verification = {...report.verification, ...outcome.verification}
      if (outcome.changed) {
        done.push({step, report: stepReport})
        report.status = 'done'
      }
      hooks.onStepEnd?.(target, step, stepReport)
    }
    return report
  } catch (error) {
    const {message, code, hints} = errorText(error)
    report.rolledBack = await rollBack(done)
    return {...report, status: 'failed', reason: message, code, hints}
  } finally {
    await target.close?.()
  }
}

export async function applyPlan(plan: Plan, hooks: ApplyHooks = {}): Promise<ApplyReport> {
  const targets: TargetReport[] = []
  for (const target of plan.targets) targets.push(await applyTarget(target, hooks))
  return {targets, cancelled: hooks.cancelled?.() ?? false}
}

/** 0 when everything asked for is done; 7 when some targets failed and others were done; else the failure's code. */
export function exitCodeOf(report: ApplyReport, failureCode: (code: string | undefined) => ExitCodeValue): ExitCodeValue {
  const failed = report.targets.filter((t) => t.status === 'failed')
  if (failed.length === 0) return ExitCode.ok
  const succeeded = report.targets.some((t) => t.status === 'done' || t.status === 'unchanged')
  return succeeded ? ExitCode.partial : failureCode(failed[0].code)
}
