import type {Certificate} from '../identity/certificate-types.js'
import type {StoreRef} from '../stores/store.js'

/**
 * Interactive prompts. @inquirer/prompts is loaded on first use: scripts that never prompt do not
 * pay for it at start-up.
 */
export async function askPassword(message: string): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  // The 7.x password prompt has no reveal toggle: nothing typed can end up on screen.
  return password({message, mask: '*'})
}

export async function askDbPassword(store: StoreRef): Promise<string> {
  const {password} = await import('@inquirer/prompts')
  return password({message: `Primary password of the certificate database of ${store.label}:`, mask: '*'})
}

export async function askTrustRoot(root: Certificate): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  const name = root.subject.attributes.find((a) => a.type === 'CN')?.value ?? root.subject.text
  return confirm({
    message: `Your certificate comes from "${name}", an authority mail clients do not know. Trust it to vouch for e-mail certificates? (Say yes only if it is your company's or one you trust: it could vouch for anyone's address.)`,
    default: false,
  })
}

/** One of several (an address, a certificate database): `share --from-store` when nothing narrows the choice. */
export async function askChoice(message: string, choices: Array<{name: string; value: string}>): Promise<string> {
  const {select} = await import('@inquirer/prompts')
  return select({message, choices})
}
