/**
 * `check` for a client that takes its identity from a system store and chooses the certificate in
 * settings mailcert cannot read (Outlook for Mac, new Outlook for Windows): per expected address,
 * whether the store holds a valid certificate with its private key, and where to choose it.
 */
import type {CheckContext, ClientCheckResult, ClientPlace, Problem} from './client.js'
import type {SupportRow} from './support-table.js'

export interface ChosenInClient {
  client: string
  name: string
  program: string | null
  support: SupportRow
  /** How the store is read (`security`, `crypt32`). */
  storeAccess: string
  place: ClientPlace
  /** Where the expected certificates are recorded (the store's location). */
  expectedAt: string
  facts: string[]
  /** The store, for sentences: `The keychain`, `Your Windows certificate store`. */
  storeName: string
  /** Where to choose the certificate in the client. */
  steps: string
  hasValidIdentity(email: string): Promise<boolean>
}

export async function checkChosenInClient(options: ChosenInClient, context: CheckContext): Promise<ClientCheckResult> {
  const {place} = options
  const addresses = [...new Set(context.expected(options.expectedAt).flatMap((expected) => expected.emails.map((e) => e.toLowerCase())))]
  const withCertificate: string[] = []
  const problems: Problem[] = []
  for (const email of addresses) {
    if (await options.hasValidIdentity(email)) withCertificate.push(email)
    else problems.push({severity: 'error', code: 'no-identity', message: `${options.storeName} holds no valid certificate with its private key for ${email}: ${options.name} cannot sign from this address.`, fix: context.installCommand(email), profile: place.location, account: email})
  }
  const held = withCertificate.length > 0 ? ` ${options.storeName} holds a valid certificate for ${withCertificate.join(', ')}: choose it there (${options.steps})` : ''
  return {
    check: {
      client: options.client,
      name: options.name,
      program: options.program,
      support: options.support,
      storeAccess: options.storeAccess,
      profiles: [
        {
          name: place.name,
          dir: place.location,
          title: place.name,
          facts: options.facts,
          busy: false,
          checkedWith: options.storeAccess,
          note: {text: `${options.name} chooses the certificate in its own settings, which mailcert cannot read.${held}`, severity: 'info'},
          identities: [],
          problems,
        },
      ],
    },
    problems: [],
  }
}
