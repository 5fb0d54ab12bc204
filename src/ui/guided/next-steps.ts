/** What to do after the install, in the order a person does it: each client's own steps, then how to undo. */
import type {MailClient} from '../../clients/client.js'
import type {ApplyReport} from '../../install/apply.js'

export function nextSteps(report: ApplyReport, clients: readonly MailClient[]): string[] {
  const done = report.targets.filter((t) => t.status === 'done' || t.status === 'unchanged')
  if (done.length === 0) return []
  const accounts = [...new Set(done.flatMap((t) => t.accounts))]
  const used = clients.filter((client) => done.some((t) => t.clients.includes(client.id)))
  const steps = [...used.flatMap((client) => client.nextSteps?.(accounts) ?? [])]
  const names = used.map((client) => client.name).join(' and ')
  steps.push(`To undo: mailcert remove${accounts.length === 1 ? ` --account ${accounts[0]}` : ''} (add --delete-identity to take the certificate out of ${names || 'the certificate stores'} too).`)
  return ['Next:', ...steps.map((step, index) => `  ${index + 1}. ${step}`)]
}
