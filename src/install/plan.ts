import type {ExitCodeValue} from '../errors.js'
import type {JournalEntry, TargetChanges} from './journal.js'

/**
 * A plan is the list of changes mailcert will make, grouped by target (one Thunderbird profile, one
 * keychain, ...). Every change is a step that can say what it will do, do it, and undo it: that is
 * what `--dry-run` prints, what the guided installer shows before asking, and what a failure rolls
 * back.
 */

export interface StepOutcome {
  /** False when the step found everything already as it should be. */
  changed: boolean
  /** What happened, in a few words ("already present", "nickname Alice Example"). */
  detail?: string
  /** Where a backup of a changed file was kept (as it was before this change). */
  backup?: string
  /** The first backup mailcert made of that file: as it was before mailcert first changed it. */
  firstBackup?: string
  warnings?: string[]
  /** A check's verdicts, for the report (`signing`, `encryption`). */
  verification?: Record<string, {valid: boolean; reason?: string}>
  /** Stop the target here and report it as failed, keeping what was done (the user asked to keep it). */
  failTarget?: {message: string; code: string; hints: string[]; exitCode: ExitCodeValue}
}

/**
 * Where a step notes a change before it makes it (the write-ahead journal). A step calls it before
 * every change it makes, with this run's part of the record so far; the call returns once the note
 * is on disk, and throws (so the change is not made) when it cannot be written.
 */
export interface ChangeRecorder {
  note(change: Partial<TargetChanges>): Promise<void>
}

export interface PlanStep {
  /** Stable identifier for reports: `import-identity`, `trust-root`, `configure-identities`. */
  readonly id: string
  describe(): string
  apply(recorder: ChangeRecorder): Promise<StepOutcome>
  /** Called only after a successful apply() whose outcome changed something. */
  undo(): Promise<void>
}

export interface PlanTarget {
  client: string
  /** What a person recognises: "Thunderbird profile default-release (~/.thunderbird/ab12.default-release)". */
  label: string
  /** Machine-readable location, for the JSON report. */
  location: string
  /** The accounts or identities this target configures. */
  accounts: string[]
  steps: PlanStep[]
  /** A target that will not be touched, and why. */
  skip?: {code: string; reason: string}
  /** A target that could not even be planned (its database cannot be read): reported as failed, the others go on. */
  failure?: {code: string; reason: string; hints: string[]; exitCode: ExitCodeValue}
  /** Warnings known at planning time (a private root left untrusted, ...). */
  warnings: string[]
  /** Releases what the steps share (a database session); always called after the steps. */
  close?(): Promise<void>
  /** How the changes of this target are recorded for `remove`; targets without it record nothing (remove's own). */
  recordAs?: RecordedTarget
}

/** The part of a journal entry that names the target and the certificate. */
export type RecordedTarget = Pick<JournalEntry, 'client' | 'label' | 'profileName' | 'location' | 'certificate'>

export interface Plan {
  targets: PlanTarget[]
}

export function describePlan(plan: Plan): string[] {
  const lines: string[] = []
  for (const target of plan.targets) {
    if (target.skip) {
      lines.push(`${target.label}: skipped, ${target.skip.reason}`)
      continue
    }
    if (target.failure) {
      lines.push(`${target.label}: cannot be set up, ${target.failure.reason}`)
      continue
    }
    lines.push(`${target.label}:`)
    for (const step of target.steps) lines.push(`  - ${step.describe()}`)
    for (const warning of target.warnings) lines.push(`  ! ${warning}`)
  }
  return lines
}
