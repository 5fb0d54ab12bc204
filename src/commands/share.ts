import {resolve} from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {mailClients} from '../clients/index.js'
import {ExitCode, UsageError, UserError} from '../errors.js'
import {signerKind} from '../identity/cms-signed-data.js'
import {canEncrypt, canSign} from '../identity/key-usage.js'
import {refuseUnusable} from '../identity/refuse-unusable.js'
import {type ShareContent, type SharedFiles, writeSharedFiles} from '../share/share-files.js'
import {signedMessage, signedMimeMessage, signedPart} from '../share/signed-message.js'
import {findStoredSigner, signInStore, type StoredSigner} from '../share/stored-signer.js'
import {currentMachine} from '../system/platform.js'
import {MailcertCommand} from '../ui/base-command.js'
import {dbPasswordSource, givenDbPassword} from '../ui/db-password.js'
import {installFlags} from '../ui/install-flags.js'
import {openIdentity, openSecondIdentity} from '../ui/open-identity.js'
import {pairCertificates} from '../identity/certificate-pair.js'
import {passwordFlags, secondPasswordFlags} from '../ui/password-flags.js'
import {askChoice, askPassword} from '../ui/prompts.js'
import {style, table} from '../ui/style.js'

export interface ShareResult {
  certificate: {emails: string[]; subject: string; fingerprintSha256: string; notAfter: string}
  files: SharedFiles
  /** Whether others can encrypt to this certificate (its key usage allows it). */
  encryptable: boolean
  /** With a separate pair: the certificate that signed the message (`certificate` is the one to encrypt to). */
  signingCertificate?: {subject: string; fingerprintSha256: string; notAfter: string}
  /** With --from-store: the database that signed, the certificate's nickname there, and why it was chosen. */
  fromStore?: {store: string; location: string; nickname: string; why: string; passedOver: string[]; encryptionKeyPreference: boolean}
}

export default class Share extends MailcertCommand {
  static override summary = 'Write the files to send to others so that they can encrypt mail to you.'

  static override description = `Encrypted mail needs both sides to hold each other's certificate. This writes, into the current folder (or --out), named after your address:
  • ADDRESS.eml: a short message signed with your certificate (S/MIME). Send it, or its text, to a colleague: their mail program shows it as signed and keeps your certificate, so that they can encrypt their reply. Open it in your own mail program to see how it looks.
  • ADDRESS.cer: your certificate alone (DER), for people who import certificates by hand.
  • ADDRESS.p7c: your certificate with its issuers (PKCS#7), for programs that want the chain.
None of them holds your private key. The message is signed with the key in the .p12 file, which is read as \`install\` reads it; nothing is installed or changed.

With --from-store instead of a file, the identity already installed is used: mailcert looks in the certificate databases of your Thunderbird profiles and in the shared NSS database (~/.pki/nssdb, Evolution's), takes the certificate that has its private key there, an e-mail address, may sign and is valid now (of several, the one valid longest), and NSS's own cmsutil signs the message in that database; the .cer and .p7c are the stored certificate and the issuers the same database holds. When the databases hold several addresses, --account picks one; when several databases hold different certificates, --profile picks the database (a Thunderbird profile's name or folder, or a database folder such as ~/.pki/nssdb). At a terminal you are asked instead; without one it is a usage error (exit 2) that lists the choices. A database with a primary password needs --db-password-file (or MAILCERT_DB_PASSWORD), or is asked for at a terminal. NSS's tools (certutil, cmsutil) must be installed.

With a separate signing and encryption certificate, name both files (in either order; the second password is the first's unless --second-password-file gives it): the message is signed with the signing certificate, carries the encryption certificate and names it as the one to encrypt to (SMIMEEncryptionKeyPreference); the .cer is the encryption certificate and the .p7c holds both. The encryption half alone cannot sign: you get the .cer and .p7c, and no message. An existing file is replaced only with --force; when one exists, none is written.

Exit codes: 0 written, 2 usage error (a file exists, no password without a terminal, several identities to choose from), 3 wrong password (of the file, or of the certificate database), 4 not a readable file, 5 not usable for S/MIME (with --from-store: no identity in the databases can sign), 9 NSS's tools failed (or signed with another certificate than the one chosen).`

  static override examples = [
    {description: 'Write alice@example.com.eml, .cer and .p7c here (asks for the password):', command: '<%= config.bin %> <%= command.id %> ~/Downloads/alice.p12'},
    {description: 'Into another folder, unattended, as JSON:', command: 'MAILCERT_PASSWORD_FILE=pw.txt <%= config.bin %> <%= command.id %> alice.p12 --out ~/Desktop --json'},
    {description: 'Without the file: sign with the identity already in Thunderbird (or ~/.pki/nssdb):', command: '<%= config.bin %> <%= command.id %> --from-store'},
    {description: 'The identity for one address, from one Thunderbird profile:', command: '<%= config.bin %> <%= command.id %> --from-store --account alice@example.com --profile default-release'},
  ]

  static override args = {
    // Standard input carries passwords (--password-stdin) and --user's hand-over, never a file name: oclif would read it for a missing argument.
    file: Args.string({ignoreStdin: true, description: 'The .p12 or .pfx file your certificate authority gave you (leave it out with --from-store).'}),
    second: Args.string({
      ignoreStdin: true,
      description: 'For a separate signing and encryption certificate: the other .p12 file, in either order. The message is signed with the signing one and names the encryption one as the certificate to encrypt to; the .cer is the encryption certificate.',
    }),
  }

  static override flags = {
    ...passwordFlags,
    ...secondPasswordFlags,
    out: Flags.directory({char: 'o', summary: 'Write the files into this folder (default: the current folder).', env: 'MAILCERT_SHARE_OUT', exists: true}),
    force: Flags.boolean({char: 'f', summary: 'Replace the files if they exist.', env: 'MAILCERT_FORCE'}),
    'from-store': Flags.boolean({
      summary: 'Use the identity already installed (Thunderbird\'s certificate databases, ~/.pki/nssdb) instead of a file.',
      description: 'NSS\'s cmsutil signs the message in the database that holds the key; the key never leaves it. Takes no FILE.',
      env: 'MAILCERT_FROM_STORE',
    }),
    account: Flags.string({
      summary: 'With --from-store: the address to share, when the databases hold identities for several.',
      env: 'MAILCERT_ACCOUNT',
    }),
    profile: Flags.string({
      summary: 'With --from-store: look only in this Thunderbird profile (its name or folder) or NSS database folder (such as ~/.pki/nssdb).',
      env: 'MAILCERT_PROFILE',
    }),
    'db-password-file': installFlags['db-password-file'],
  }

  async run(): Promise<ShareResult> {
    const {args, flags} = await this.parse(Share)
    const folder = resolve(flags.out ?? '.')
    if (flags['from-store']) {
      if (args.file !== undefined || args.second !== undefined) throw new UsageError(`--from-store signs with the identity already installed, so it takes no file (${args.file ?? args.second} was given).`, ['Leave out --from-store to share the file, or leave out the file.'])
      return this.shareFromStore(flags, folder)
    }
    if (args.file === undefined) throw new UsageError('Which certificate? Name the .p12 file, or pass --from-store to use the identity already installed.', ['mailcert share FILE.p12', 'mailcert share --from-store'])
    let filePassword = ''
    const opened = await openIdentity(args.file, flags, {ask: this.canPrompt ? askPassword : undefined, onPassword: (password) => (filePassword = password)})
    const now = new Date()
    refuseUnusable(opened.identity, opened.protection !== null, now, 'nothing was written')
    let identity = opened.identity
    let encryption: typeof identity | undefined
    if (args.second !== undefined) {
      const second = await openSecondIdentity(args.second, flags, opened.protection === null ? undefined : filePassword, {ask: this.canPrompt ? askPassword : undefined})
      refuseUnusable(second.identity, second.protection !== null, now, 'nothing was written')
      const pair = pairCertificates(opened.identity, second.identity)
      identity = pair.signing
      encryption = pair.encryption
    }
    const signer = signerKind(identity)
    if ('problem' in signer) {
      // refuseUnusable has refused files without a key or with another's key; what is left is a key node:crypto cannot sign CMS with.
      throw new UserError(`mailcert cannot sign with this key (${'keyName' in signer ? signer.keyName : signer.problem}), so no message was written: it signs with RSA and EC keys.`, {
        code: 'signer-unusable',
        exitCode: ExitCode.notForSmime,
        hints: ['Export your certificate from your mail program (or the .p12 file) and send that instead.'],
      })
    }
    const certificate = identity.certificate
    // Of a pair, what others need is the encryption certificate; the signing one checks the message.
    const content: ShareContent = encryption
      ? {
          address: certificate.emails[0]!,
          certificate: encryption.certificate,
          chain: encryption.chain,
          signingCertificate: certificate,
          message: async () => signedMessage(identity, {now, encryptionCertificate: encryption.certificate}),
        }
      : {
          address: certificate.emails[0]!,
          certificate,
          chain: identity.chain,
          message: canSign(certificate) ? async () => signedMessage(identity, {now}) : null,
        }
    const files = await writeSharedFiles(content, folder, {force: flags.force})
    const result = this.written(content, files)
    if (content.signingCertificate) {
      const signing = content.signingCertificate
      result.signingCertificate = {subject: signing.subject.text, fingerprintSha256: signing.fingerprints.sha256, notAfter: signing.notAfter.toISOString()}
    }
    return result
  }

  /** --from-store: the identity found in the NSS databases, signed there by NSS. */
  private async shareFromStore(flags: {account?: string; profile?: string; force: boolean; 'db-password-file'?: string}, folder: string): Promise<ShareResult> {
    const now = new Date()
    const context = {machine: currentMachine(this.config.home), flags: {}}
    const request = {
      clients: await mailClients(),
      context,
      account: flags.account,
      profile: flags.profile,
      now,
      storePassword: dbPasswordSource(await givenDbPassword(flags['db-password-file']), this.canPrompt),
      choose: this.canPrompt ? askChoice : undefined,
    }
    const signer: StoredSigner = await findStoredSigner(request)
    let encryptionKeyPreference = true
    const content: ShareContent = {
      address: signer.address,
      certificate: signer.certificate,
      chain: signer.chain,
      message: async () => {
        const part = signedPart(signer.certificate, signer.address)
        const signature = await signInStore(signer, Buffer.from(part, 'ascii'), request)
        encryptionKeyPreference = signature.encryptionKeyPreference
        return signedMimeMessage({address: signer.address, part, signature: signature.der, now})
      },
    }
    this.log(`Chosen: ${signer.why}.`)
    const files = await writeSharedFiles(content, folder, {force: flags.force})
    const result = this.written(content, files)
    result.fromStore = {store: signer.database.ref.label, location: signer.database.dir, nickname: signer.nickname, why: signer.why, passedOver: signer.passedOver, encryptionKeyPreference}
    return result
  }

  private written(content: ShareContent, files: SharedFiles): ShareResult {
    const certificate = content.certificate
    const encryptable = canEncrypt(certificate)
    this.log(this.render(files, encryptable))
    return {
      certificate: {emails: certificate.emails, subject: certificate.subject.text, fingerprintSha256: certificate.fingerprints.sha256, notAfter: certificate.notAfter.toISOString()},
      files,
      encryptable,
    }
  }

  private render(files: SharedFiles, encryptable: boolean): string {
    const rows: Array<[string, string]> = [
      ...(files.message ? [['Message', `${files.message} (signed: send it to the people who are to encrypt to you)`] as [string, string]] : []),
      ['Certificate', `${files.certificate} (DER)`],
      ['With chain', `${files.chain} (PKCS#7)`],
    ]
    const lines = [`${style.ok('✔')} Wrote ${files.message ? 'three files' : 'two files'}; none holds your private key.`, table(rows)]
    if (!files.message) lines.push('', 'This certificate cannot sign, so there is no signed message: send the .cer file.')
    if (!encryptable) lines.push('', style.warn('This certificate does not allow encryption: others can check your signature, but cannot encrypt to it.'))
    if (files.message) lines.push('', 'Send the .eml as an attachment, or open it in your mail program and forward it. Once they have it, they can encrypt to you.')
    return lines.join('\n')
  }
}
