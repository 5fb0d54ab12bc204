import {anyChanged, type ApplyReport, exitCodeOf} from '../install/apply.js'
import type {ExitCodeValue} from '../errors.js'
import {renderReport} from './render-install.js'

/** After a plan was applied: the report for people, `applied`, `targets` and `changed` for --json; the exit code the report stands for. */
export function showApplied(report: ApplyReport, result: {applied: boolean; targets: ApplyReport['targets']; changed: boolean}, log: (message: string) => void): ExitCodeValue {
  log('')
  log(renderReport(report, {steps: false}))
  result.applied = true
  result.targets = report.targets
  result.changed = anyChanged(report)
  return exitCodeOf(report)
}
