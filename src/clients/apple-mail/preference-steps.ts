/**
 * What mailcert changes for Apple Mail: the keychain's identity preference for each address (the one
 * per-address choice macOS has: `find-identity -s ADDRESS` returns it first, and so does the lookup
 * Mail is built on), and, for remove, the preference each address had before.
 */
import type {IdentityRecord} from '../../install/journal.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import {clearIdentityPreference, findIdentities, identityPreference, setIdentityPreference} from '../../stores/keychain/security-tool.js'
import type {Machine} from '../../system/platform.js'

export const APPLE_MAIL = 'apple-mail'

/** The SHA-1 of the identity preferred for the address, or null. */
export async function preferredSha1(machine: Machine, email: string): Promise<string | null> {
  return (await identityPreference(machine, email))?.sha1 ?? null
}
/** The setting's name in the journal. */
export const IDENTITY_PREFERENCE = 'identityPreference'

export class SetIdentityPreferencesStep implements PlanStep {
  readonly id = 'set-identity-preferences'
  readonly part = APPLE_MAIL
  private readonly changed: Array<{email: string; previous: string | null}> = []

  constructor(
    private readonly machine: Machine,
    private readonly keychain: string,
    private readonly accounts: Array<{key: string; email: string}>,
    /** The certificate's SHA-1, upper case, as the keychain names it. */
    private readonly sha1: string,
  ) {}

  describe(): string {
    return `Make this certificate the identity Apple Mail uses for ${this.accounts.map((a) => a.email).join(', ')} (the keychain's identity preference for each address)`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const pending: Array<{email: string; previous: string | null}> = []
    const records: IdentityRecord[] = []
    for (const account of this.accounts) {
      const previous = await preferredSha1(this.machine, account.email)
      if (previous === this.sha1) continue
      pending.push({email: account.email, previous})
      records.push({client: APPLE_MAIL, place: this.keychain, key: account.key, email: account.email, previous: {[IDENTITY_PREFERENCE]: previous}, applied: {[IDENTITY_PREFERENCE]: this.sha1}})
    }
    if (pending.length === 0) return {changed: false, detail: 'already preferred', warnings: await this.preferredElsewhere()}
    await recorder.note({identities: records})
    for (const change of pending) {
      this.changed.push(change)
      await setIdentityPreference(this.machine, this.keychain, change.email, this.sha1)
    }
    return {changed: true, detail: `preferred for ${pending.map((c) => c.email).join(', ')}`, warnings: await this.preferredElsewhere()}
  }

  /** What macOS returns first for each address, once the preference is set: it must be this identity. */
  private async preferredElsewhere(): Promise<string[]> {
    const warnings: string[] = []
    for (const account of this.accounts) {
      const [first] = await findIdentities(this.machine, this.keychain, {email: account.email, validOnly: true})
      if (first?.sha1 !== this.sha1) warnings.push(`macOS does not offer this certificate first for ${account.email}${first ? ` (it offers ${first.sha1}, "${first.label}")` : ''}: Apple Mail may sign with another one.`)
    }
    return warnings
  }

  async undo(): Promise<void> {
    for (const change of [...this.changed].reverse()) {
      if (change.previous === null) await clearIdentityPreference(this.machine, change.email)
      else await setIdentityPreference(this.machine, this.keychain, change.email, change.previous)
    }
  }
}

export class RestoreIdentityPreferencesStep implements PlanStep {
  readonly id = 'restore-identity-preferences'
  readonly part = APPLE_MAIL
  private readonly restored: Array<{email: string; was: string}> = []

  constructor(
    private readonly machine: Machine,
    private readonly keychain: string,
    private readonly records: IdentityRecord[],
  ) {}

  describe(): string {
    return `Put back the identity Apple Mail used for ${this.records.map((r) => r.email).join(', ')} before mailcert (the keychain's identity preferences)`
  }

  async apply(): Promise<StepOutcome> {
    const warnings: string[] = []
    for (const record of this.records) {
      const applied = record.applied[IDENTITY_PREFERENCE]
      const previous = record.previous[IDENTITY_PREFERENCE]
      const current = await preferredSha1(this.machine, record.email)
      if (current !== applied) {
        if (current !== (previous ?? null)) warnings.push(`The identity preference of ${record.email} was changed after mailcert set it; it is left as it is.`)
        continue
      }
      const stillThere = typeof previous === 'string' && (await findIdentities(this.machine, this.keychain, {email: record.email, validOnly: false})).some((identity) => identity.sha1 === previous)
      if (typeof previous === 'string' && stillThere) await setIdentityPreference(this.machine, this.keychain, record.email, previous)
      else {
        if (typeof previous === 'string') warnings.push(`The identity ${record.email} used before mailcert (${previous}) is no longer in the keychain: no identity is preferred for it now.`)
        await clearIdentityPreference(this.machine, record.email)
      }
      this.restored.push({email: record.email, was: current})
    }
    if (this.restored.length === 0) return {changed: false, detail: 'nothing to put back', warnings}
    return {changed: true, detail: `${this.restored.length} identity preference${this.restored.length === 1 ? '' : 's'} put back`, warnings}
  }

  async undo(): Promise<void> {
    for (const change of [...this.restored].reverse()) await setIdentityPreference(this.machine, this.keychain, change.email, change.was)
  }
}
