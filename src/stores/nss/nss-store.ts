/**
 * An NSS database as a store: a Thunderbird profile's own, or the shared one Evolution reads. How
 * it is reached (NSS's tools, or Thunderbird driven headless) is the driver the client chose. The
 * plan is the one that keeps every reader's view consistent: the key first, then a root's trust
 * (only with consent), then NSS's own verdict, judged before anything is imported as well.
 */
import {ExitCode, UserError} from '../../errors.js'
import type {Certificate} from '../../identity/certificate-types.js'
import type {Identity} from '../../identity/identity.js'
import {canEncrypt} from '../../identity/key-usage.js'
import type {JournalEntry} from '../../install/journal.js'
import type {PlanStep} from '../../install/plan.js'
import type {CertificateStore, ImportedIdentity, ImportOptions, StoreImport, StoreRef, Verdict} from '../store.js'
import {nssDbKey} from './dbkey.js'
import {ImportIdentityStep, refusalHint, type SessionHolder, sessionHolder, TrustRootStep, VerifyInstalledStep} from './import-steps.js'
import type {NssDriver} from './nss-driver.js'
import {CreateDatabaseStep} from './create-database-step.js'
import {DeleteIdentityStep} from './remove-steps.js'

export const NSS_STORE_KIND = 'nss'
/** The journal's name for a certificate's NSS dbKey (how Thunderbird's settings name it). */
export const NSS_DBKEY = 'nss-dbkey'

export interface NssStoreOptions {
  ref: StoreRef
  /** The database folder (holding cert9.db and key4.db). */
  dir: string
  /** The certificate database file, for descriptions. */
  databaseFile: string
  driver: NssDriver
  /** The database's primary password, when it has one (a prompt, a file, the environment). */
  storePassword(ref: StoreRef): Promise<string>
  /** Where the reader shows or sets that password, for a wrong one. */
  passwordHint: string
  /** The database does not exist yet: the plan makes an empty one first (as the reader itself would). */
  create?: boolean
}

/** The self-signed root at the top of the identity's chain, if the file carries it. */
function rootOf(identity: Identity): Certificate | null {
  const top = identity.chain.at(-1) ?? identity.certificate
  return top.selfSigned && top !== identity.certificate ? top : null
}

export class NssStore implements CertificateStore {
  readonly ref: StoreRef
  private session: SessionHolder | null = null

  constructor(protected readonly options: NssStoreOptions) {
    this.ref = options.ref
  }

  references(certificate: Certificate): Record<string, string> {
    return {[NSS_DBKEY]: nssDbKey(certificate)}
  }

  async planImport(identity: Identity, options: ImportOptions): Promise<StoreImport> {
    const session = await this.unlock()
    try {
      return await this.planSteps(session, identity, options)
    } catch (error) {
      // A question cancelled or a database that cannot be read: nothing may stay open.
      await session.release()
      throw error
    }
  }

  async planRemoval(entry: JournalEntry, stillUsed: () => Promise<boolean>): Promise<PlanStep[]> {
    return [new DeleteIdentityStep(await this.unlock(), entry, stillUsed)]
  }

  async release(): Promise<void> {
    await this.session?.release()
  }

  /** The session the steps share, opened on first use, with the primary password checked first. */
  protected async unlock(): Promise<SessionHolder> {
    if (this.session) return this.session
    const {driver, dir} = this.options
    let dbPassword: string | undefined
    if (!this.options.create && (await driver.hasPrimaryPassword(dir))) {
      dbPassword = await this.options.storePassword(this.ref)
      if (!(await driver.checkPrimaryPassword(dir, dbPassword))) {
        throw new UserError(`The primary password of ${this.ref.label} is wrong.`, {code: 'wrong-db-password', exitCode: ExitCode.wrongPassword, hints: [this.options.passwordHint]})
      }
    }
    this.session = sessionHolder(() => driver.open(dir, {dbPassword}))
    return this.session
  }

  /** Would NSS accept the certificate for either use, judged before anything is imported. */
  private async verdictBeforeImport(session: SessionHolder, identity: Identity, encrypt: boolean): Promise<Verdict> {
    const chain = identity.chain.map((c) => c.der)
    const signing = await (await session.get()).verify(identity.certificate.der, 'signing', chain)
    // An encryption-only certificate is refused for signing by its key usage, and may still be usable.
    if (signing.valid || signing.code !== 'inadequate-usage' || !encrypt) return signing
    const encryption = await (await session.get()).verify(identity.certificate.der, 'encryption', chain)
    // Refused for encryption for another reason (a root not trusted yet): that is the verdict to act on.
    return encryption.valid || encryption.code !== 'inadequate-usage' ? encryption : signing
  }

  private async planSteps(session: SessionHolder, identity: Identity, options: ImportOptions): Promise<StoreImport> {
    const imported: ImportedIdentity = {accepted: {}}
    const encrypt = canEncrypt(identity.certificate)
    const importStep = new ImportIdentityStep(session, identity, imported, this.options.databaseFile)
    const steps: PlanStep[] = this.options.create ? [new CreateDatabaseStep(this.options.dir), importStep] : [importStep]

    // A database that is not there yet cannot judge: the check after the import does.
    const verdict: Verdict = this.options.create ? {valid: false, code: 'cannot-check', reason: 'the database does not exist yet'} : await this.verdictBeforeImport(session, identity, encrypt)
    const root = rootOf(identity)
    // Without vfychain the chain cannot be checked: a root in the file may then need trust, so ask too.
    if (!verdict.valid && root && (verdict.code === 'untrusted-issuer' || verdict.code === 'unknown-issuer' || verdict.code === 'cannot-check')) {
      if (await options.trustRoot(root)) steps.push(new TrustRootStep(session, root))
      else if (verdict.code !== 'cannot-check') return this.refused(session, identity, imported, verdict, options, `The root "${root.subject.text}" is not trusted`)
    } else if (!verdict.valid && verdict.code !== 'cannot-check') {
      return this.refused(session, identity, imported, verdict, options, `${options.readers} refuses the certificate`)
    }
    steps.push(new VerifyInstalledStep(session, identity, encrypt, imported.accepted, {keepRefused: options.keepRefused, readers: options.readers}))
    return {steps, warnings: [], imported}
  }

  /**
   * NSS would refuse the certificate: nothing is put into the database (exit 5), or, with
   * --keep-refused, the import is made and checked (the check then fails the target), and no
   * client is set to use it.
   */
  private async refused(session: SessionHolder, identity: Identity, imported: ImportedIdentity, verdict: Verdict, options: ImportOptions, why: string): Promise<StoreImport> {
    const reason = `${why}: ${verdict.reason ?? 'no reason given'}`
    if (!options.keepRefused) {
      await session.release()
      return {
        steps: [],
        warnings: [],
        imported,
        failure: {code: 'refused-by-client', reason: `${reason}, so nothing was installed there`, hints: [refusalHint(verdict.code)], exitCode: ExitCode.notForSmime},
      }
    }
    return {
      steps: [
        new ImportIdentityStep(session, identity, imported, this.options.databaseFile),
        new VerifyInstalledStep(session, identity, canEncrypt(identity.certificate), {}, {keepRefused: true, readers: options.readers}),
      ],
      warnings: [`${reason}. The certificate is imported (--keep-refused), but no account is set to use it.`],
      imported,
      refusedButKept: true,
    }
  }
}
