/**
 * `mailcert status`: is an identity installed, in the yes/no shape that fleet engines read (Intune's
 * detection scripts, Jamf's extension attributes, Ansible's `changed_when`). It is `check` asked a
 * narrower question, without chain verdicts: for each certificate, every account with one of its
 * addresses names it for signing and encryption, in a store that holds it with its private key.
 * The verdict is a pure function of check's result, so that it can be tested without a machine.
 */
import type {JournalEntry} from '../install/journal.js'
import {type CheckOptions, type CheckResult, checkMachine} from './check.js'
import type {CertificateState, ClientCheck, PlaceCheck} from './client.js'
import {canEncrypt, canSign} from '../identity/key-usage.js'
import {sameAddress} from '../identity/same-address.js'

/** A certificate whose installation is asked about. */
export interface StatusTarget {
  /** SHA-256 of the certificate, plain lowercase hex. */
  sha256: string
  emails: string[]
  subject: string | null
  /**
   * What each setting must name, when not the certificate itself: the other half of a separate
   * signing and encryption pair, or null for a use the certificate cannot serve (a signing-only
   * certificate is no account's encryption certificate). Unset: the certificate does both.
   */
  uses?: {signing: string | null; encryption: string | null}
}

/** An account (or a client's store for an address, where the client chooses the certificate itself) as status judged it. */
export interface StatusPlace {
  client: string
  clientName: string
  /** The place: a profile folder, a keychain, a registry key. */
  place: string
  /** What a person recognises: `Thunderbird "default"`, `Evolution`. */
  label: string
  account: string
  /** Null when it uses the certificate; otherwise why not. */
  missing: string | null
}

export interface TargetStatus extends StatusTarget {
  installed: boolean
  /** Every account with one of the certificate's addresses, each with whether it uses the certificate. */
  accounts: StatusPlace[]
  /** Why it counts as not installed when no account says so (no account at all). */
  reason: string | null
}

export interface StatusResult {
  installed: boolean
  /** The one line printed when installed; null otherwise. */
  line: string | null
  /** Why nothing was judged at all (no certificate named and nothing installed by mailcert); null otherwise. */
  nothingToDetect: string | null
  targets: TargetStatus[]
}

/** A fingerprint as a person or a tool writes it (`AB:CD:…`, `abcd…`, with spaces), as plain lowercase hex; null when it is not SHA-256. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.replaceAll(/[\s:]/g, '').toLowerCase()
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null
}

/** The certificates mailcert recorded installing, once each (a certificate goes into several stores). */
export function installedTargets(entries: readonly JournalEntry[]): StatusTarget[] {
  const seen = new Map<string, StatusTarget>()
  for (const entry of entries) {
    if (seen.has(entry.certificate.sha256)) continue
    const pair = entry.encryptionCertificate ? {uses: {signing: entry.certificate.sha256, encryption: entry.encryptionCertificate.sha256}} : {}
    seen.set(entry.certificate.sha256, {sha256: entry.certificate.sha256, emails: [...entry.certificate.emails], subject: entry.certificate.subject, ...pair})
  }
  return [...seen.values()]
}

function* states(result: CheckResult): Generator<CertificateState> {
  for (const client of result.clients) {
    for (const place of client.profiles) {
      for (const identity of place.identities) {
        if (identity.signing) yield identity.signing
        if (identity.encryption) yield identity.encryption
      }
    }
  }
}

/**
 * A fingerprint that mailcert did not record: its addresses come from a store that holds it (check
 * lists the certificates accounts name); null when no store read holds it.
 */
export function targetFromStores(sha256: string, result: CheckResult): StatusTarget | null {
  for (const state of states(result)) {
    if (state.certificate?.fingerprintSha256 === sha256) return {sha256, emails: [...state.certificate.emails], subject: state.certificate.subject}
  }
  return null
}

function placeLabel(client: ClientCheck, place: PlaceCheck): string {
  return client.profiles.length === 1 && place.name === client.name ? client.name : `${client.name} "${place.name}"`
}

/** Why this setting does not make the account use the certificate; null when it does. */
function settingMissing(state: CertificateState | null, what: 'signing' | 'encryption', sha256: string): string | null {
  if (!state) return `no ${what} certificate is set`
  if (!state.certificate) return `the ${what} certificate it names is not in the store`
  if (state.certificate.fingerprintSha256 !== sha256) return `its ${what} certificate is another one (${state.certificate.subject})`
  if (!state.hasKey) return `the store holds the certificate without its private key`
  // Only with --deep: status leaves chain verdicts out otherwise.
  if (state.verdict && !state.verdict.valid && state.verdict.code !== 'cannot-check') return `the ${what} certificate is not accepted: ${state.verdict.reason ?? 'no reason given'}`
  return null
}

function judgePlace(client: ClientCheck, place: PlaceCheck, target: StatusTarget): StatusPlace[] {
  const base = {client: client.client, clientName: client.name, place: place.dir, label: placeLabel(client, place)}
  const judged: StatusPlace[] = []
  for (const identity of place.identities) {
    const email = identity.email
    if (email === null || !target.emails.some((e) => sameAddress(e, email))) continue
    const signing = target.uses ? target.uses.signing : target.sha256
    const encryption = target.uses ? target.uses.encryption : target.sha256
    const missing = (signing === null ? null : settingMissing(identity.signing, 'signing', signing)) ?? (encryption === null ? null : settingMissing(identity.encryption, 'encryption', encryption))
    judged.push({...base, account: email, missing})
  }
  // A client that chooses the certificate itself (Outlook for Mac, new Outlook) lists no accounts:
  // its store lacking an identity for an address it was expected to serve is what check reports.
  if (place.identities.length === 0) {
    for (const problem of place.problems) {
      if (problem.code === 'no-identity' && problem.account && target.emails.some((e) => sameAddress(e, problem.account!))) {
        judged.push({...base, account: problem.account, missing: problem.message})
      }
    }
  }
  return judged
}

export function judgeTarget(target: StatusTarget, result: CheckResult): TargetStatus {
  const accounts = result.clients.flatMap((client) => client.profiles.flatMap((place) => judgePlace(client, place, target)))
  const reason = accounts.length === 0 ? `no mail account with ${target.emails.join(' or ') || 'its address'} was found` : null
  return {...target, installed: reason === null && accounts.every((a) => a.missing === null), accounts, reason}
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** `alice@example.com: installed, used by 2 accounts (Thunderbird "default", Evolution)`. */
function describeTarget(target: TargetStatus): string {
  const places = [...new Set(target.accounts.map((a) => a.label))]
  return `${target.emails.join(', ') || target.subject || target.sha256}: installed, used by ${plural(target.accounts.length, 'account')} (${places.join(', ')})`
}

/** The verdict over every certificate asked about: installed only when each one is. */
export function judgeStatus(targets: readonly StatusTarget[], result: CheckResult): StatusResult {
  if (targets.length === 0) {
    return {installed: false, line: null, nothingToDetect: 'No certificate was named and mailcert has installed none for this user.', targets: []}
  }
  const judged = targets.map((target) => judgeTarget(target, result))
  const installed = judged.every((t) => t.installed)
  let line: string | null = null
  if (installed) line = judged.length === 1 ? describeTarget(judged[0]!) : `${judged.length} identities installed: ${judged.map((t) => `${t.emails.join(', ') || t.sha256} (${plural(t.accounts.length, 'account')})`).join('; ')}`
  return {installed, line, nothingToDetect: null, targets: judged}
}

/** What is missing, one sentence per account, for stderr when not installed. */
export function statusReasons(status: StatusResult): string[] {
  if (status.nothingToDetect) return [status.nothingToDetect]
  return status.targets.flatMap((target) => {
    const name = target.emails.join(', ') || target.sha256
    if (target.reason) return [`${name}: ${target.reason}.`]
    return target.accounts.filter((a) => a.missing !== null).map((a) => `${name}: ${a.label}, ${a.account}: ${a.missing}`)
  })
}

export interface StatusOptions extends Omit<CheckOptions, 'all' | 'verify' | 'installed'> {
  /** A fingerprint named with --fingerprint (any spelling normaliseFingerprint takes). */
  fingerprint?: string
  installed: readonly JournalEntry[]
}

/**
 * The certificates asked about (the one named by file or fingerprint, else every one mailcert
 * installed), checked as `check` does it without chain verdicts (unless deep), and judged.
 */
export async function statusOfMachine(options: StatusOptions): Promise<StatusResult> {
  const {fingerprint, ...rest} = options
  // A boolean flag not given is undefined, which checkMachine would take as "verify".
  const result = await checkMachine({...rest, all: false, verify: options.deep === true, installed: options.installed})
  let targets: StatusTarget[]
  if (options.given) {
    const certificate = options.given.identity.certificate
    const sha256 = certificate.fingerprints.sha256
    // One half of a separate pair is judged for the use it serves.
    const signs = canSign(certificate)
    const encrypts = canEncrypt(certificate)
    const uses = signs && encrypts ? {} : {uses: {signing: signs ? sha256 : null, encryption: encrypts ? sha256 : null}}
    targets = [{sha256, emails: [...certificate.emails], subject: certificate.subject.text, ...uses}]
  } else if (fingerprint !== undefined) {
    const sha256 = normaliseFingerprint(fingerprint)!
    const target = installedTargets(options.installed).find((t) => t.sha256 === sha256) ?? targetFromStores(sha256, result)
    if (!target) {
      return {installed: false, line: null, nothingToDetect: `No certificate with SHA-256 fingerprint ${sha256} was installed by mailcert or is named by any account.`, targets: []}
    }
    targets = [target]
  } else {
    targets = installedTargets(options.installed)
  }
  return judgeStatus(targets, result)
}
