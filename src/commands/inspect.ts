import * as Args from '@oclif/core/args'

import {ExitCode} from '../errors.js'
import {hasErrors} from '../identity/findings.js'
import {type Inspection, inspectIdentity} from '../identity/inspection.js'
import {MailcertCommand} from '../ui/base-command.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askPassword} from '../ui/prompts.js'
import {renderInspection} from '../ui/render-inspection.js'

export default class Inspect extends MailcertCommand {
  static override summary = 'Show what is in a certificate file, and whether it can be used for S/MIME.'

  static override description = `Reads a PKCS#12 file (.p12, .pfx) or a bare certificate (PEM or DER), recognised by its content, and reports who it is for (every e-mail address, name, organisation), its S/MIME type in the words certificate authorities sell it by ("Email only", "Email and sender name", "Email, sender name and company", "Company"), issuer, validity, key, fingerprints, the chain in the file, how the file is protected, and findings: errors that make it unusable for S/MIME and warnings worth fixing, each with a fix.

A password-protected file asks for its password at a terminal (three tries). Scripts pass it with --password-file, --password-stdin or the MAILCERT_PASSWORD environment variable.

Exit codes: 0 usable, 5 not usable for S/MIME (the report says why), 3 wrong password, 4 not a readable file, 2 usage error.`

  static override examples = [
    {description: 'See what is in a file (asks for the password):', command: '<%= config.bin %> <%= command.id %> ~/Downloads/certificate.p12'},
    {description: 'In a script, with the password in a file, as JSON:', command: '<%= config.bin %> <%= command.id %> alice.p12 --password-file ~/.secrets/p12-password --json'},
    {description: 'Password from a secret store, on standard input:', command: 'pass show mail/p12 | <%= config.bin %> <%= command.id %> alice.pfx --password-stdin'},
    {description: 'A certificate on its own needs no password:', command: '<%= config.bin %> <%= command.id %> alice.pem'},
  ]

  static override args = {
    file: Args.string({description: 'The .p12/.pfx file, or a certificate (.pem, .crt, .cer, .der).', required: true}),
  }

  static override flags = {...passwordFlags}

  async run(): Promise<Inspection> {
    const {args, flags} = await this.parse(Inspect)
    const opened = await openIdentity(args.file, flags, {ask: this.canPrompt ? askPassword : undefined})
    const inspection = inspectIdentity(opened.identity, opened, new Date())
    if (hasErrors(inspection.findings)) this.setExitCode(ExitCode.notForSmime)
    this.log(renderInspection(inspection))
    return inspection
  }
}
