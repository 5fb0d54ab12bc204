/**
 * The last stretch of `install` and `remove`: show nothing more for a dry run, ask before changing
 * anything at a terminal, then apply with progress, turning the first Ctrl+C into "stop after this
 * step and undo this target".
 */
import {ux} from '@oclif/core'

import {type ApplyHooks, type ApplyReport, applyPlan} from '../install/apply.js'
import type {Plan} from '../install/plan.js'
import {deferInterrupts} from '../system/interrupts.js'
import {askApply} from './guided/questions.js'
import {renderStep, stepOutcome} from './render-install.js'
import type {ApplyLog} from './run-logger.js'

export interface ApplyOptions {
  dryRun: boolean
  interactive: boolean
  log(message: string): void
  logToStderr(message: string): void
  /** How each target's changes are recorded as they are made. */
  journal?: Pick<ApplyHooks, 'recorder' | 'onTargetEnd'>
  /** The run's log (--log, or the default one without a terminal): a line per finished step and per target. */
  runLog?: ApplyLog
}

/** Null when nothing was applied: a dry run, or "no" at the question. */
export async function confirmAndApply(plan: Plan, options: ApplyOptions): Promise<ApplyReport | null> {
  if (options.dryRun) {
    options.log('\nDry run: nothing was changed.')
    return null
  }
  if (options.interactive && !(await askApply())) {
    options.log('Nothing was changed.')
    return null
  }
  options.log('')
  const deferral = deferInterrupts(() => options.logToStderr('\nStopping after this step; the changes made so far for this target will be undone…'))
  // At a terminal a spinner shows the step that is running; its line then shows the outcome.
  const spinner = options.interactive && Boolean(process.stdout.isTTY)
  try {
    const {runLog, journal} = options
    return await applyPlan(plan, {
      ...journal,
      onStepStart: (_target, step) => spinner && ux.action.start(`  ${step.describe()}`),
      onStepEnd(target, _step, step) {
        runLog?.step(target, step)
        if (spinner) ux.action.stop(stepOutcome(step))
        else options.log(renderStep(step))
      },
      async onTargetEnd(target, report) {
        runLog?.target(report)
        await journal?.onTargetEnd?.(target, report)
      },
      cancelled: () => deferral.requested(),
    })
  } finally {
    deferral.release()
  }
}
