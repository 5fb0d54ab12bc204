/**
 * The lines of a run's log (`--log FILE`, and the default log of runs without a terminal), one JSON
 * object per line, each with the run's id so that runs logged at the same time can be told apart:
 * `start`, a `step` per finished plan step, a `target` per target, and `end` with the exit code.
 *
 * What goes in is chosen so that no secret can: flag names but never their values, and otherwise
 * only what reports and errors carry, which hold no secrets by design.
 */
import type {StepReport, TargetReport} from '../install/apply.js'
import type {OperatingSystem} from '../system/platform.js'

interface LineBase {
  time: string
  run: string
}

export interface StartLine extends LineBase {
  type: 'start'
  command: string
  version: string
  pid: number
  os: OperatingSystem
  /** The flags given (on the command line or through their environment variables), by name only. */
  flags: string[]
}

export interface StepLine extends LineBase {
  type: 'step'
  target: string
  location: string
  step: string
  description: string
  status: StepReport['status']
  detail?: string
  error?: string
}

export interface TargetLine extends LineBase {
  type: 'target'
  target: string
  location: string
  clients: string[]
  status: TargetReport['status']
  changed: boolean
  rolledBack: boolean
  code?: string
  reason?: string
  exitCode?: number
}

export interface EndLine extends LineBase {
  type: 'end'
  exitCode: number
  changed: boolean
  durationMs: number
  /** For a run that failed: the error's code and message (as `--json` gives them). */
  error?: {code: string; message: string}
}

export type RunLogLine = StartLine | StepLine | TargetLine | EndLine

/** Where a line is from and when. */
export interface LineContext {
  time: Date
  run: string
}

const base = (context: LineContext): LineBase => ({time: context.time.toISOString(), run: context.run})

export function startLine(context: LineContext, start: {command: string; version: string; pid: number; os: OperatingSystem; flags: string[]}): StartLine {
  return {type: 'start', ...base(context), ...start, flags: [...start.flags].sort()}
}

export function stepLine(context: LineContext, target: {label: string; location: string}, step: StepReport): StepLine {
  return {
    type: 'step',
    ...base(context),
    target: target.label,
    location: target.location,
    step: step.id,
    description: step.description,
    status: step.status,
    ...(step.detail === undefined ? {} : {detail: step.detail}),
    ...(step.error === undefined ? {} : {error: step.error}),
  }
}

export function targetLine(context: LineContext, target: TargetReport): TargetLine {
  return {
    type: 'target',
    ...base(context),
    target: target.label,
    location: target.location,
    clients: target.clients,
    status: target.status,
    changed: target.changed,
    rolledBack: target.rolledBack,
    ...(target.code === undefined ? {} : {code: target.code}),
    ...(target.reason === undefined ? {} : {reason: target.reason}),
    ...(target.exitCode === undefined ? {} : {exitCode: target.exitCode}),
  }
}

export function endLine(context: LineContext, end: {exitCode: number; changed: boolean; startedAt: Date; error?: {code: string; message: string}}): EndLine {
  return {
    type: 'end',
    ...base(context),
    exitCode: end.exitCode,
    changed: end.changed,
    durationMs: Math.max(0, context.time.getTime() - end.startedAt.getTime()),
    ...(end.error ? {error: end.error} : {}),
  }
}
