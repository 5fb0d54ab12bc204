/**
 * A correspondent's certificate in an NSS database (a Thunderbird profile's, the shared
 * ~/.pki/nssdb): `certutil -A -t ",,"`, so it is there to encrypt to and trusted for nothing.
 * NSS gives every certificate of one subject one nickname; a new subject gets the person's name,
 * made unique.
 */
import {ExitCode, UserError} from '../errors.js'
import {parseCertificate} from '../identity/certificate.js'
import type {Certificate} from '../identity/certificate-types.js'
import type {NssCertificate, NssSession} from '../stores/nss/nss-driver.js'
import type {ToolsDriver} from '../stores/nss/tools-driver.js'
import type {StoreRef, Verdict} from '../stores/store.js'
import type {Machine} from '../system/platform.js'
import {displayName} from './contact-input.js'
import type {AddedCertificate, ContactRole, ContactStorePassword, ContactStoreSession, CorrespondentStore} from './contact-store.js'

/** Trusted for nothing: a correspondent's certificate and its issuers are looked up, never trusted. */
export const NO_TRUST = ',,'

/** `name`, or `name (2)`, `name (3)`, … : the first that no certificate in the database goes by. */
export function uniqueNickname(name: string, taken: Set<string>): string {
  // certutil takes the nickname as one argument; NSS keeps it as given, but a colon means a token name.
  const base = name.replaceAll(':', ' ').trim() || 'correspondent'
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`
}

export class NssContactSession implements ContactStoreSession {
  private held: NssCertificate[] | null = null

  constructor(private readonly session: NssSession) {}

  private async certificates(): Promise<NssCertificate[]> {
    this.held ??= await this.session.listCertificates()
    return this.held
  }

  async holds(certificate: Certificate): Promise<boolean> {
    return (await this.certificates()).some((c) => c.sha256 === certificate.fingerprints.sha256)
  }

  async add(certificate: Certificate, role: ContactRole): Promise<AddedCertificate> {
    if (!this.session.addCertificate) throw new Error(`the ${this.session.driver} NSS driver cannot add certificates`)
    const held = await this.certificates()
    const sameSubject = held.find((c) => subjectMatches(c, certificate))
    const nickname = sameSubject?.nickname ?? uniqueNickname(displayName(certificate), new Set(held.map((c) => c.nickname)))
    this.held = null
    await this.session.addCertificate(certificate.der, nickname, NO_TRUST)
    // NSS keeps a subject's existing nickname whatever certutil is given: read back what it holds.
    const stored = (await this.certificates()).find((c) => c.sha256 === certificate.fingerprints.sha256)
    return {sha256: certificate.fingerprints.sha256, role, name: stored?.nickname ?? nickname}
  }

  async remove(added: AddedCertificate): Promise<void> {
    const found = (await this.certificates()).find((c) => c.sha256 === added.sha256)
    if (!found) return
    // A certificate someone has since given a key (they installed it as their own) is no longer only a correspondent's.
    if (found.hasKey) return
    this.held = null
    await this.session.deleteCertificate(found, {withKey: false})
  }

  async encryptionVerdict(certificate: Certificate, chain: Certificate[]): Promise<Verdict | null> {
    return this.session.verify(certificate.der, 'encryption', chain.map((c) => c.der))
  }

  async close(): Promise<void> {
    await this.session.close()
  }
}

function subjectMatches(held: NssCertificate, certificate: Certificate): boolean {
  try {
    return parseCertificate(held.der).subject.der.equals(certificate.subject.der)
  } catch {
    return false
  }
}

export interface NssCorrespondentStoreOptions {
  ref: StoreRef
  dir: string
  readers: string[]
  busy: UserError | null
  driver: () => Promise<ToolsDriver>
  passwordHint: string
}

/** The NSS database at `dir` as a correspondent store; its primary password is checked before anything is read. */
export async function nssCorrespondentStore(options: NssCorrespondentStoreOptions): Promise<CorrespondentStore> {
  return {
    ref: options.ref,
    readers: options.readers,
    busy: options.busy,
    async open(password: ContactStorePassword | null): Promise<ContactStoreSession> {
      const driver = await options.driver()
      let dbPassword: string | undefined
      // NSS lists certificates without the primary password: only keys are behind it.
      if (password && (await driver.hasPrimaryPassword(options.dir))) {
        dbPassword = await password(options.ref)
        if (!(await driver.checkPrimaryPassword(options.dir, dbPassword))) {
          throw new UserError(`The primary password of ${options.ref.label} is wrong.`, {code: 'wrong-db-password', exitCode: ExitCode.wrongPassword, hints: [options.passwordHint]})
        }
      }
      return new NssContactSession(await driver.open(options.dir, {dbPassword}))
    },
  }
}

let tools: Promise<ToolsDriver> | undefined

/** NSS's tools, found once per run: only they add a certificate without a key (certutil -A). */
export function contactToolsDriver(machine: Machine): () => Promise<ToolsDriver> {
  return () => {
    tools ??= (async () => {
      const {ToolsDriver} = await import('../stores/nss/tools-driver.js')
      const driver = await ToolsDriver.locate(machine)
      if (!driver) {
        const {nssToolsMissing} = await import('../stores/nss/nss-tools.js')
        throw await nssToolsMissing(machine.platform)
      }
      return driver
    })()
    return tools
  }
}
