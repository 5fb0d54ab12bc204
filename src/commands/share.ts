import {resolve} from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ExitCode, UserError} from '../errors.js'
import {signerKind} from '../identity/cms-signed-data.js'
import {canEncrypt} from '../identity/key-usage.js'
import {refuseUnusable} from '../identity/refuse-unusable.js'
import {type SharedFiles, writeSharedFiles} from '../share/share-files.js'
import {MailcertCommand} from '../ui/base-command.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askPassword} from '../ui/prompts.js'
import {style, table} from '../ui/style.js'

export interface ShareResult {
  certificate: {emails: string[]; subject: string; fingerprintSha256: string; notAfter: string}
  files: SharedFiles
  /** Whether others can encrypt to this certificate (its key usage allows it). */
  encryptable: boolean
}

export default class Share extends MailcertCommand {
  static override summary = 'Write the files to send to others so that they can encrypt mail to you.'

  static override description = `Encrypted mail needs both sides to hold each other's certificate. This writes, into the current folder (or --out), named after your address:
  • ADDRESS.eml: a short message signed with your certificate (S/MIME). Send it, or its text, to a colleague: their mail program shows it as signed and keeps your certificate, so that they can encrypt their reply. Open it in your own mail program to see how it looks.
  • ADDRESS.cer: your certificate alone (DER), for people who import certificates by hand.
  • ADDRESS.p7c: your certificate with its issuers (PKCS#7), for programs that want the chain.
None of them holds your private key. The message is signed with the key in the .p12 file, which is read as \`install\` reads it; nothing is installed or changed.

A certificate that can only encrypt (the encryption half of a separate pair) cannot sign: you get the .cer and .p7c, and no message. An existing file is replaced only with --force; when one exists, none is written.

Exit codes: 0 written, 2 usage error (a file exists, no password without a terminal), 3 wrong password, 4 not a readable file, 5 not usable for S/MIME.`

  static override examples = [
    {description: 'Write alice@example.com.eml, .cer and .p7c here (asks for the password):', command: '<%= config.bin %> <%= command.id %> ~/Downloads/alice.p12'},
    {description: 'Into another folder, unattended, as JSON:', command: 'MAILCERT_PASSWORD_FILE=pw.txt <%= config.bin %> <%= command.id %> alice.p12 --out ~/Desktop --json'},
  ]

  static override args = {
    file: Args.string({description: 'The .p12 or .pfx file your certificate authority gave you.', required: true}),
  }

  static override flags = {
    ...passwordFlags,
    out: Flags.directory({char: 'o', summary: 'Write the files into this folder (default: the current folder).', env: 'MAILCERT_SHARE_OUT', exists: true}),
    force: Flags.boolean({char: 'f', summary: 'Replace the files if they exist.', env: 'MAILCERT_FORCE'}),
  }

  async run(): Promise<ShareResult> {
    const {args, flags} = await this.parse(Share)
    const opened = await openIdentity(args.file, flags, {ask: this.canPrompt ? askPassword : undefined})
    const identity = opened.identity
    const now = new Date()
    refuseUnusable(identity, opened.protection !== null, now, 'nothing was written')
    const signer = signerKind(identity)
    if ('problem' in signer) {
      // refuseUnusable has refused files without a key or with another's key; what is left is a key node:crypto cannot sign CMS with.
      throw new UserError(`mailcert cannot sign with this key (${'keyName' in signer ? signer.keyName : signer.problem}), so no message was written: it signs with RSA and EC keys.`, {
        code: 'signer-unusable',
        exitCode: ExitCode.notForSmime,
        hints: ['Export your certificate from your mail program (or the .p12 file) and send that instead.'],
      })
    }
    const files = await writeSharedFiles(identity, resolve(flags.out ?? '.'), {force: flags.force, now})
    const encryptable = canEncrypt(identity.certificate)
    this.log(this.render(files, encryptable))
    const certificate = identity.certificate
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
