/**
 * What the user is told when a headless Thunderbird fails to do what mailcert asked over Marionette:
 * always Thunderbird's failure (exit 9), never a bug in mailcert, with the task it did not do and
 * what to try instead.
 */
import {ExternalError} from '../../errors.js'
import type {MarionetteError} from '../../system/marionette.js'

export interface FailureContext {
  /** Seconds Thunderbird was given for each request (MAILCERT_THUNDERBIRD_TIMEOUT). */
  timeoutMs: number
  /** How to do the work without Thunderbird (install NSS's tools), when there is a way. */
  insteadHint: string | null
  /** The end of Thunderbird's own output, for the report. */
  output?: string
}

export function closeThunderbirdHint(): string {
  return 'If Thunderbird is open, close it, then run mailcert again.'
}

export function timeoutHint(timeoutMs: number): string {
  return `On a slow machine give Thunderbird more time: set MAILCERT_THUNDERBIRD_TIMEOUT to more seconds (now ${timeoutMs / 1000}).`
}

/** `task` says what Thunderbird was asked to do, as a verb phrase: "list the certificates in the profile". */
export function thunderbirdFailure(error: MarionetteError, task: string, context: FailureContext): ExternalError {
  const instead = context.insteadHint ? [context.insteadHint] : []
  const seconds = context.timeoutMs / 1000
  switch (error.failure) {
    case 'timeout': {
      return new ExternalError('Thunderbird', `Thunderbird stopped answering: it did not ${task} within ${seconds} s.`, {
        code: 'thunderbird-not-answering',
        output: context.output,
        hints: [closeThunderbirdHint(), ...instead, timeoutHint(context.timeoutMs)],
      })
    }
    case 'refused':
    case 'closed': {
      return new ExternalError('Thunderbird', `Thunderbird closed its remote-control connection before it could ${task}; it may have crashed or been closed.`, {
        code: 'thunderbird-connection-lost',
        output: context.output,
        hints: [closeThunderbirdHint(), ...instead],
      })
    }
    case 'malformed': {
      return new ExternalError('Thunderbird', `Thunderbird's answer could not be read, so it did not ${task}: ${error.message}.`, {
        code: 'thunderbird-bad-answer',
        output: context.output,
        hints: instead,
      })
    }
    case 'error': {
      return new ExternalError('Thunderbird', `Thunderbird could not ${task}.`, {
        code: 'thunderbird-script-failed',
        output: error.message,
        hints: instead,
      })
    }
  }
}
