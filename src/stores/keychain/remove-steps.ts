/**
 * Taking out of a keychain what a recorded install added: the trust given to a private root, the
 * identity (certificate and private key), and the issuer certificates that were not there before.
 */
import {type JournalEntry, recordedLeaves} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import {withSecretFiles} from '../../system/secret-files.js'
import {deleteCertificates, type KeychainTarget} from './import-steps.js'
import {findCertificates, runSecurity, toolSaid} from './security-tool.js'

/** Taking certificates out is the one change that cannot be undone: it always comes last. */
export class DeleteIdentityStep implements PlanStep {
  readonly id = 'delete-identity'

  constructor(
    private readonly target: KeychainTarget,
    private readonly entry: JournalEntry,
    /** Whether an account of a client reading the keychain still names the certificate (it stays then). */
    private readonly stillUsed: () => Promise<boolean>,
  ) {}

  describe(): string {
    const count = this.entry.addedCertificates.length
    const root = this.entry.trustedRoot ? ', and the trust it gave the root certificate' : ''
    return `Remove the certificate${count > 1 ? `s (${count})` : ''} mailcert added to ${this.target.label}, with the private key${root}`
  }

  async apply(): Promise<StepOutcome> {
    if (await this.stillUsed()) {
      return {changed: false, detail: '0 certificates removed', warnings: ['The certificate is kept: another account still uses it.']}
    }
    const warnings: string[] = []
    let trustTaken = false
    const trusted = this.entry.trustedRoot
    if (trusted && trusted.previousTrust === 'none') {
      const root = (await findCertificates(this.target.machine, this.target.keychain)).find((c) => c.sha256.toLowerCase() === trusted.sha256)
      if (root) {
        const result = await withSecretFiles(async (files) => runSecurity(this.target.machine, ['remove-trusted-cert', await files.write(root.der, 'root.cer')]))
        if (result.ok || result.error === 'not-found') trustTaken = result.ok
        // Taking trust back needs the user's password in a dialog, like giving it.
        else warnings.push(`The trust mailcert gave the root certificate could not be taken back (${toolSaid(result)}): in Keychain Access, open that certificate and set Trust to "Use System Defaults".`)
      }
    }
    const removed = await deleteCertificates(this.target, this.entry.addedCertificates, recordedLeaves(this.entry).map((leaf) => leaf.sha256))
    return {changed: removed > 0 || trustTaken, detail: `${removed} certificate${removed === 1 ? '' : 's'} removed${trustTaken ? ', root trust taken back' : ''}`, warnings}
  }

  async undo(): Promise<void> {}
}
