/**
 * Classic Outlook's part of `mailcert check`: for each MAPI profile, the security settings decoded
 * (which certificate each names), whether that certificate is in the Windows store with a usable
 * private key and what Windows says of it for e-mail, the accounts no setting covers, and a fix
 * for each problem.
 */
import {parseCertificate} from '../../identity/certificate.js'
import type {Certificate} from '../../identity/certificate-types.js'
import {findStoredIdentity} from '../../stores/windows/store-query.js'
import {readValue} from '../../system/windows/registry.js'
import {certificateSummary} from '../certificate-summary.js'
import type {CertificateState, CheckContext, IdentityCheck, PlaceCheck, Problem} from '../client.js'
import type {OutlookInstallation} from './installation.js'
import {type OutlookProfile, SECURITY_FLAGS_VALUE, SECURITY_SETTINGS_VALUE} from './profiles.js'
import {decodeSecurityFlags, decodeSecuritySettings, DEFAULT_FOR_ALL_FORMATS, DEFAULT_FOR_FORMAT, type SecuritySetting} from './security-settings.js'
import {expiryProblem} from '../expiry-problem.js'

interface NamedCertificate {
  setting: SecuritySetting
  state: CertificateState
  certificate: Certificate | null
}

function stateOf(setting: SecuritySetting, now: Date): {state: CertificateState; certificate: Certificate | null} {
  const thumbprint = setting.signingThumbprint ?? setting.encryptionThumbprint ?? ''
  const stored = thumbprint ? findStoredIdentity(thumbprint) : null
  const certificate = stored ? parseCertificate(stored.der) : null
  return {
    certificate,
    state: {
      reference: thumbprint,
      name: setting.name ?? thumbprint,
      certificate: certificate ? certificateSummary(certificate, setting.name ?? thumbprint, now) : null,
      hasKey: stored?.hasKey ?? false,
      verdict: stored?.verdict ?? null,
    },
  }
}

export function checkProfile(profile: OutlookProfile, installation: OutlookInstallation | null, busy: boolean, context: CheckContext): PlaceCheck {
  const at = {profile: profile.key}
  const problems: Problem[] = []
  const value = readValue('HKCU', profile.securityKey, SECURITY_SETTINGS_VALUE)
  const named: NamedCertificate[] = []
  if (value) {
    const decoded = decodeSecuritySettings(value.data, installation?.bitness ?? 64)
    if ('malformed' in decoded) {
      problems.push({severity: 'error', code: 'unreadable-settings', message: `The security settings of profile "${profile.name}" cannot be read (${decoded.malformed}).`, fix: 'In Outlook: File > Options > Trust Center > Trust Center Settings > Email Security > Settings: delete the broken setting, then run mailcert install again.', ...at})
    } else {
      if (installation && decoded.bitness !== installation.bitness) {
        problems.push({severity: 'error', code: 'wrong-bitness', message: `The security settings of profile "${profile.name}" were written for ${decoded.bitness}-bit Outlook, but this Outlook is ${installation.bitness}-bit: it cannot read them.`, fix: context.installCommand(null), ...at})
      }
      for (const setting of decoded.settings) named.push({setting, ...stateOf(setting, context.now)})
    }
  }
  const flags = readValue('HKCU', profile.securityKey, SECURITY_FLAGS_VALUE)
  const decodedFlags = flags ? decodeSecurityFlags(flags.data) : null
  const sendDefaults = decodedFlags && !('malformed' in decodedFlags) ? decodedFlags : {sign: false, encrypt: false}

  const identities: IdentityCheck[] = []
  for (const account of profile.accounts) {
    if (account.email === null) continue
    const email = account.email.toLowerCase()
    const accountAt = {...at, account: account.email}
    const fix = context.installCommand(account.email)
    const covering = named.filter((n) => n.certificate?.emails.some((e) => e.toLowerCase() === email))
    const chosen = covering.find((n) => (n.setting.defaults & (DEFAULT_FOR_FORMAT | DEFAULT_FOR_ALL_FORMATS)) !== 0) ?? covering[0]
    const accountProblems: Problem[] = []
    const expectedHere = context.expected(profile.key).some((expected) => expected.emails.some((e) => e.toLowerCase() === email))
    if (!chosen) {
      const missing = named.filter((n) => n.certificate === null)
      if (missing.length > 0 && expectedHere) accountProblems.push({severity: 'error', code: 'certificate-missing', message: `Profile "${profile.name}" names a certificate (${missing[0]!.state.reference}) that is not in your Windows certificate store.`, fix, ...accountAt})
      else if (expectedHere) accountProblems.push({severity: 'error', code: 'not-configured', message: `No security setting of profile "${profile.name}" uses a certificate for ${account.email}.`, fix, ...accountAt})
      else accountProblems.push({severity: 'info', code: 'smime-not-configured', message: `${account.email} has no S/MIME certificate in Outlook.`, fix, ...accountAt})
    } else {
      const summary = chosen.state.certificate!
      if (!chosen.state.hasKey) accountProblems.push({severity: 'error', code: 'no-private-key', message: `The certificate Outlook uses for ${account.email} has no usable private key in your Windows certificate store.`, fix, ...accountAt})
      const expiry = expiryProblem(summary, `The certificate Outlook uses for ${account.email}`, fix, accountAt)
      if (expiry?.code === 'expired') accountProblems.push(expiry)
      else if (chosen.state.verdict && !chosen.state.verdict.valid) accountProblems.push({severity: 'error', code: 'not-valid', message: `Windows does not accept the certificate for ${account.email}: ${chosen.state.verdict.reason ?? 'no reason given'}.`, fix: `If it comes from your company's own authority, trust that root: ${fix} --trust-root`, ...accountAt})
      else if (expiry) accountProblems.push(expiry)
    }
    identities.push({
      key: account.key,
      email: account.email,
      name: account.name,
      accounts: [],
      configured: chosen !== undefined,
      signing: chosen?.state ?? null,
      encryption: chosen && chosen.setting.encryptionThumbprint ? chosen.state : null,
      signByDefault: sendDefaults.sign,
      encryptByDefault: sendDefaults.encrypt,
      problems: accountProblems,
    })
  }
  const facts = [
    profile.isDefault ? 'default profile' : null,
    installation?.version ? `Outlook ${installation.version}` : null,
    installation ? `${installation.bitness}-bit (${installation.bitnessFrom})` : null,
    busy ? 'Outlook is running' : null,
    `${named.length} security setting${named.length === 1 ? '' : 's'}`,
  ]
  return {
    name: profile.name,
    dir: profile.key,
    title: `Profile "${profile.name}"`,
    facts: facts.filter((fact): fact is string => fact !== null),
    busy,
    checkedWith: 'crypt32',
    ...(profile.accounts.length === 0 ? {note: {text: 'no mail account in this profile', severity: 'info' as const}} : {}),
    identities,
    problems: [...problems, ...identities.flatMap((identity) => identity.problems)],
  }
}
