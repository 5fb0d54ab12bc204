/**
 * The three kinds of failure (DESIGN.md): the user's to fix, an external program's, and bugs.
 * Exit codes are a stable contract with the scripts that IT staff write around mailcert.
 */

export const ExitCode = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  wrongPassword: 3,
  unreadableInput: 4,
  notForSmime: 5,
  busy: 6,
  partial: 7,
  problemsFound: 8,
  /** A program mailcert drives (NSS's tools, Thunderbird, `security`) failed or stopped answering. */
  external: 9,
  /** Ctrl+C: the conventional 128 + SIGINT. */
  cancelled: 130,
} as const

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export interface ErrorDetails {
  /** Stable machine-readable code, for example `wrong-password`. */
  code: string
  exitCode: ExitCodeValue
  /** "Try this" lines: what to do next. */
  hints?: string[]
}

/** Something the user can fix: a wrong password, an unreadable file, a busy mail client. */
export class UserError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly hints: string[]

  constructor(message: string, details: ErrorDetails) {
    super(message)
    this.name = 'UserError'
    this.code = details.code
    this.exitCode = details.exitCode
    this.hints = details.hints ?? []
  }
}

/** Usage errors (exit 2): a missing flag, flags that contradict each other, a missing answer without a terminal. */
export class UsageError extends UserError {
  constructor(message: string, hints: string[] = [], code = 'usage') {
    super(message, {code, exitCode: ExitCode.usage, hints})
    this.name = 'UsageError'
  }
}

/** An external program (pk12util, certutil, Thunderbird, PowerShell) failed. The output has secrets removed. */
export class ExternalError extends Error {
  readonly code: string
  readonly exitCode: ExitCodeValue
  readonly tool: string
  readonly output: string
  readonly hints: string[]

  constructor(tool: string, message: string, options: {output?: string; hints?: string[]; code?: string; exitCode?: ExitCodeValue} = {}) {
    super(message)
    this.name = 'ExternalError'
    this.tool = tool
    this.output = options.output ?? ''
    this.hints = options.hints ?? []
    this.code = options.code ?? 'external-tool-failed'
    this.exitCode = options.exitCode ?? ExitCode.external
  }
}

/** A state mailcert's own code should never reach. Reported as a bug (exit 1). */
export class BugError extends Error {
  readonly code = 'bug'
  readonly exitCode = ExitCode.unexpected

  constructor(message: string) {
    super(message)
    this.name = 'BugError'
  }
}

export type MailcertError = UserError | ExternalError | BugError

export function isMailcertError(error: unknown): error is MailcertError {
  return error instanceof UserError || error instanceof ExternalError || error instanceof BugError
}
