/**
 * The changes mailcert makes to Evolution's identity sources: point each matching Mail Identity
 * at the certificate by the NSS nickname NSS stored (the import step finds it out), and, for
 * remove, put the recorded settings back.
 */
import path from 'node:path'

import {BugError} from '../../errors.js'
import type {IdentityRecord} from '../../install/journal.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import type {ImportedIdentity} from '../../stores/store.js'
import {keyFileValue, parseKeyFile} from './key-file.js'
import {evolutionProcesses, evolutionRunning} from './running.js'
import {restoredSource, SourceEdit, sourceFile} from './source-edit.js'
import {identitySmimeEdit, SMIME_GROUP} from './sources.js'

export interface EvolutionTarget {
  uid: string
  email: string
}

export class ConfigureEvolutionIdentitiesStep implements PlanStep {
  readonly id = 'configure-evolution-identities'
  readonly part = 'evolution'
  private readonly edits: SourceEdit[] = []

  constructor(
    private readonly sourcesDir: string,
    private readonly identities: EvolutionTarget[],
    private readonly choice: {canEncrypt: boolean; signByDefault?: boolean; encryptByDefault?: boolean},
    private readonly imported: ImportedIdentity,
    /** The separate encryption certificate's import, when there is one. */
    private readonly encryption?: ImportedIdentity,
  ) {}

  describe(): string {
    const what = this.encryption
      ? `sign with the signing certificate${this.choice.canEncrypt ? ' and decrypt with the encryption certificate' : ''}`
      : `${['sign', this.choice.canEncrypt ? 'decrypt' : null].filter(Boolean).join(' and ')} with this certificate`
    return `Set ${this.identities.map((i) => i.email).join(', ')} to ${what} in Evolution's identity sources (${this.sourcesDir})`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    const nickname = this.imported.storedName
    const encryption = this.encryption ?? this.imported
    if (!nickname || !encryption.storedName) throw new BugError('The certificate store did not say which name it stored the certificate under.')
    // Both halves of a pair share their subject, so NSS gives them one nickname: Evolution's two settings then hold the same name,
    // and NSS picks the certificate of that name that fits the usage (Camel signs with the signing half: test/commands/certificate-pair.test.ts).
    const encryptionNickname = encryption.storedName
    const encrypt = this.choice.canEncrypt && encryption.accepted.encryption !== false
    const records: IdentityRecord[] = []
    const pending: Array<{edit: SourceEdit; before: string; text: string}> = []
    for (const identity of this.identities) {
      const edit = new SourceEdit(sourceFile(this.sourcesDir, identity.uid))
      const before = await edit.read()
      const {text, undo} = identitySmimeEdit(before, {
        signingCertificate: nickname,
        encryptionCertificate: encrypt ? encryptionNickname : '',
        signByDefault: this.choice.signByDefault,
        encryptByDefault: this.choice.encryptByDefault,
      })
      if (text === before) continue
      const applied = Object.fromEntries(Object.keys(undo.previous).map((key) => [key, valueIn(text, key)]))
      const previous = Object.fromEntries(Object.entries(undo.previous).filter(([key, value]) => value !== applied[key]))
      records.push({client: 'evolution', place: this.sourcesDir, key: identity.uid, email: identity.email, previous, applied: Object.fromEntries(Object.keys(previous).map((key) => [key, applied[key]!]))})
      pending.push({edit, before, text})
    }
    if (pending.length === 0) return {changed: false, detail: 'already set'}
    // Evolution may have been started since the plan was made: it would write its own copy back.
    await refuseWhileRunning(this.sourcesDir)
    await recorder.note({identities: records})
    let backup: string | undefined
    let firstBackup: string | undefined
    for (const {edit, before, text} of pending) {
      this.edits.push(edit)
      ;({backup, firstBackup} = await edit.write(before, text))
    }
    return {changed: true, detail: `${pending.length} identit${pending.length === 1 ? 'y' : 'ies'} set to use "${nickname}"`, backup, firstBackup}
  }

  async undo(): Promise<void> {
    for (const edit of [...this.edits].reverse()) await edit.undo()
  }
}

/** Nothing may change while Evolution or its source registry runs on these sources (exit 6). */
async function refuseWhileRunning(sourcesDir: string): Promise<void> {
  // The sources are <config home>/evolution/sources.
  if ((await evolutionProcesses(path.dirname(path.dirname(sourcesDir)))).length > 0) throw evolutionRunning()
}

function valueIn(text: string, key: string): string {
  return keyFileValue(parseKeyFile(text), SMIME_GROUP, key) ?? ''
}

export class RestoreEvolutionIdentitiesStep implements PlanStep {
  readonly id = 'restore-evolution-identities'
  readonly part = 'evolution'
  private readonly edits: SourceEdit[] = []

  constructor(
    private readonly sourcesDir: string,
    private readonly records: IdentityRecord[],
  ) {}

  describe(): string {
    return `Put back the S/MIME settings of ${this.records.map((r) => r.email).join(', ')} as they were before mailcert, in Evolution's identity sources (${this.sourcesDir})`
  }

  async apply(): Promise<StepOutcome> {
    const warnings: string[] = []
    let changed = 0
    let backup: string | undefined
    let firstBackup: string | undefined
    for (const record of this.records) {
      const edit = new SourceEdit(sourceFile(this.sourcesDir, record.key))
      let before: string
      try {
        before = await edit.read()
      } catch {
        warnings.push(`The identity source of ${record.email} is gone; nothing to put back there.`)
        continue
      }
      const restored = restoredSource(before, record)
      warnings.push(...restored.warnings)
      if (restored.changed === 0) continue
      if (this.edits.length === 0) await refuseWhileRunning(this.sourcesDir)
      this.edits.push(edit)
      ;({backup, firstBackup} = await edit.write(before, restored.text))
      changed += restored.changed
    }
    if (changed === 0) return {changed: false, detail: 'nothing to put back', warnings}
    return {changed: true, detail: `${changed} settings put back`, backup, firstBackup, warnings}
  }

  async undo(): Promise<void> {
    for (const edit of [...this.edits].reverse()) await edit.undo()
  }
}
