/**
 * What mailcert changes for classic Outlook: one security setting for the certificate in each MAPI
 * profile with a matching account (the `11020355` value, every other setting kept byte for byte),
 * and the profile-wide sign/encrypt checkboxes (`00030354`) only when asked. The value as it was
 * goes in the journal (hex) before anything is written, so that remove puts it back byte for byte.
 * Outlook rewrites its profile when it exits: nothing is written while OUTLOOK.EXE runs.
 */
import {ExitCode, UserError} from '../../errors.js'
import type {IdentityRecord} from '../../install/journal.js'
import type {ChangeRecorder, PlanStep, StepOutcome} from '../../install/plan.js'
import {runningProcesses} from '../../system/windows/kernel32.js'
import {deleteValue, readValue, writeValue} from '../../system/windows/registry.js'
import {outlookRunning, SECURITY_FLAGS_VALUE, SECURITY_SETTINGS_VALUE} from './profiles.js'
import {
  decodeSecurityFlags,
  decodeSecuritySettings,
  DEFAULT_FOR_ALL_FORMATS,
  DEFAULT_FOR_FORMAT,
  encodeSecurityFlags,
  encodeSecuritySettings,
  newSecuritySetting,
  type OutlookBitness,
  SEND_CERTIFICATES,
  type SecuritySetting,
} from './security-settings.js'

export const OUTLOOK = 'outlook'
/** The journal's names for the two values. */
export const SETTINGS_RECORD = 'securitySettings'
export const FLAGS_RECORD = 'securityFlags'

const DEFAULT_BITS = DEFAULT_FOR_FORMAT | DEFAULT_FOR_ALL_FORMATS

export function outlookBusy(): UserError {
  return new UserError('Outlook is running: it rewrites its profile settings when it closes, so mailcert changes nothing while it runs.', {
    code: 'client-busy',
    exitCode: ExitCode.busy,
    hints: ['Close Outlook (File > Exit; check that OUTLOOK.EXE is gone in Task Manager) and run mailcert again.'],
  })
}

function refuseWhileRunning(): void {
  if (outlookRunning(runningProcesses().map((process) => process.exe))) throw outlookBusy()
}

const hexOf = (key: string, name: string): string | null => readValue('HKCU', key, name)?.data.toString('hex') ?? null

function restoreValue(key: string, name: string, hex: string | null): void {
  if (hex === null) deleteValue('HKCU', key, name)
  else writeValue('HKCU', key, {name, type: 'REG_BINARY', data: Buffer.from(hex, 'hex')})
}

/** The setting's name in Outlook's Security Settings list. */
export const settingName = (email: string): string => `S/MIME (${email})`

/**
 * The value with this certificate's setting in it: one of the same name or thumbprint is replaced,
 * the others kept as they were. It is the default setting when it replaces the default or when no
 * setting is the default yet; otherwise the one the user chose stays the default.
 */
export function settingsWith(previous: SecuritySetting[], ours: {name: string} & OutlookCertificates): SecuritySetting[] {
  const replaced = (setting: SecuritySetting) => setting.name === ours.name || setting.signingThumbprint === ours.signingThumbprint
  const kept = previous.filter((setting) => !replaced(setting))
  const wasDefault = previous.some((setting) => replaced(setting) && (setting.defaults & DEFAULT_BITS) !== 0)
  const defaultElsewhere = kept.some((setting) => (setting.defaults & DEFAULT_BITS) !== 0)
  const defaults = SEND_CERTIFICATES | (wasDefault || !defaultElsewhere ? DEFAULT_BITS : 0)
  const setting = newSecuritySetting({name: ours.name, signingThumbprint: ours.signingThumbprint, encryptionThumbprint: ours.encryptionThumbprint, defaults})
  const at = previous.findIndex(replaced)
  const result = [...kept]
  result.splice(at >= 0 ? Math.min(at, kept.length) : kept.length, 0, setting)
  return result
}

/** The SHA-1 thumbprints one security setting names: the same certificate twice, or a separate pair; no encryption thumbprint for a certificate that cannot decrypt. */
export interface OutlookCertificates {
  signingThumbprint: string
  encryptionThumbprint: string | null
}

export interface OutlookTarget {
  profile: string
  /** Its key under HKCU, and the security section's. */
  profileKey: string
  securityKey: string
  bitness: OutlookBitness
  accounts: Array<{key: string; email: string}>
}

export class ConfigureSecurityStep implements PlanStep {
  readonly id = 'configure-outlook-security'
  readonly part = OUTLOOK
  private written: {settings: string | null; flags?: string | null} | null = null

  constructor(
    private readonly target: OutlookTarget,
    private readonly certificate: OutlookCertificates,
    private readonly sendDefaults: {sign?: boolean; encrypt?: boolean},
  ) {}

  describe(): string {
    const defaults = this.sendDefaults.sign !== undefined || this.sendDefaults.encrypt !== undefined ? ', and the profile\'s sign/encrypt checkboxes' : ''
    const {signingThumbprint, encryptionThumbprint} = this.certificate
    const what =
      encryptionThumbprint === null ? 'sign with this certificate' : encryptionThumbprint === signingThumbprint ? 'sign and decrypt with this certificate' : 'sign with the signing certificate and decrypt with the encryption certificate'
    return `Set Outlook profile "${this.target.profile}" to ${what} for ${this.target.accounts.map((a) => a.email).join(', ')} (security setting "${settingName(this.target.accounts[0]!.email)}"${defaults})`
  }

  async apply(recorder: ChangeRecorder): Promise<StepOutcome> {
    refuseWhileRunning()
    const {securityKey, bitness} = this.target
    const previousHex = hexOf(securityKey, SECURITY_SETTINGS_VALUE)
    let previous: SecuritySetting[] = []
    if (previousHex !== null) {
      const decoded = decodeSecuritySettings(Buffer.from(previousHex, 'hex'), bitness)
      if ('malformed' in decoded) {
        return {changed: false, failTarget: {message: `Outlook profile "${this.target.profile}" has security settings mailcert cannot read (${decoded.malformed}), so it leaves them alone.`, code: 'unreadable-settings', hints: ['In Outlook: File > Options > Trust Center > Trust Center Settings > Email Security > Settings: delete the broken setting, then run mailcert again.'], exitCode: ExitCode.partial}}
      }
      previous = decoded.settings
    }
    const email = this.target.accounts[0]!.email
    const next = encodeSecuritySettings(settingsWith(previous, {name: settingName(email), ...this.certificate}), bitness)
    const nextHex = next.toString('hex')

    const wantsFlags = this.sendDefaults.sign !== undefined || this.sendDefaults.encrypt !== undefined
    const previousFlagsHex = wantsFlags ? hexOf(securityKey, SECURITY_FLAGS_VALUE) : undefined
    let nextFlagsHex: string | undefined
    if (wantsFlags) {
      const decodedFlags = previousFlagsHex ? decodeSecurityFlags(Buffer.from(previousFlagsHex, 'hex')) : {bits: 0}
      const bits = 'malformed' in decodedFlags ? 0 : decodedFlags.bits
      nextFlagsHex = encodeSecurityFlags(bits, this.sendDefaults).toString('hex')
    }
    const settingsChange = nextHex !== previousHex
    const flagsChange = wantsFlags && nextFlagsHex !== previousFlagsHex
    if (!settingsChange && !flagsChange) return {changed: false, detail: 'already set'}

    const records: IdentityRecord[] = this.target.accounts.map((account) => ({
      client: OUTLOOK,
      place: this.target.profileKey,
      key: account.key,
      email: account.email,
      previous: {[SETTINGS_RECORD]: previousHex, ...(flagsChange ? {[FLAGS_RECORD]: previousFlagsHex ?? null} : {})},
      applied: {[SETTINGS_RECORD]: nextHex, ...(flagsChange ? {[FLAGS_RECORD]: nextFlagsHex!} : {})},
    }))
    await recorder.note({identities: records})
    // Checked again right before the write: Outlook may have been started while mailcert planned.
    refuseWhileRunning()
    this.written = {settings: previousHex, ...(flagsChange ? {flags: previousFlagsHex ?? null} : {})}
    if (settingsChange) writeValue('HKCU', securityKey, {name: SECURITY_SETTINGS_VALUE, type: 'REG_BINARY', data: next})
    if (flagsChange) writeValue('HKCU', securityKey, {name: SECURITY_FLAGS_VALUE, type: 'REG_BINARY', data: Buffer.from(nextFlagsHex!, 'hex')})
    const warnings = flagsChange ? [`Outlook's sign and encrypt checkboxes apply to every account of profile "${this.target.profile}", also to accounts without a certificate.`] : []
    return {changed: true, detail: `security setting "${settingName(email)}" in profile "${this.target.profile}"`, warnings}
  }

  async undo(): Promise<void> {
    if (!this.written) return
    restoreValue(this.target.securityKey, SECURITY_SETTINGS_VALUE, this.written.settings)
    if ('flags' in this.written) restoreValue(this.target.securityKey, SECURITY_FLAGS_VALUE, this.written.flags ?? null)
  }
}

/** Remove's step: each value back as it was, where it still is what mailcert wrote. */
export class RestoreSecurityStep implements PlanStep {
  readonly id = 'restore-outlook-security'
  readonly part = OUTLOOK

  constructor(
    private readonly profileKey: string,
    private readonly securityKey: string,
    private readonly records: IdentityRecord[],
  ) {}

  describe(): string {
    return `Put back the security settings of Outlook profile "${this.profileKey.split('\\').at(-1)}" as they were before mailcert`
  }

  async apply(): Promise<StepOutcome> {
    refuseWhileRunning()
    const restored: string[] = []
    const changedSince: string[] = []
    for (const [record, value] of [[SETTINGS_RECORD, SECURITY_SETTINGS_VALUE], [FLAGS_RECORD, SECURITY_FLAGS_VALUE]] as const) {
      // The earliest record holds the value from before mailcert's first change.
      const ours = this.records.filter((r) => record in r.applied)
      if (ours.length === 0) continue
      const current = hexOf(this.securityKey, value)
      const applied = ours.map((r) => r.applied[record])
      if (!applied.includes(current ?? '')) {
        if (current !== (ours[0]!.previous[record] ?? null)) changedSince.push(value)
        continue
      }
      restoreValue(this.securityKey, value, (ours[0]!.previous[record] as string | null) ?? null)
      restored.push(value)
    }
    const warnings = changedSince.map((value) => `Outlook's value ${value} was changed after mailcert set it: mailcert left it as it is now.`)
    return restored.length > 0 ? {changed: true, detail: `put back ${restored.join(', ')}`, warnings} : {changed: false, detail: 'nothing of mailcert\'s left', warnings}
  }

  async undo(): Promise<void> {}
}
