/**
 * Evolution's part of `mailcert check`: each Mail Identity, the certificates its S/MIME settings
 * name (by NSS nickname), and whether the shared NSS database holds them with the private key,
 * valid for the address and for e-mail, as Camel will look them up when it signs.
 */
import {ExternalError} from '../../errors.js'
import {parseCertificate} from '../../identity/certificate.js'
import type {NssCertificate, NssSession} from '../../stores/nss/nss-driver.js'
import {ToolsDriver} from '../../stores/nss/tools-driver.js'
import type {EmailUsage, StoreRef} from '../../stores/store.js'
import type {CertificateState, CheckContext, ClientCheckResult, IdentityCheck, PlaceCheck, Problem} from '../client.js'
import {certificateSummary} from '../certificate-summary.js'
import type {SupportRow} from '../support-table.js'
import type {EvolutionSurvey} from './client.js'
import type {EvolutionIdentity} from './sources.js'
import {expiryProblem} from '../expiry-problem.js'

async function stateOf(nickname: string, usage: EmailUsage, stored: NssCertificate[], session: NssSession, now: Date, verify: boolean): Promise<CertificateState> {
  // Camel asks NSS for a user certificate by nickname: the one with its key.
  const found = stored.find((c) => c.nickname === nickname && c.hasKey) ?? stored.find((c) => c.nickname === nickname)
  if (!found) return {reference: nickname, name: nickname, certificate: null, hasKey: false, verdict: null}
  const certificate = parseCertificate(found.der)
  return {
    reference: nickname,
    name: nickname,
    certificate: certificateSummary(certificate, found.nickname, now),
    hasKey: found.hasKey,
    verdict: verify ? await session.verify(found.der, usage) : null,
  }
}

function problemsOf(state: CertificateState, usage: EmailUsage, identity: EvolutionIdentity, where: string, fix: string): Problem[] {
  const at = {profile: where, account: identity.address ?? undefined}
  if (!state.certificate) return [{severity: 'error', code: `${usage}-certificate-missing`, message: `The ${usage} certificate "${state.reference}" is not in the shared NSS database.`, fix, ...at}]
  const problems: Problem[] = []
  if (!state.hasKey) problems.push({severity: 'error', code: 'private-key-missing', message: `The ${usage} certificate's private key is not in the shared NSS database.`, fix, ...at})
  if (identity.address && !state.certificate.emails.some((e) => e.toLowerCase() === identity.address!.toLowerCase())) {
    problems.push({severity: 'error', code: 'address-mismatch', message: `The ${usage} certificate is for ${state.certificate.emails.join(', ') || 'no address'}, not ${identity.address}.`, fix, ...at})
  }
  const expiry = expiryProblem(state.certificate, `The ${usage} certificate`, fix, at)
  if (expiry) problems.push(expiry)
  if (state.certificate.daysLeft >= 0 && state.verdict && !state.verdict.valid && state.verdict.code !== 'cannot-check') {
    problems.push({severity: 'error', code: 'not-valid', message: `The ${usage} certificate is not accepted: ${state.verdict.reason ?? 'no reason given'}.`, fix, ...at})
  }
  return problems
}

export async function checkEvolution(survey: EvolutionSurvey, context: CheckContext, support: SupportRow, store: {ref: StoreRef; dir: string; exists: boolean}): Promise<ClientCheckResult> {
  const driver = store.exists ? await ToolsDriver.locate(context.machine) : null
  let session: NssSession | null = null
  const notes: Problem[] = []
  try {
    if (driver) {
      const password = (await driver.hasPrimaryPassword(store.dir)) ? await context.storePassword(store.ref) : undefined
      session = await driver.open(store.dir, {dbPassword: password})
    }
  } catch (error) {
    if (!(error instanceof ExternalError)) throw error
    notes.push({severity: 'warning', code: 'store-unreadable', message: `The shared NSS database could not be read, so no certificate was checked: ${error.tool}: ${error.message}`, fix: error.hints[0] ?? `Check that ${store.dir} can be read, then run mailcert check again.`, profile: survey.sourcesDir})
  }
  const identities: IdentityCheck[] = []
  try {
    const stored = session ? await session.listCertificates() : []
    for (const identity of survey.identities) {
      const fix = context.installCommand(identity.address)
      const state = async (nickname: string | null, usage: EmailUsage) =>
        nickname === null ? null : session ? stateOf(nickname, usage, stored, session, context.now, context.verify !== false) : ({reference: nickname, name: nickname, certificate: null, hasKey: false, verdict: null} satisfies CertificateState)
      const signing = await state(identity.smime.signingCertificate, 'signing')
      const encryption = await state(identity.smime.encryptionCertificate, 'encryption')
      const problems: Problem[] = []
      if (session && signing) problems.push(...problemsOf(signing, 'signing', identity, survey.sourcesDir, fix))
      if (session && encryption && encryption.reference !== signing?.reference) problems.push(...problemsOf(encryption, 'encryption', identity, survey.sourcesDir, fix))
      if (!signing) problems.push({severity: 'info', code: 'smime-not-configured', message: `${identity.address ?? identity.uid} has no S/MIME certificate.`, fix, profile: survey.sourcesDir, account: identity.address ?? undefined})
      identities.push({
        key: identity.uid,
        email: identity.address,
        name: identity.name,
        accounts: identity.parent ? [identity.parent] : [],
        configured: signing !== null || encryption !== null,
        signing,
        encryption,
        signByDefault: identity.smime.signByDefault,
        encryptByDefault: identity.smime.encryptByDefault,
        problems,
      })
    }
  } finally {
    await session?.close()
    await driver?.dispose()
  }
  const unreadable: Problem[] = survey.problems.map((problem) => ({severity: 'warning', code: 'source-unreadable', message: problem, fix: 'Start Evolution once (it repairs its sources), then run mailcert check again.', profile: survey.sourcesDir}))
  const place: PlaceCheck = {
    name: 'Evolution',
    dir: survey.sourcesDir,
    title: 'Identities',
    facts: [session ? "checked with NSS's tools" : null, survey.places[0]?.busy ? 'Evolution is running' : null].filter((fact): fact is string => fact !== null),
    busy: survey.places[0]?.busy ?? false,
    checkedWith: session ? 'tools' : null,
    identities,
    problems: [...notes, ...unreadable, ...identities.flatMap((identity) => identity.problems)],
  }
  return {
    check: {
      client: 'evolution',
      name: 'Evolution',
      program: survey.program,
      support,
      storeAccess: session ? 'tools' : null,
      ...(survey.places.length === 0 ? {empty: 'no mail account set up yet'} : {}),
      profiles: survey.places.length > 0 ? [place] : [],
    },
    problems: [],
  }
}
