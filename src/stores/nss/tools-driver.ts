/**
 * The NSS driver that uses NSS's own command-line tools. Passwords (`-w`, `-k`, `-f`) reach them
 * through named pipes made for each call, so they are never on disk; the .p12 itself must be a
 * regular file for pk12util (see secret-pipes.ts) and is a 0600 file, encrypted with a password
 * that only ever went through a pipe. stdin is closed so that a tool that wants to ask for
 * something fails instead of waiting for an answer that never comes.
 */
import {createHash, X509Certificate} from 'node:crypto'
import {access, readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {ExternalError} from '../../errors.js'
import {isExecutable} from '../../system/find-program.js'
import {type RunResult, runProgram} from '../../system/run-program.js'
import {SecretFiles, withSecretFiles} from '../../system/secret-files.js'
import {classifyNssError, hasPrivateKey, isTrustedEmailIssuer, parseCertificateList, pemBlocks, withEmailTrust} from './certutil-output.js'
import {nssKeyId, nssKeyIdOf, parseKeyList} from './key-id.js'
import {describeNssError} from './nss-errors.js'
import {readSqliteDatabase} from './sqlite-certificates.js'
import type {DetachedSignature, EmailUsage, NssCertificate, NssDriver, NssSession, OpenOptions, Verdict} from './nss-driver.js'
import {findBuiltinRootsModule, findNssTools, nssToolsInstallHint, type NssTools, type ToolsMachine} from './nss-tools.js'

/** `sql:` for cert9.db, `dbm:` for the cert8.db of profiles last used by Thunderbird 52 or older. */
export async function databaseSpec(profileDir: string): Promise<string> {
  const exists = (name: string): Promise<boolean> =>
    access(join(profileDir, name)).then(
      () => true,
      () => false,
    )
  if (await exists('cert9.db')) return `sql:${profileDir}`
  if (await exists('cert8.db')) return `dbm:${profileDir}`
  throw new ExternalError('NSS', `There is no certificate database in ${profileDir}.`, {
    code: 'no-nss-database',
    hints: ['Start Thunderbird once with this profile so that it creates its database, close it, and run mailcert again.'],
  })
}

/** A key name certutil -K looks for after logging in, and never finds. */
const NO_SUCH_KEY = 'mailcert: password check (no key has this name)'

function failure(tool: string, what: string, result: RunResult): ExternalError {
  const output = `${result.stdout}${result.stderr}`.trim()
  const kind = classifyNssError(output)
  return new ExternalError(tool, `${what}: ${describeNssError(kind, output)}`, {output, code: `nss-${kind}`})
}

function parsedOrNull(der: Buffer): X509Certificate | null {
  try {
    return new X509Certificate(der)
  } catch {
    return null
  }
}

interface PasswordArgument {
  flag: '-w' | '-k' | '-f'
  /** Names the pipe (or file) in the private folder, for whoever looks there. */
  name: string
  password: string
}

async function runTool(program: string, args: string[], passwords: PasswordArgument[], files: SecretFiles, timeoutMs = 60_000): Promise<RunResult> {
  return files.withSecretPaths(
    passwords.map(({name, password}) => ({name, content: password})),
    (paths) => runProgram(program, [...args, ...passwords.flatMap(({flag}, index) => [flag, paths[index]])], {timeoutMs}),
  )
}

class ToolsSession implements NssSession {
  readonly driver = 'tools' as const
  readonly tool = 'pk12util'
  readonly deletesExactly = false
  private cache: NssCertificate[] | null = null

  constructor(
    private readonly tools: NssTools,
    private readonly machine: ToolsMachine | undefined,
    private readonly db: string,
    private readonly files: SecretFiles,
    private readonly dbPassword: string | null,
  ) {}

  /** Run a tool; each password is passed as `flag path`, the path a pipe that holds it for this call only. */
  private async run(tool: keyof NssTools, args: string[], passwords: PasswordArgument[] = []): Promise<RunResult> {
    const program = this.tools[tool]
    if (!program) throw new ExternalError(tool, `${tool} is not installed.`)
    const result = await runTool(program, args, passwords, this.files)
    if (result.notFound) throw new ExternalError(tool, `${tool} could not be started.`)
    return result
  }

  /** The database password for `flag`, when the database has one. NSS reads its first line. */
  private dbPasswordFor(flag: '-f' | '-k'): PasswordArgument[] {
    return this.dbPassword === null ? [] : [{flag, name: 'db-password', password: `${this.dbPassword}\n`}]
  }

  async listCertificates(): Promise<NssCertificate[]> {
    if (this.cache) return this.cache
    const listing = await this.run('certutil', ['-L', '-d', this.db])
    if (listing.exitCode !== 0) throw failure('certutil', 'Listing the certificates failed', listing)
    const entries = parseCertificateList(listing.stdout)
    // Certificates and key IDs in one read where sqlite3 can do it (one nickname is one certutil call either way);
    // certutil -K, and certutil per nickname for what it did not find, otherwise.
    const fromSqlite = entries.length > 1 ? await readSqliteDatabase(this.db, this.machine?.env ?? process.env) : null
    const keyIds = fromSqlite?.keyIds ?? (await this.keyIds())
    const seen = new Set<string>()
    const certificates: NssCertificate[] = []
    // One nickname can stand for several certificates (renewals share it); -a prints them all.
    for (const nickname of new Set(entries.map((entry) => entry.nickname))) {
      const trust = entries.find((entry) => entry.nickname === nickname)!.trust
      for (const der of fromSqlite?.certificates.get(nickname) ?? (await this.certificatesNamed(nickname))) {
        const sha256 = createHash('sha256').update(der).digest('hex')
        if (seen.has(sha256)) continue
        seen.add(sha256)
        // A nickname's trust line cannot tell renewals apart; the key list can.
        const parsed = parsedOrNull(der)
        const keyId = keyIds && parsed ? nssKeyIdOf(parsed) : null
        const hasKey = keyIds && keyId ? keyIds.has(keyId) : hasPrivateKey(trust)
        certificates.push({nickname, trust, der, sha256, hasKey, isCa: parsed?.ca ?? false})
      }
    }
    this.cache = certificates
    return certificates
  }

  private async certificatesNamed(nickname: string): Promise<Buffer[]> {
    const pem = await this.run('certutil', ['-L', '-d', this.db, '-n', nickname, '-a'])
    if (pem.exitCode !== 0) throw failure('certutil', `Reading "${nickname}" failed`, pem)
    return pemBlocks(pem.stdout)
  }

  /** Key IDs from `certutil -K`, or null when the keys cannot be listed (a locked database). */
  private async keyIds(): Promise<Set<string> | null> {
    const result = await this.run('certutil', ['-K', '-d', this.db], this.dbPasswordFor('-f'))
    const output = `${result.stdout}${result.stderr}`
    if (result.exitCode === 0 || /no keys found/.test(output)) return parseKeyList(result.stdout)
    return null
  }

  async importPkcs12(pkcs12: Buffer, password: string): Promise<void> {
    // pk12util reads the .p12 by its size, so it must be a regular file (a pipe reads as empty).
    const file = await this.files.write(pkcs12, 'identity.p12')
    this.cache = null
    try {
      const result = await this.run('pk12util', ['-i', file, '-d', this.db], [{flag: '-w', name: 'p12-password', password}, ...this.dbPasswordFor('-k')])
      if (result.exitCode !== 0) throw failure('pk12util', 'Importing the certificate failed', result)
    } finally {
      await rm(file, {force: true})
    }
  }

  async trustForEmail(certificate: NssCertificate): Promise<void> {
    await this.setTrust(certificate, withEmailTrust(certificate.trust))
  }

  async setTrust(certificate: NssCertificate, trust: string): Promise<void> {
    this.cache = null
    const result = await this.run('certutil', ['-M', '-d', this.db, '-n', certificate.nickname, '-t', trust], this.dbPasswordFor('-f'))
    if (result.exitCode !== 0) throw failure('certutil', `Setting the trust of "${certificate.nickname}" failed`, result)
  }

  async addCertificate(der: Buffer, nickname: string, trust: string): Promise<void> {
    const file = await this.files.write(der, 'certificate.der')
    this.cache = null
    try {
      const result = await this.run('certutil', ['-A', '-d', this.db, '-n', nickname, '-t', trust, '-i', file], this.dbPasswordFor('-f'))
      if (result.exitCode !== 0) throw failure('certutil', `Adding "${nickname}" failed`, result)
    } finally {
      await rm(file, {force: true})
    }
  }

  /**
   * withKey: the certificate and its private key (as Thunderbird's certificate manager deletes a
   * personal certificate); otherwise the certificate only, its key kept. A certificate that is not
   * there is already deleted; one that is still there afterwards is certutil's failure.
   */
  async deleteCertificate(certificate: NssCertificate, options: {withKey: boolean}): Promise<void> {
    this.cache = null
    // -F deletes the key and its certificate, and does nothing (exit 0) for a certificate without a key; -D the certificate only.
    const flag = options.withKey && certificate.hasKey ? '-F' : '-D'
    const result = await this.run('certutil', [flag, '-d', this.db, '-n', certificate.nickname], this.dbPasswordFor('-f'))
    this.cache = null
    const left = (await this.listCertificates()).some((c) => c.sha256 === certificate.sha256)
    if (!left) return
    if (result.exitCode !== 0) throw failure('certutil', `Removing "${certificate.nickname}" failed`, result)
    // A renewal that shares the nickname may have been the one certutil found.
    throw new ExternalError('certutil', `Removing "${certificate.nickname}" failed: it is still in the database.`, {output: `${result.stdout}${result.stderr}`.trim(), code: 'nss-not-deleted'})
  }

  async deleteAllNamed(nickname: string): Promise<void> {
    const named = async () => (await this.listCertificates()).filter((c) => c.nickname === nickname)
    for (let left = await named(); left.length > 0; ) {
      this.cache = null
      // certutil takes one certificate of the name per run (-F with its key while one has a key).
      const result = await this.run('certutil', [left.some((c) => c.hasKey) ? '-F' : '-D', '-d', this.db, '-n', nickname], this.dbPasswordFor('-f'))
      this.cache = null
      const now = await named()
      if (now.length >= left.length) throw failure('certutil', `Removing "${nickname}" failed`, result)
      left = now
    }
  }

  async deleteKey(certificate: NssCertificate): Promise<void> {
    const keyId = nssKeyId(certificate.der)
    if (keyId === null) throw new ExternalError('certutil', `The key of "${certificate.nickname}" cannot be named: its kind of key has no NSS key id mailcert knows.`, {code: 'nss-not-deleted'})
    this.cache = null
    const result = await this.run('certutil', ['-F', '-d', this.db, '-k', keyId], this.dbPasswordFor('-f'))
    this.cache = null
    const still = (await this.listCertificates()).find((c) => c.sha256 === certificate.sha256)
    if (still?.hasKey) throw failure('certutil', `Removing the private key of "${certificate.nickname}" failed`, result)
  }

  /**
   * certutil -V knows only the roots in the profile, while Thunderbird also trusts Mozilla's built-in
   * roots. So the chain is checked with vfychain against a scratch database that loads the system's
   * copy of those roots, plus the CAs this profile holds, trusting the ones the profile trusts.
   */
  async verify(certificate: Buffer, usage: EmailUsage, extra: Buffer[] = []): Promise<Verdict> {
    if (!this.tools.vfychain) return {valid: false, code: 'cannot-check', reason: 'vfychain is not installed, so the chain cannot be checked'}
    const all = await this.listCertificates()
    const args = ['-pp', '-T', '-u', usage === 'signing' ? '4' : '5']
    const scratch = await this.scratchDatabase()
    if (scratch) args.unshift('-d', scratch)
    args.push(await this.files.write(certificate, 'leaf.der'))
    const leafHash = createHash('sha256').update(certificate).digest('hex')
    for (const ca of all.filter((c) => c.isCa && c.sha256 !== leafHash)) {
      const file = await this.files.write(ca.der, 'ca.der')
      args.push(...(isTrustedEmailIssuer(ca.trust) ? ['-t', file] : [file]))
    }
    for (const der of extra) args.push(await this.files.write(der, 'extra.der'))
    const result = await this.run('vfychain', args)
    if (result.exitCode === 0) return {valid: true}
    const output = `${result.stdout}${result.stderr}`
    const kind = classifyNssError(output)
    // Without Mozilla's built-in roots a publicly issued certificate looks unknown to vfychain while
    // Thunderbird, which has them compiled in, accepts it: that is no verdict, and refusing on it would be wrong.
    if (!scratch && (kind === 'unknown-issuer' || kind === 'untrusted-issuer')) {
      return {valid: false, code: 'cannot-check', reason: "Mozilla's built-in roots (libnssckbi) could not be loaded, so the chain cannot be judged as Thunderbird judges it"}
    }
    return {valid: false, code: kind, reason: describeNssError(kind, output)}
  }

  async signDetached(nickname: string, content: Buffer): Promise<DetachedSignature> {
    // cmsutil comes with certutil (libnss3-tools, Homebrew's nss): the one beside it is of the same NSS.
    const cmsutil = join(dirname(this.tools.certutil), 'cmsutil')
    if (!(await isExecutable(cmsutil))) {
      throw new ExternalError('cmsutil', `NSS's cmsutil is not installed beside ${this.tools.certutil}, so the message cannot be signed in the database.`, {code: 'nss-tools-missing', hints: [await nssToolsInstallHint()]})
    }
    const input = await this.files.write(content, 'content')
    const output = await this.files.write('', 'signature.p7s')
    const sign = (extra: string[]) =>
      runTool(cmsutil, ['-S', '-N', nickname, '-T', '-G', '-P', '-H', 'SHA256', '-d', this.db, '-i', input, '-o', output, ...extra], this.dbPasswordFor('-f'), this.files)
    let result = await sign([])
    let encryptionKeyPreference = true
    // NSS names the certificate to encrypt to only after verifying it for encryption, which needs an
    // issuer this database trusts: a public root is trusted by Thunderbird's built-in list, which the
    // database itself does not hold. Without the attribute the signer's certificate is the one anyway.
    if (result.exitCode !== 0 && /SMIMEEncKeyPrefs/.test(`${result.stdout}${result.stderr}`)) {
      result = await sign(['-Y', 'NONE'])
      encryptionKeyPreference = false
    }
    if (result.notFound) throw new ExternalError('cmsutil', 'cmsutil could not be started.')
    if (result.exitCode !== 0) throw failure('cmsutil', `Signing with "${nickname}" failed`, result)
    const der = await readFile(output)
    if (der.length === 0) throw new ExternalError('cmsutil', `Signing with "${nickname}" failed: cmsutil wrote no signature.`, {output: `${result.stdout}${result.stderr}`.trim()})
    return {der, encryptionKeyPreference}
  }

  private scratch: string | null | undefined

  private async scratchDatabase(): Promise<string | null> {
    if (this.scratch !== undefined) return this.scratch
    this.scratch = null
    const module = await findBuiltinRootsModule(this.machine, this.tools.certutil)
    if (!module || !this.tools.modutil) return null
    const dir = join(this.files.dir, 'builtin-roots')
    const {mkdir} = await import('node:fs/promises')
    await mkdir(dir, {mode: 0o700})
    const created = await this.run('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`])
    if (created.exitCode !== 0) return null
    const added = await runProgram(this.tools.modutil, ['-dbdir', `sql:${dir}`, '-add', 'Builtin Roots', '-libfile', module, '-force'], {timeoutMs: 30_000})
    if (added.exitCode !== 0) return null
    this.scratch = `sql:${dir}`
    return this.scratch
  }

  async close(): Promise<void> {
    await this.files.dispose()
  }
}

export class ToolsDriver implements NssDriver {
  readonly name = 'tools' as const

  private constructor(
    private readonly tools: NssTools,
    private readonly machine: ToolsMachine | undefined,
  ) {}

  /** NSS's tools on this machine (Homebrew's on a Mac; see nss-tools.ts); without a machine, the one mailcert runs on. */
  static async locate(machine?: ToolsMachine): Promise<ToolsDriver | null> {
    const tools = await findNssTools(machine)
    return tools ? new ToolsDriver(tools, machine) : null
  }

  /** certutil -K needs the password when there is one; a wrong (empty) one gives SEC_ERROR_BAD_PASSWORD. */
  async hasPrimaryPassword(profileDir: string): Promise<boolean> {
    return !(await this.checkPrimaryPassword(profileDir, ''))
  }

  async checkPrimaryPassword(profileDir: string, password: string): Promise<boolean> {
    const db = await databaseSpec(profileDir)
    return withSecretFiles(async (files) => {
      // Logging in is all this asks: a name no key has spares listing every key (seconds at 500 keys).
      const result = await runTool(this.tools.certutil, ['-K', '-d', db, '-n', NO_SUCH_KEY], [{flag: '-f', name: 'db-password', password: `${password}\n`}], files, 30_000)
      return classifyNssError(`${result.stdout}${result.stderr}`) !== 'bad-password'
    })
  }

  async dispose(): Promise<void> {}

  async open(profileDir: string, options: OpenOptions): Promise<NssSession> {
    const db = await databaseSpec(profileDir)
    return new ToolsSession(this.tools, this.machine, db, await SecretFiles.create(), options.dbPassword ? options.dbPassword : null)
  }
}
