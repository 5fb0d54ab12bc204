/**
 * Taking out of the user's stores what a recorded install added: the certificate from `My` with
 * the private key mailcert imported, the issuers it added to `CA` and the root it added to `Root`,
 * each only when no other certificate of `My` still chains to it.
 */
import type {Certificate} from '../../identity/certificate-types.js'
import {type JournalEntry, recordedLeaves} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import {issuersStillUsed} from './placement.js'
import {deleteKey, keyShared, listStore, removeFromStore, type StoredCertificate} from './user-stores.js'

const parsed = (list: StoredCertificate[]) => list.flatMap((stored) => (stored.certificate ? [stored.certificate] : []))

/** Taking certificates out is the one change that cannot be undone: it always comes last. */
export class DeleteIdentityStep implements PlanStep {
  readonly id = 'delete-identity'

  constructor(
    private readonly entry: JournalEntry,
    /** Whether an account of a client reading the store still names the certificate (it stays then). */
    private readonly stillUsed: () => Promise<boolean>,
  ) {}

  describe(): string {
    const count = this.entry.addedCertificates.length + (this.entry.trustedRoot ? 1 : 0)
    return `Remove the certificate${count > 1 ? `s (${count})` : ''} mailcert added to your Windows certificate store, with the private key it imported`
  }

  async apply(): Promise<StepOutcome> {
    if (await this.stillUsed()) {
      return {changed: false, detail: '0 certificates removed', warnings: ['The certificate is kept: another account still uses it.']}
    }
    const warnings: string[] = []
    let removed = 0
    let keysDeleted = 0
    // The leaves with the keys this install imported (each is in addedCertificates only then): one, or both halves of a pair.
    const leaves = recordedLeaves(this.entry).map((leaf) => leaf.sha256)
    for (const leafSha256 of leaves.filter((sha) => this.entry.addedCertificates.includes(sha))) {
      const leaf = listStore('My').find((stored) => stored.sha256 === leafSha256)
      if (!leaf) continue
      if (removeFromStore('My', leaf.thumbprint)) removed++
      if (leaf.key) {
        if (keyShared(leaf.key, leaf.thumbprint)) warnings.push('The private key is kept: another certificate in your store uses the same key container.')
        else if (deleteKey(leaf.key)) keysDeleted++
      }
    }

    // Issuers and the root, unless a certificate still in `My` chains to them.
    const my = listStore('My')
    const ca = listStore('CA')
    const root = this.entry.trustedRoot?.previousTrust === 'none' ? listStore('Root').find((stored) => stored.sha256 === this.entry.trustedRoot!.sha256) : undefined
    const issuers = ca.filter((stored) => !leaves.includes(stored.sha256) && this.entry.addedCertificates.includes(stored.sha256))
    const candidates: Certificate[] = parsed([...issuers, ...(root ? [root] : [])])
    const used = issuersStillUsed(candidates, parsed(my), [...parsed(ca), ...(root?.certificate ? [root.certificate] : [])])
    for (const issuer of issuers) {
      if (used.has(issuer.sha256)) warnings.push(`The issuer certificate "${issuer.certificate?.subject.text ?? issuer.thumbprint}" is kept: another certificate in your store chains to it.`)
      else if (removeFromStore('CA', issuer.thumbprint)) removed++
    }
    if (root) {
      if (used.has(root.sha256)) warnings.push(`The root "${root.certificate?.subject.text ?? root.thumbprint}" stays trusted: another certificate in your store chains to it.`)
      else if (removeFromStore('Root', root.thumbprint)) removed++
    }
    const keys = keysDeleted === 0 ? '' : keysDeleted === 1 ? ', private key deleted' : `, ${keysDeleted} private keys deleted`
    return {changed: removed > 0 || keysDeleted > 0, detail: `${removed} certificate${removed === 1 ? '' : 's'} removed${keys}`, warnings}
  }

  async undo(): Promise<void> {}
}
