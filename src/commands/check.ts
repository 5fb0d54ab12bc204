import {Args, Flags} from '@oclif/core'

import {type CheckResult, checkMachine, type GivenCertificate, hasProblems} from '../clients/check.js'
import {clientFlags, mailClients} from '../clients/index.js'
import {contactsPath, readContacts} from '../contacts/contacts-record.js'
import {type ExpiringContact, expiringContacts} from '../contacts/expiring-contacts.js'
import {ExitCode} from '../errors.js'
import {currentMachine} from '../system/platform.js'
import {journalPath, readJournal} from '../install/journal.js'
import {MailcertCommand} from '../ui/base-command.js'
import {givenDbPassword} from '../ui/db-password.js'
import {installFlags} from '../ui/install-flags.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askDbPassword, askPassword} from '../ui/prompts.js'
import {renderCheck} from '../ui/render-check.js'
import {renderExpiringContacts} from '../ui/render-contact.js'
import {runAsFlags} from '../ui/run-as-flags.js'
import {runAsGivenUser} from '../ui/run-as-user.js'

export default class Check extends MailcertCommand {
  static override summary = 'Check which mail clients can do S/MIME, and whether each account is set up right.'

  static override description = `Lists every mail client found on this machine with how it supports S/MIME, and for each of them every profile and account: which certificate it signs and decrypts with, and whether that certificate is in the store the client reads, with its private key, valid, trusted, for the account's address, and not expiring within 30 days. Each problem comes with the command that fixes it. Then the correspondents' certificates that \`mailcert contact add\` imported and that expire within 30 days or have expired: listed with what to do, not counted as problems (nothing here is wrong; the new certificate is theirs to send).

Name your certificate (the .p12 file, or the certificate alone as .pem/.cer) to also check that every account with one of its addresses uses it. Without one, an account that has no certificate is a problem only where one for its address is known: in the store with its private key, or in what mailcert installed before; otherwise it is listed as having none.

--deep asks the mail client itself for its verdict on each certificate where it can (it is started headless on each profile, so it must be closed): the same check it makes when you send mail.

Exit codes: 0 nothing wrong, 8 problems found; with a certificate named: 3 wrong password, 4 not a readable certificate file.`

  static override examples = [
    {description: 'Check everything:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Also check that every account for your certificate uses it (a certificate alone needs no password):', command: '<%= config.bin %> <%= command.id %> alice.pem'},
    {description: 'Ask the mail client itself (close it first):', command: '<%= config.bin %> <%= command.id %> --deep'},
    {description: 'In a monitoring script:', command: '<%= config.bin %> <%= command.id %> --json || echo "S/MIME needs attention"'},
    {description: 'Also show what mailcert knows about clients that are not installed:', command: '<%= config.bin %> <%= command.id %> --all'},
  ]

  static override args = {
    // Standard input carries passwords (--password-stdin) and --user's hand-over, never a file name: oclif would read it for a missing argument.
    file: Args.string({ignoreStdin: true, description: 'Your certificate: the .p12/.pfx file, or the certificate alone (.pem, .crt, .cer, .der). Optional.'}),
  }

  static override flags = {
    ...passwordFlags,
    deep: Flags.boolean({summary: 'Ask the mail client itself whether each certificate is valid for signing and encryption.', env: 'MAILCERT_DEEP'}),
    all: Flags.boolean({summary: 'Also list the S/MIME support of mail clients that are not installed here.', env: 'MAILCERT_ALL'}),
    'db-password-file': installFlags['db-password-file'],
    client: installFlags.client,
    ...clientFlags,
    ...runAsFlags,
  }

  async run(): Promise<CheckResult & {correspondents: ExpiringContact[]}> {
    const {args, flags} = await this.parse(Check)
    await runAsGivenUser(currentMachine(this.config.home), flags, args.file)
    let certificate: GivenCertificate | undefined
    if (args.file !== undefined) {
      const opened = await openIdentity(args.file, flags, {ask: this.canPrompt ? askPassword : undefined})
      certificate = {identity: opened.identity, path: args.file, fromPkcs12: opened.protection !== null}
    }
    const dbPassword = await givenDbPassword(flags['db-password-file'])
    const journal = await readJournal(journalPath(this.config.dataDir))
    const result = await checkMachine({
      machine: currentMachine(this.config.home),
      flags,
      clients: await mailClients(flags.client ?? []),
      deep: flags.deep,
      all: flags.all,
      storePassword: async (store) => dbPassword ?? (this.canPrompt ? askDbPassword(store) : undefined),
      given: certificate,
      installed: journal.entries,
    })
    if (hasProblems(result)) this.setExitCode(ExitCode.problemsFound)
    // Others' certificates are listed, not problems: nothing in this machine's setup is wrong, and the fix is theirs to send.
    const correspondents = expiringContacts((await readContacts(contactsPath(this.config.dataDir))).contacts, new Date())
    this.log([renderCheck(result), ...(correspondents.length > 0 ? ['', ...renderExpiringContacts(correspondents)] : [])].join('\n'))
    return {...result, correspondents}
  }
}
