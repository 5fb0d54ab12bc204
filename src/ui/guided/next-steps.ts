/** What to do after the install, in the order a person does it. */
import type {ApplyReport} from '../../install/apply.js'

export function nextSteps(report: ApplyReport): string[] {
  const done = report.targets.filter((t) => t.status === 'done' || t.status === 'unchanged')
  if (done.length === 0) return []
  const accounts = [...new Set(done.flatMap((t) => t.accounts))]
  return [
    'Next:',
    '  1. Start Thunderbird (or restart it, if it was open while mailcert worked).',
    `  2. Write a message to yourself from ${accounts[0] ?? 'your account'}; under Security, "Digitally Sign" is now on or one click away. Send it, and look for the signature mark when it arrives.`,
    `  3. To undo: mailcert remove${accounts.length === 1 ? ` --account ${accounts[0]}` : ''} (add --delete-identity to take the certificate out of Thunderbird too).`,
  ]
}
