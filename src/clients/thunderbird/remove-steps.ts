/**
 * Undoing an install in one Thunderbird profile, from what the journal says mailcert did: put the
 * identity settings back where they still hold mailcert's values, and, when asked, take out the
 * certificates mailcert added and the trust it gave a root.
 */
import type {IdentityRecord, JournalEntry} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import type {ThunderbirdProfile} from './discovery.js'
import type {SessionHolder} from './install-steps.js'
import {PrefsEdit} from './prefs-edit.js'
import {getUserPref, type PrefValue} from './prefs-js.js'

export class RestoreIdentitiesStep implements PlanStep {
  readonly id = 'restore-identities'
  private readonly prefs: PrefsEdit

  constructor(
    profile: ThunderbirdProfile,
    private readonly identities: IdentityRecord[],
    private readonly beforeWrite: () => Promise<void>,
  ) {
    this.prefs = new PrefsEdit(profile)
  }

  describe(): string {
    return `Put back the S/MIME settings of ${this.identities.map((i) => i.email).join(', ')} as they were before mailcert, in ${this.prefs.path}`
  }

  async apply(): Promise<StepOutcome> {
    await this.beforeWrite()
    const parsed = await this.prefs.read()
    const changes: Record<string, PrefValue | null> = {}
    const warnings: string[] = []
    for (const identity of this.identities) {
      for (const [name, applied] of Object.entries(identity.applied)) {
        const current = getUserPref(parsed, name) ?? null
        const previous = identity.previous[name] ?? null
        if (current === previous) continue
        // Someone changed it after mailcert did: theirs to keep.
        if (current !== applied) warnings.push(`${name} was changed after mailcert set it; left as it is.`)
        else changes[name] = previous
      }
    }
    if (Object.keys(changes).length === 0) return {changed: false, detail: 'nothing to put back', warnings}

    const {backup, firstBackup} = await this.prefs.write(parsed, changes)
    return {changed: true, detail: `${Object.keys(changes).length} settings put back`, backup, firstBackup, warnings}
  }

  async undo(): Promise<void> {
    await this.prefs.undo()
  }
}

/** Taking certificates out is the one change that cannot be undone: it always comes last. */
export class DeleteIdentityStep implements PlanStep {
  readonly id = 'delete-identity'

  constructor(
    private readonly session: SessionHolder,
    private readonly entry: JournalEntry,
    /** dbKeys that identities of this profile still point at after the restore (they keep their certificates). */
    private readonly stillUsed: () => Promise<Set<string>>,
  ) {}

  describe(): string {
    const count = this.entry.addedCertificates.length
    const root = this.entry.trustedRoot ? ' and the e-mail trust it gave the root' : ''
    return `Remove the certificate${count > 1 ? `s (${count})` : ''} mailcert added to the profile's database, with the private key${root}`
  }

  async apply(): Promise<StepOutcome> {
    const session = await this.session.get()
    const present = await session.listCertificates()
    // Another identity still signs with the certificate: it keeps the certificate, its issuers and the root's trust.
    if ((await this.stillUsed()).has(this.entry.certificate.dbKey)) {
      return {changed: false, detail: '0 certificates removed', warnings: ['The certificate is kept: another identity in this profile still uses it.']}
    }
    const warnings: string[] = []
    let removed = 0
    if (this.entry.trustedRoot && !this.entry.addedCertificates.includes(this.entry.trustedRoot.sha256)) {
      const root = present.find((c) => c.sha256 === this.entry.trustedRoot!.sha256)
      if (root) await session.setTrust(root, this.entry.trustedRoot.previousTrust)
    }
    // The leaf (with its key) first, then the issuers.
    const order = [this.entry.certificate.sha256, ...this.entry.addedCertificates.filter((sha) => sha !== this.entry.certificate.sha256)]
    for (const sha256 of order.filter((sha) => this.entry.addedCertificates.includes(sha))) {
      const certificate = present.find((c) => c.sha256 === sha256)
      if (!certificate) continue
      if (present.filter((c) => c.nickname === certificate.nickname).length > 1) {
        warnings.push(`"${certificate.nickname}" is kept: another certificate shares its name, and removing by name could hit the wrong one.`)
        continue
      }
      await session.deleteCertificate(certificate, {withKey: certificate.hasKey})
      removed++
    }
    return {changed: removed > 0 || this.entry.trustedRoot !== null, detail: `${removed} certificate${removed === 1 ? '' : 's'} removed`, warnings}
  }

  async undo(): Promise<void> {}
}
