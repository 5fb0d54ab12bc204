/**
 * `mailcert share --from-store`: the signed message made with an identity that is already in an NSS
 * database (a Thunderbird profile's, the shared ~/.pki/nssdb), without the .p12 file. The key never
 * leaves the database: NSS's own cmsutil signs the message part there, and the certificate and its
 * chain come from the same database. The choice follows `install --from-store` (stored-choice.ts:
 * with its private key, valid now, allowed for e-mail), and the certificate must also be allowed to
 * sign; of several, the one that is valid longest. Several addresses, or several databases holding
 * different certificates, are the person's choice: asked at a terminal, else a usage error that
 * names the flag. NSS finds the signer by nickname, which renewals share; so the signature is read
 * back and must name the chosen certificate.
 */
import {X509Certificate} from 'node:crypto'
import {stat} from 'node:fs/promises'
import path from 'node:path'

import type {ClientContext, MailClient, NssDatabasePlace} from '../clients/client.js'
import {ExitCode, ExternalError, UsageError, UserError} from '../errors.js'
import {parseCertificate} from '../identity/certificate.js'
import type {Certificate} from '../identity/certificate-types.js'
import {namesCertificate, signerIdentifiers} from '../identity/cms-signed-data.js'
import {canSign} from '../identity/key-usage.js'
import {sameAddress} from '../identity/same-address.js'
import {describeStored, unusableBecause} from '../install/stored-choice.js'
import type {DetachedSignature} from '../stores/nss/nss-driver.js'
import {NSS_STORE_KIND} from '../stores/nss/nss-store.js'
import {nssToolsMissing} from '../stores/nss/nss-tools.js'
import {ToolsDriver} from '../stores/nss/tools-driver.js'
import type {StoreRef} from '../stores/store.js'

export interface StoredSignerRequest {
  clients: MailClient[]
  context: ClientContext
  /** --account: the address to sign for, when the databases hold several. */
  account?: string
  /** --profile: a Thunderbird profile's name or folder, or the folder of any NSS database (~/.pki/nssdb). */
  profile?: string
  now: Date
  /** A database's primary password, asked only for the database that signs. */
  storePassword(store: StoreRef): Promise<string>
  /** Ask a person to pick one (returns its value); undefined when no one can be asked. */
  choose?(question: string, choices: Array<{name: string; value: string}>): Promise<string>
}

export interface StoredSigner {
  database: NssDatabasePlace
  /** The certificate's nickname in that database (what cmsutil -N names). */
  nickname: string
  /** The address the message is from and the files are named after. */
  address: string
  certificate: Certificate
  /** Its issuers, as the same database holds them, nearest first. */
  chain: Certificate[]
  /** One sentence: which certificate, from where, and why. */
  why: string
  /** Why each other certificate for the address was not taken, one line each. */
  passedOver: string[]
}

interface HeldCertificate {
  certificate: Certificate
  nickname: string
  hasKey: boolean
}

interface HeldDatabase {
  database: NssDatabasePlace
  certificates: HeldCertificate[]
}

interface Candidate {
  held: HeldDatabase
  stored: HeldCertificate
  /** Why it cannot sign mail now; null when it can. */
  problem: string | null
}

const PLAIN_DATABASE_HINT = 'It is the primary password of that certificate database (the program that made it set it).'

async function isDatabaseFolder(dir: string): Promise<boolean> {
  return stat(path.join(dir, 'cert9.db')).then(
    (info) => info.isFile(),
    () => false,
  )
}

/** Every NSS database a mail client found here keeps keys in, once each, most likely first. */
async function nssDatabases(request: StoredSignerRequest): Promise<NssDatabasePlace[]> {
  const found = new Map<string, NssDatabasePlace>()
  for (const client of request.clients) {
    if (!client.nssDatabases) continue
    const survey = await client.survey(request.context)
    for (const database of await client.nssDatabases(survey, request.context)) {
      const key = path.resolve(database.dir)
      if (!found.has(key)) found.set(key, database)
    }
  }
  return [...found.values()]
}

/** --profile: the databases it names; a folder that holds a database and is no client's is taken as it is. */
async function narrowedToProfile(databases: NssDatabasePlace[], profile: string | undefined): Promise<NssDatabasePlace[]> {
  if (profile === undefined) return databases
  const asPath = path.resolve(profile)
  const named = databases.filter((d) => d.names.includes(profile) || d.names.some((name) => path.isAbsolute(name) && path.resolve(name) === asPath))
  if (named.length > 0) return named
  if (await isDatabaseFolder(asPath)) {
    return [{ref: {kind: NSS_STORE_KIND, location: asPath, label: `the certificate database in ${asPath}`}, dir: asPath, names: [asPath], passwordHint: PLAIN_DATABASE_HINT}]
  }
  const known = databases.map((d) => d.names[0]).join(', ')
  throw new UsageError(`No Thunderbird profile or certificate database is called "${profile}"${known ? ` (found: ${known})` : ''}; nothing was written.`, [
    'Pass --profile with the name or folder of a Thunderbird profile, or the folder of an NSS database (one that holds cert9.db, such as ~/.pki/nssdb).',
  ], 'no-such-profile')
}

/** What a database holds, read without its primary password (certificates and which keys it has need none). */
async function readHeld(driver: ToolsDriver, database: NssDatabasePlace): Promise<HeldDatabase> {
  const session = await driver.open(database.dir, {})
  try {
    const certificates: HeldCertificate[] = []
    for (const stored of await session.listCertificates()) {
      try {
        certificates.push({certificate: parseCertificate(stored.der), nickname: stored.nickname, hasKey: stored.hasKey})
      } catch {
        // A certificate mailcert cannot read is neither a signer nor an issuer it can name.
      }
    }
    return {database, certificates}
  } finally {
    await session.close()
  }
}

function problemOf(stored: HeldCertificate, now: Date): string | null {
  const problem = unusableBecause({certificate: stored.certificate, name: stored.nickname, hasKey: stored.hasKey}, now)
  if (problem !== null) return problem
  return canSign(stored.certificate) ? null : 'it cannot sign (its key usage allows encryption only)'
}

/** Valid longest first (a renewal beside the certificate it replaces), then the one issued last. */
function longerValidFirst(a: Candidate, b: Candidate): number {
  return b.stored.certificate.notAfter.getTime() - a.stored.certificate.notAfter.getTime() || b.stored.certificate.notBefore.getTime() - a.stored.certificate.notBefore.getTime()
}

/** The certificate's issuers in the same database, nearest first: each the one whose subject is the issuer and whose key signed it. */
export function chainIn(certificate: Certificate, held: readonly Certificate[]): Certificate[] {
  const chain: Certificate[] = []
  let current = certificate
  while (!current.selfSigned && chain.length < 10) {
    const child = new X509Certificate(current.der)
    const issuer = held.find((c) => c.basicConstraints?.ca && c.subject.der.equals(current.issuer.der) && c.fingerprints.sha256 !== current.fingerprints.sha256 && issues(c, child))
    if (!issuer || chain.includes(issuer)) break
    chain.push(issuer)
    current = issuer
  }
  return chain
}

function issues(issuer: Certificate, child: X509Certificate): boolean {
  try {
    const parent = new X509Certificate(issuer.der)
    return child.checkIssued(parent) && child.verify(parent.publicKey)
  } catch {
    return false
  }
}

function addressesOf(candidates: Candidate[], account: string | undefined): string[] {
  const addresses = candidates.map((c) => (account === undefined ? c.stored.certificate.emails[0]! : c.stored.certificate.emails.find((e) => sameAddress(e, account))!))
  return [...new Map(addresses.map((a) => [a.toLowerCase(), a])).values()]
}

function noSigner(request: StoredSignerRequest, databases: NssDatabasePlace[], judged: Candidate[]): UserError {
  const forWhom = request.account === undefined ? '' : ` for ${request.account}`
  const where = databases.length === 0 ? 'no Thunderbird profile with a certificate database and no shared NSS database (~/.pki/nssdb) was found here' : `looked in ${databases.map((d) => d.ref.label).join(', ')}`
  const refused = judged.filter((c) => c.problem !== null).map((c) => `${describeStored(c.stored.certificate)} in ${c.held.database.ref.label}: ${c.problem}`)
  return new UserError(`No certificate database holds an identity that can sign mail${forWhom} (${where})${refused.length > 0 ? `. Found: ${refused.join('; ')}` : ''}. Nothing was written.`, {
    code: 'no-stored-identity',
    exitCode: ExitCode.notForSmime,
    hints: [
      'With the .p12 file from your certificate authority: mailcert share FILE',
      'Run `mailcert check` to see the certificates each mail client finds.',
      ...(request.account === undefined ? [] : ['Leave out --account to take any address the databases hold.']),
    ],
  })
}

async function pick<T>(request: StoredSignerRequest, options: Array<{name: string; value: T}>, question: string, unasked: () => UsageError): Promise<T> {
  if (!request.choose) throw unasked()
  const chosen = await request.choose(
    question,
    options.map((o, index) => ({name: o.name, value: String(index)})),
  )
  return options[Number(chosen)]!.value
}

/** The identity to sign with: the one that fits, asked or refused when several do. */
export async function findStoredSigner(request: StoredSignerRequest): Promise<StoredSigner> {
  const driver = await ToolsDriver.locate(request.context.machine)
  if (!driver) throw await nssToolsMissing(request.context.machine.platform)
  const databases = await narrowedToProfile(await nssDatabases(request), request.profile)

  const judged: Candidate[] = []
  for (const database of databases) {
    const held = await readHeld(driver, database)
    for (const stored of held.certificates) {
      if (stored.certificate.basicConstraints?.ca || stored.certificate.emails.length === 0) continue
      if (request.account !== undefined && !stored.certificate.emails.some((e) => sameAddress(e, request.account!))) continue
      judged.push({held, stored, problem: problemOf(stored, request.now)})
    }
  }
  const usable = judged.filter((c) => c.problem === null).sort(longerValidFirst)
  if (usable.length === 0) throw noSigner(request, databases, judged)

  const addresses = addressesOf(usable, request.account)
  const address =
    addresses.length === 1
      ? addresses[0]!
      : await pick(
          request,
          addresses.map((a) => ({name: a, value: a})),
          'The certificate databases hold identities for several addresses. Sign for which one?',
          () => new UsageError(`The certificate databases hold identities for several addresses (${addresses.join(', ')}); nothing was written.`, ['Pass --account ADDRESS (or set MAILCERT_ACCOUNT) to say which one.'], 'ambiguous-identity'),
        )
  const forAddress = usable.filter((c) => c.stored.certificate.emails.some((e) => sameAddress(e, address)))

  // Per database its best; the same certificate in several databases is one choice (the same key signs).
  const bestPerDatabase: Candidate[] = []
  for (const c of forAddress) if (!bestPerDatabase.some((b) => b.held === c.held)) bestPerDatabase.push(c)
  bestPerDatabase.sort((a, b) => databases.indexOf(a.held.database) - databases.indexOf(b.held.database))
  const distinct: Candidate[] = []
  for (const c of bestPerDatabase) if (!distinct.some((d) => d.stored.certificate.fingerprints.sha256 === c.stored.certificate.fingerprints.sha256)) distinct.push(c)
  const describe = (c: Candidate) => `${c.held.database.ref.label}: ${describeStored(c.stored.certificate)}`
  const chosen =
    distinct.length === 1
      ? distinct[0]!
      : await pick(
          request,
          distinct.map((c) => ({name: describe(c), value: c})),
          `Several certificate databases hold a different certificate for ${address}. Sign with which one?`,
          () =>
            new UsageError(`Several certificate databases hold a different certificate for ${address} (${distinct.map(describe).join('; ')}); nothing was written.`, [
              "Pass --profile (or set MAILCERT_PROFILE) with the Thunderbird profile's name or folder, or the database's folder (such as ~/.pki/nssdb), to say which one.",
            ], 'ambiguous-store'),
        )

  const inDatabase = forAddress.filter((c) => c.held === chosen.held)
  const others = judged.filter((c) => c !== chosen && c.stored.certificate.emails.some((e) => sameAddress(e, address)))
  const passedOver = others.map((c) => `${describeStored(c.stored.certificate)} in ${c.held.database.ref.label}: ${c.problem ?? (c.held === chosen.held ? 'valid for a shorter time' : 'in another database')}`)
  const why = inDatabase.length === 1 ? `the only identity for ${address} there that can sign` : `the longest valid of ${inDatabase.length} identities for ${address} there that can sign`
  return {
    database: chosen.held.database,
    nickname: chosen.stored.nickname,
    address,
    certificate: chosen.stored.certificate,
    chain: chainIn(chosen.stored.certificate, chosen.held.certificates.map((c) => c.certificate)),
    why: `${describeStored(chosen.stored.certificate)} from ${chosen.held.database.ref.label}, ${why}`,
    passedOver,
  }
}

/**
 * `part` signed in the signer's database by NSS, checked to be the chosen certificate's signature.
 * The primary password, if the database has one, is asked for here: only the database that signs needs it.
 */
export async function signInStore(signer: StoredSigner, part: Buffer, request: Pick<StoredSignerRequest, 'context' | 'storePassword'>): Promise<DetachedSignature> {
  const driver = await ToolsDriver.locate(request.context.machine)
  if (!driver) throw await nssToolsMissing(request.context.machine.platform)
  const {dir, ref, passwordHint} = signer.database
  let dbPassword: string | undefined
  if (await driver.hasPrimaryPassword(dir)) {
    dbPassword = await request.storePassword(ref)
    if (!(await driver.checkPrimaryPassword(dir, dbPassword))) {
      throw new UserError(`The primary password of ${ref.label} is wrong; nothing was written.`, {code: 'wrong-db-password', exitCode: ExitCode.wrongPassword, hints: [passwordHint]})
    }
  }
  const session = await driver.open(dir, {dbPassword})
  let signature: DetachedSignature
  try {
    if (!session.signDetached) throw new ExternalError(session.tool, `${session.tool} cannot sign a message in a certificate database.`)
    signature = await session.signDetached(signer.nickname, part)
  } finally {
    await session.close()
  }
  const signers = signerIdentifiers(signature.der)
  if (signers.length !== 1 || !namesCertificate(signers[0]!, signer.certificate)) {
    // NSS gives every certificate of one subject the same nickname and signs with the one it judges best.
    throw new ExternalError('cmsutil', `NSS signed with another certificate called "${signer.nickname}" than the one chosen (${describeStored(signer.certificate)}); nothing was written.`, {
      code: 'nss-other-signer',
      hints: [
        `The database holds several certificates with that nickname (a renewal). Delete the one you no longer use in your mail program's certificate manager, or sign with the .p12 file: mailcert share FILE`,
      ],
    })
  }
  return signature
}
