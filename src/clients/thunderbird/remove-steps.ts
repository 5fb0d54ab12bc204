/**
 * Undoing an install in one Thunderbird profile, from what the journal says mailcert did: put the
 * identity settings back where they still hold mailcert's values (taking the certificate out of the
 * profile's database is the store's part: stores/nss).
 */
import type {IdentityRecord} from '../../install/journal.js'
import type {PlanStep, StepOutcome} from '../../install/plan.js'
import type {ThunderbirdProfile} from './discovery.js'
import {PrefsEdit} from './prefs-edit.js'
import {getUserPref, type PrefValue} from './prefs-js.js'

export class RestoreIdentitiesStep implements PlanStep {
  readonly id = 'restore-identities'
  readonly part = 'thunderbird'
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

