import type {ExitCodeValue} from '../errors.js'
import type {JournalEntry, TargetChanges} from './journal.js'

/**
 * A plan is the list of changes mailcert will make, grouped by target (one store and the accounts
 * of the clients that read it). Every change is a step that can say what it will do, do it, and undo it: that is
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
  /**
   * The client whose configuration this step is; unset for the store's own steps. When a client's
   * step fails, that client's steps are undone and the others go on; the store's import stays
   * while another client of the target still uses it.
   */
  readonly part?: string
  describe(): string
  apply(recorder: ChangeRecorder): Promise<StepOutcome>
  /** Called only after a successful apply() whose outcome changed something. */
  undo(): Promise<void>
}

/** Why a target cannot be done, with the exit code it stands for. */
export interface TargetFailure {
  code: string
  reason: string
  hints: string[]
  exitCode: ExitCodeValue
}

export interface PlanTarget {
  /** The clients whose accounts this target configures (those reading its store). */
  clients: string[]
  /** What a person recognises: the place and the client, as the client names them. */
  label: string
  /** Machine-readable location, for the JSON report. */
  location: string
  /** The accounts or identities this target configures. */
  accounts: string[]
  steps: PlanStep[]
  /** A target that will not be touched, and why. */
  skip?: {code: string; reason: string}
  /** A target that could not even be planned (its database cannot be read): reported as failed, the others go on. */
  failure?: TargetFailure
  /** Warnings known at planning time (a private root left untrusted, ...). */
  warnings: string[]
  /** Releases what the steps share (a database session); always called after the steps. */
  close?(): Promise<void>
  /** How the changes of this target are recorded for `remove`; targets without it record nothing (remove's own). */
  recordAs?: RecordedTarget
}

/** The part of a journal entry that names the target and the certificate. */
export type RecordedTarget = Pick<JournalEntry, 'store' | 'clients' | 'label' | 'certificate' | 'encryptionCertificate'>

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
