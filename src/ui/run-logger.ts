/**
 * One run's log: the lines of run-log-lines.ts written to a run-log file as the run goes, and
 * whether any target changed something, for the `end` line.
 */
import {randomUUID} from 'node:crypto'

import type {StepReport, TargetReport} from '../install/apply.js'
import type {PlanTarget} from '../install/plan.js'
import {openRunLogFile, ROTATE_AT} from '../system/run-log.js'
import {endLine, type LineContext, type RunLogLine, startLine, stepLine, targetLine} from './run-log-lines.js'

/** What applying a plan reports to the log (src/ui/confirm-and-apply.ts). */
export interface ApplyLog {
  step(target: Pick<PlanTarget, 'label' | 'location'>, report: StepReport): void
  target(report: TargetReport): void
}

export interface RunLogger extends ApplyLog {
  readonly path: string
  end(end: {exitCode: number; error?: {code: string; message: string}}): void
}

export interface RunLoggerOptions {
  file: string
  /** The default log rotates; a file the user named is theirs to rotate. */
  rotate: boolean
  start: Parameters<typeof startLine>[1]
  startedAt: Date
  onError(message: string): void
  /** For tests. */
  now?: () => Date
  runId?: string
}

export function startRunLogger(options: RunLoggerOptions): RunLogger | null {
  const file = openRunLogFile(options.file, {rotateAt: options.rotate ? ROTATE_AT : undefined, onError: options.onError})
  if (!file) return null
  const run = options.runId ?? randomUUID()
  const now = options.now ?? (() => new Date())
  const context = (): LineContext => ({time: now(), run})
  const write = (line: RunLogLine) => file.append(JSON.stringify(line))
  let changed = false
  write(startLine(context(), options.start))
  return {
    path: file.path,
    step: (target, report) => write(stepLine(context(), target, report)),
    target(report) {
      changed ||= report.changed
      write(targetLine(context(), report))
    },
    end(end) {
      write(endLine(context(), {...end, changed, startedAt: options.startedAt}))
      file.close()
    },
  }
}
