/** The guided `remove`: which accounts to undo, and whether to take the certificate out too. */
import type {Journal} from '../../install/journal.js'

export interface RemovalChoice {
  name: string
  value: string
  checked: boolean
}

/** One choice per address mailcert set up, with where. */
export function removalChoices(journal: Journal): RemovalChoice[] {
  const byEmail = new Map<string, string[]>()
  for (const entry of journal.entries) {
    for (const identity of entry.identities) byEmail.set(identity.email, [...(byEmail.get(identity.email) ?? []), entry.label])
  }
  return [...byEmail].map(([email, where]) => ({name: `${email} (${[...new Set(where)].join(', ')})`, value: email, checked: true}))
}

export async function chooseRemovals(journal: Journal): Promise<string[]> {
  const {checkbox} = await import('@inquirer/prompts')
  return checkbox<string>({message: 'Stop using the certificate for these accounts? (Space to tick or untick)', choices: removalChoices(journal), required: true})
}

export async function askDeleteIdentity(clientNames: string[]): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return confirm({
    message: `Also remove the certificate and its private key from ${clientNames.join(' and ') || 'the certificate stores'}? (Then mail encrypted to it cannot be read there any more, unless you install your .p12 again.)`,
    default: false,
  })
}
