/**
 * The change mailcert makes to a Thunderbird profile's settings: point the matching identities at
 * the certificate in prefs.js (the certificate itself goes into the profile's NSS database, a
 * store of its own: stores/nss).
 */
import type {IdentityRecord} from '../../install/journal.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import type {AcceptedUsages} from '../../stores/store.js'
import type {ThunderbirdProfile} from './discovery.js'
import {smimePrefChanges, type SmimeChoice} from './identity-settings.js'
import {PrefsEdit} from './prefs-edit.js'
import {getUserPref, type PrefValue} from './prefs-js.js'

export class ConfigureIdentitiesStep implements PlanStep {
  readonly id = 'configure-identities'
  readonly part = 'thunderbird'
  private readonly prefs: PrefsEdit
  /** Each setting this step changed: its value before (null: unset) and after. */
  readonly changes = new Map<string, {previous: PrefValue | null; applied: PrefValue}>()

  constructor(
    private readonly profile: ThunderbirdProfile,
    private readonly identities: Array<{key: string; email: string}>,
    private readonly choice: SmimeChoice,
    private readonly beforeWrite: () => Promise<void>,
    /** What the mail client accepted after the import: a usage it refused is not set up. */
    private readonly accepted: AcceptedUsages = {},
  ) {
    this.prefs = new PrefsEdit(profile)
  }

  describe(): string {
    const what = this.choice.encryptionCertificate
      ? `sign with the signing certificate${this.choice.canEncrypt ? ' and decrypt with the encryption certificate' : ''}`
      : `${['sign', this.choice.canEncrypt ? 'decrypt' : null].filter(Boolean).join(' and ')} with this certificate`
    const defaults = [
      this.choice.signByDefault === undefined ? null : `sign by default: ${this.choice.signByDefault ? 'yes' : 'no'}`,
      this.choice.encryptByDefault === undefined ? null : `encrypt by default: ${this.choice.encryptByDefault ? 'yes' : 'no'}`,
    ].filter(Boolean)
    const list = this.identities.map((i) => i.email).join(', ')
    return `Set ${list} to ${what}${defaults.length ? ` (${defaults.join(', ')})` : ''} in ${this.prefs.path}`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    await this.beforeWrite()
    const parsed = await this.prefs.read()
    const changes = smimePrefChanges(
      this.identities.map((i) => i.key),
      {...this.choice, canEncrypt: this.choice.canEncrypt && this.accepted.encryption !== false},
    )
    const pending: Record<string, PrefValue> = Object.fromEntries(Object.entries(changes).filter(([name, value]) => getUserPref(parsed, name) !== value))
    if (Object.keys(pending).length === 0) return {changed: false, detail: 'already set'}

    for (const [name, value] of Object.entries(pending)) this.changes.set(name, {previous: getUserPref(parsed, name) ?? null, applied: value})
    await recorder.note({identities: this.identityRecords()})
    const {backup, firstBackup} = await this.prefs.write(parsed, pending)
    return {changed: true, detail: `${Object.keys(pending).length} settings changed`, backup, firstBackup}
  }

  async undo(): Promise<void> {
    if (await this.prefs.undo()) this.changes.clear()
  }

  /** The identities' part of the journal entry. */
  private identityRecords(): IdentityRecord[] {
    return this.identities
      .map((identity) => {
        const prefix = `mail.identity.${identity.key}.`
        const mine = [...this.changes].filter(([name]) => name.startsWith(prefix))
        return {
          client: 'thunderbird',
          place: this.profile.dir,
          key: identity.key,
          email: identity.email,
          previous: Object.fromEntries(mine.map(([name, change]) => [name, change.previous])),
          applied: Object.fromEntries(mine.map(([name, change]) => [name, change.applied])),
        }
      })
      .filter((record) => Object.keys(record.applied).length > 0)
  }
}

