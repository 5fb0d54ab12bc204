/**
 * Taking out of an NSS database what a recorded install added: the certificates (the leaf with its
 * private key first, then the issuers that were not there before) and the e-mail trust given to a root.
 */
import type {JournalEntry} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import type {SessionHolder} from './import-steps.js'

/** Taking certificates out is the one change that cannot be undone: it always comes last. */
export class DeleteIdentityStep implements PlanStep {
  readonly id = 'delete-identity'

  constructor(
    private readonly session: SessionHolder,
    private readonly entry: JournalEntry,
    /** Whether an account of a client reading the database still names the certificate after the restore (it keeps it then). */
    private readonly stillUsed: () => Promise<boolean>,
  ) {}

  describe(): string {
    const count = this.entry.addedCertificates.length
    const root = this.entry.trustedRoot ? ' and the e-mail trust it gave the root' : ''
    return `Remove the certificate${count > 1 ? `s (${count})` : ''} mailcert added to the certificate database, with the private key${root}`
  }

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const present = await session.listCertificates()
    // Another identity still signs with the certificate: it keeps the certificate, its issuers and the root's trust.
    if (await this.stillUsed()) {
      return {changed: false, detail: '0 certificates removed', warnings: ['The certificate is kept: another account still uses it.']}
    }
    const warnings: string[] = []
    let removed = 0
    let keysRemoved = 0
    if (this.entry.trustedRoot && !this.entry.addedCertificates.includes(this.entry.trustedRoot.sha256)) {
      const root = present.find((c) => c.sha256 === this.entry.trustedRoot!.sha256)
      if (root) await session.setTrust(root, this.entry.trustedRoot.previousTrust)
    }
    // The leaf (with its key) first, then the issuers.
    const order = [this.entry.certificate.sha256, ...this.entry.addedCertificates.filter((sha) => sha !== this.entry.certificate.sha256)]
    const gone = new Set<string>()
    for (const sha256 of order.filter((sha) => this.entry.addedCertificates.includes(sha))) {
      const certificate = present.find((c) => c.sha256 === sha256)
      if (!certificate || gone.has(sha256)) continue
      const named = present.filter((c) => c.nickname === certificate.nickname)
      if (!session.deletesExactly && named.length > 1 && session.deleteAllNamed && named.every((c) => this.entry.addedCertificates.includes(c.sha256))) {
        // Both halves of a pair (one subject, so one nickname), all of them mailcert's: whichever certutil finds first is one to go.
        await session.deleteAllNamed(certificate.nickname)
        for (const c of named) gone.add(c.sha256)
        removed += named.length
        continue
      }
      if (!session.deletesExactly && named.length > 1) {
        // A renewal shares the nickname: certutil could delete the wrong certificate by name, but finds the key by its id.
        if (certificate.hasKey && session.deleteKey) {
          await session.deleteKey(certificate)
          keysRemoved++
          warnings.push(`The private key of the older "${certificate.nickname}" was removed; its certificate (public, without a key) stays, because another certificate shares its name and removing by name could hit the wrong one.`)
        } else {
          warnings.push(`"${certificate.nickname}" is kept: another certificate shares its name, and removing by name could hit the wrong one.`)
        }
        continue
      }
      await session.deleteCertificate(certificate, {withKey: certificate.hasKey})
      removed++
    }
    const keys = keysRemoved > 0 ? `, ${keysRemoved} private key${keysRemoved === 1 ? '' : 's'} of a shared name` : ''
    return {changed: removed + keysRemoved > 0 || this.entry.trustedRoot !== null, detail: `${removed} certificate${removed === 1 ? '' : 's'} removed${keys}`, warnings}
  }

  async undo(): Promise<void> {}
}
