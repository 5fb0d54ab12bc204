/**
 * Carrying out a plan. Targets are independent: one that fails is rolled back (its finished steps
 * undone, newest first) and the others go on, so a machine never ends up half-configured for one
 * store. In a store that several clients read, one client that fails is undone alone while another
 * still uses the import. A cancellation (Ctrl+C) is honoured between steps in the same way.
 */
import {ExitCode, type ExitCodeValue, isMailcertError} from '../errors.js'
import type {TargetRecorder} from './journal-file.js'
import type {ChangeRecorder, Plan, PlanStep, PlanTarget, StepOutcome} from './plan.js'

export type StepStatus = 'done' | 'unchanged' | 'failed' | 'undone' | 'undo-failed' | 'not-run'
export type TargetStatus = 'done' | 'unchanged' | 'skipped' | 'failed'

export interface StepReport {
  id: string
  description: string
  status: StepStatus
  detail?: string
  backup?: string
  firstBackup?: string
  error?: string
  /** A check's verdicts (the verify step), so that its mark can say whether the certificate was accepted. */
  verification?: Record<string, {valid: boolean; reason?: string}>
}

export interface ClientFailure {
  client: string
  reason: string
  code: string
  exitCode: ExitCodeValue
  hints: string[]
}

export interface TargetReport {
  /** The first of `clients`. */
  client: string
  clients: string[]
  label: string
  location: string
  accounts: string[]
  status: TargetStatus
  /**
   * Whether this run changed anything here: what a fleet engine reads to tell a first run from a
   * re-run (Ansible's `changed`). A failed target that was rolled back cleanly changed nothing.
   */
  changed: boolean
  /** Why it was skipped or failed. */
  reason?: string
  code?: string
  /** For a failed target: the exit code its failure stands for (3 wrong password, 5 refused, 9 a program failed, ...). */
  exitCode?: ExitCodeValue
  hints?: string[]
  /** The finished steps were undone after a failure or cancellation. */
  rolledBack: boolean
  steps: StepReport[]
  warnings: string[]
  verification?: Record<string, {valid: boolean; reason?: string}>
  /** Clients of a shared store whose own steps failed (and were undone) while the others were done. */
  failedClients?: ClientFailure[]
}

export interface ApplyReport {
  targets: TargetReport[]
  cancelled: boolean
}

/** Whether the run changed anything at all. */
export function anyChanged(report: {targets: Array<{changed: boolean}>}): boolean {
  return report.targets.some((target) => target.changed)
}

export interface ApplyHooks {
  onStepStart?(target: PlanTarget, step: PlanStep): void
  onStepEnd?(target: PlanTarget, step: PlanStep, report: StepReport): void
  /** Polled between steps: true once the user asked to stop. */
  cancelled?(): boolean
  /** The journal's recorder for a target that records its changes (see PlanTarget.recordAs). */
  recorder?(target: PlanTarget): TargetRecorder
  /** After each target, so that what it did is recorded before the next one starts. */
  onTargetEnd?(target: PlanTarget, report: TargetReport): Promise<void>
}

/** For targets that record nothing (remove's: its journal is updated per target by the command). */
const NO_RECORDER: TargetRecorder = {note: async () => {}, finish: async () => {}, abandon: async () => {}}

function errorText(error: unknown): {message: string; code: string; hints: string[]; exitCode: ExitCodeValue} {
  if (isMailcertError(error)) return {message: error.message, code: error.code, hints: 'hints' in error ? error.hints : [], exitCode: error.exitCode}
  return {message: error instanceof Error ? error.message : String(error), code: 'unexpected', hints: [], exitCode: ExitCode.unexpected}
}

/**
 * Undo the steps that changed something, newest first (a step that failed is undone too: it may
 * have made part of its change, and every undo is safe for a change that was not made).
 * `clean` is false when an undo failed; `rolledBack` claims a clean rollback of something.
 */
async function rollBack(done: Array<{step: PlanStep; report: StepReport}>): Promise<{rolledBack: boolean; clean: boolean}> {
  let clean = true
  for (const {step, report} of [...done].reverse()) {
    try {
      await step.undo()
      if (report.status !== 'failed') report.status = 'undone'
    } catch (error) {
      clean = false
      report.status = 'undo-failed'
      report.error = errorText(error).message
    }
  }
  return {rolledBack: clean && done.some(({report}) => report.status === 'undone'), clean}
}

/**
 * Each step's latest note of the certificates it added stands for that step: the second import of
 * a separate pair adds to what the first noted, it does not replace it.
 */
function stepRecorders(recorder: ChangeRecorder): (index: number) => ChangeRecorder {
  const added = new Map<number, string[]>()
  return (index) => ({
    note: (change) => {
      if (!change.addedCertificates) return recorder.note(change)
      added.set(index, change.addedCertificates)
      return recorder.note({...change, addedCertificates: [...new Set([...added.values()].flat())]})
    },
  })
}

async function applyTarget(target: PlanTarget, hooks: ApplyHooks): Promise<TargetReport> {
  const report: TargetReport = {
    client: target.clients[0] ?? '',
    clients: target.clients,
    label: target.label,
    location: target.location,
    accounts: target.accounts,
    status: 'unchanged',
    changed: false,
    rolledBack: false,
    steps: target.steps.map((step) => ({id: step.id, description: step.describe(), status: 'not-run' as StepStatus})),
    warnings: [...target.warnings],
  }
  if (target.skip) return {...report, status: 'skipped', reason: target.skip.reason, code: target.skip.code}
  if (target.failure) {
    const {code, reason, hints, exitCode} = target.failure
    return {...report, status: 'failed', reason, code, hints, exitCode}
  }

  const recorder = target.recordAs && hooks.recorder ? hooks.recorder(target) : NO_RECORDER
  const recorderFor = stepRecorders(recorder)
  const done: Array<{step: PlanStep; report: StepReport}> = []
  /** Clients whose steps failed in a store other clients still use. */
  const failedParts = new Set<string>()
  /** Undo what was done; the record goes back to before this run only when all of it was undone. */
  const giveUp = async (): Promise<void> => {
    const {rolledBack, clean} = await rollBack(done)
    report.rolledBack = rolledBack
    await settleRecord(clean ? recorder.abandon() : recorder.finish(), report)
  }
  try {
    for (const [index, step] of target.steps.entries()) {
      const stepReport = report.steps[index]
      if (hooks.cancelled?.()) {
        await giveUp()
        return {...report, status: 'skipped', code: 'cancelled', reason: 'cancelled; the finished steps were undone'}
      }
      // A client whose own step failed in a shared store: its later steps do not run.
      if (step.part !== undefined && failedParts.has(step.part)) continue
      hooks.onStepStart?.(target, step)
      let outcome: StepOutcome
      try {
        outcome = await step.apply(recorderFor(index))
      } catch (error) {
        const {message, code, hints, exitCode} = errorText(error)
        stepReport.status = 'failed'
        stepReport.error = message
        hooks.onStepEnd?.(target, step, stepReport)
        done.push({step, report: stepReport})
        // In a store that several clients read, one client's failure undoes only that client's steps.
        const others = target.clients.filter((client) => client !== step.part && !failedParts.has(client))
        if (step.part !== undefined && others.length > 0) {
          failedParts.add(step.part)
          const mine = done.filter((d) => d.step.part === step.part)
          await rollBack(mine)
          done.splice(0, done.length, ...done.filter((d) => d.step.part !== step.part))
          report.failedClients = [...(report.failedClients ?? []), {client: step.part, reason: message, code, exitCode, hints}]
          continue
        }
        await giveUp()
        // Nothing stays of the target: no client of it is "partly" done.
        delete report.failedClients
        return {...report, status: 'failed', reason: message, code, hints, exitCode}
      }
      stepReport.status = outcome.changed ? 'done' : 'unchanged'
      stepReport.detail = outcome.detail
      stepReport.backup = outcome.backup
      stepReport.firstBackup = outcome.firstBackup
      if (outcome.verification) stepReport.verification = outcome.verification
      report.warnings.push(...(outcome.warnings ?? []))
      if (outcome.verification) report.verification = {...report.verification, ...outcome.verification}
      if (outcome.changed) {
        done.push({step, report: stepReport})
        report.status = 'done'
      }
      hooks.onStepEnd?.(target, step, stepReport)
      if (outcome.failTarget) {
        await settleRecord(recorder.finish(), report)
        const {message, code, hints, exitCode} = outcome.failTarget
        return {...report, status: 'failed', reason: message, code, hints, exitCode}
      }
    }
    await settleRecord(recorder.finish(), report)
    return report
  } catch (error) {
    const {message, code, hints, exitCode} = errorText(error)
    await giveUp()
    return {...report, status: 'failed', reason: message, code, hints, exitCode}
  } finally {
    await target.close?.()
  }
}

/**
 * Closing a record that was already noted on disk: if that write fails, the on-disk record still
 * covers every change (it is marked in progress, and the next run settles it), so it is a warning.
 */
async function settleRecord(closing: Promise<void>, report: TargetReport): Promise<void> {
  try {
    await closing
  } catch (error) {
    report.warnings.push(`${errorText(error).message} The record written before the change still covers it; the next mailcert run tidies it up.`)
  }
}

/** A step that is still done (or whose undo failed) left a change behind; undone and failed-and-undone steps did not. */
function leftChanges(report: TargetReport): TargetReport {
  return {...report, changed: report.steps.some((step) => step.status === 'done' || step.status === 'undo-failed')}
}

export async function applyPlan(plan: Plan, hooks: ApplyHooks = {}): Promise<ApplyReport> {
  const targets: TargetReport[] = []
  for (const target of plan.targets) {
    const report = leftChanges(await applyTarget(target, hooks))
    targets.push(report)
    await hooks.onTargetEnd?.(target, report)
  }
  return {targets, cancelled: hooks.cancelled?.() ?? false}
}

/** 0 when everything asked for is done; 7 when some targets failed and others were done; else the failure's own code. */
export function exitCodeOf(report: ApplyReport): ExitCodeValue {
  if (report.cancelled) return ExitCode.cancelled
  const failed = report.targets.filter((t) => t.status === 'failed')
  // A client that failed beside others in a shared store: partly done.
  if (report.targets.some((t) => t.status !== 'failed' && (t.failedClients?.length ?? 0) > 0)) return ExitCode.partial
  if (failed.length === 0) return ExitCode.ok
  const succeeded = report.targets.some((t) => t.status === 'done' || t.status === 'unchanged')
  return succeeded ? ExitCode.partial : (failed[0].exitCode ?? ExitCode.unexpected)
}
