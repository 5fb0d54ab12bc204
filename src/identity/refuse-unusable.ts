/**
 * The one refusal of a certificate that cannot work for S/MIME (expired, no e-mail address, not
 * for e-mail, ...), before a command does anything with it: exit 5, the errors in one sentence, and
 * their fixes as hints. `outcome` says what did not happen (`nothing was installed`).
 */
import {ExitCode, UserError} from '../errors.js'
import {type Finding, hasErrors, lintIdentity} from './findings.js'
import type {Identity} from './identity.js'

/** Throws when the findings hold an error; returns them all otherwise (for the warnings a command passes on). */
export function refuseUnusable(identity: Identity, fromPkcs12: boolean, now: Date, outcome = 'nothing was installed'): Finding[] {
  const findings = lintIdentity(identity, {now, fromPkcs12})
  if (!hasErrors(findings)) return findings
  const errors = findings.filter((f) => f.severity === 'error')
  throw new UserError(`This certificate cannot be used for S/MIME, so ${outcome}: ${errors.map((e) => e.message).join(' ')}`, {
    code: 'not-for-smime',
    exitCode: ExitCode.notForSmime,
    hints: errors.map((e) => e.fix),
  })
}
