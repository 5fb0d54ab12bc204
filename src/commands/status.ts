import {Args, Flags} from '@oclif/core'

import type {GivenCertificate} from '../clients/check.js'
import {clientFlags, mailClients} from '../clients/index.js'
import {normaliseFingerprint, type StatusResult, statusOfMachine, statusReasons} from '../clients/status.js'
import {ExitCode, UsageError} from '../errors.js'
import {journalPath, readJournal} from '../install/journal.js'
import {currentMachine} from '../system/platform.js'
import {MailcertCommand} from '../ui/base-command.js'
import {givenDbPassword} from '../ui/db-password.js'
import {installFlags} from '../ui/install-flags.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askPassword} from '../ui/prompts.js'
import {runAsFlags} from '../ui/run-as-flags.js'
import {runAsGivenUser} from '../ui/run-as-user.js'

export default class Status extends MailcertCommand {
  static override summary = 'Say whether a certificate is installed and in use: exit 0 and one line if so, exit 8 and nothing on standard output if not.'

  static override description = `For detection by fleet tools: Intune's custom detection scripts (detected = exit 0 and something on standard output), Jamf extension attributes, Ansible's changed_when.

A certificate counts as installed when every mail account with one of its addresses names it for signing and for encryption, and the store that account reads holds it with its private key. Apple Mail, Outlook for Mac and new Outlook choose the certificate themselves: for them the store holding it with its key counts.

Name the certificate by its file (a .p12/.pfx needs its password; the certificate alone as .pem/.cer needs none), or by --fingerprint. Without either, every certificate mailcert installed for this user is asked about; when there is none, that is exit 8 too (nothing to detect).

Chain verdicts (is the certificate trusted) are left out, to stay fast: --deep adds them, and asks the mail client itself (it must be closed). mailcert check says what is wrong and how to fix it.

With --json, standard output is the JSON report both ways. Exit codes: 0 installed, 8 not installed; with a file: 3 wrong password, 4 not a readable certificate file.`

  static override examples = [
    {description: 'An Intune detection script, a Jamf extension attribute:', command: '<%= config.bin %> <%= command.id %> --fingerprint 64:BF:10:93:…'},
    {description: 'By the certificate file (no password needed for the certificate alone):', command: '<%= config.bin %> <%= command.id %> alice.pem'},
    {description: 'Everything mailcert installed for this user:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'What is missing, for a script:', command: '<%= config.bin %> <%= command.id %> --fingerprint 64bf1093… --json'},
  ]

  static override args = {
    // Standard input carries passwords (--password-stdin) and --user's hand-over, never a file name: oclif would read it for a missing argument.
    file: Args.string({ignoreStdin: true, description: 'The certificate: the .p12/.pfx file, or the certificate alone (.pem, .crt, .cer, .der). Optional.'}),
  }

  static override flags = {
    ...passwordFlags,
    fingerprint: Flags.string({
      summary: "The certificate's SHA-256 fingerprint (hex, with or without colons).",
      description: 'As mailcert inspect and the install report show it. Matches what mailcert recorded installing, and the certificates the accounts name.',
      env: 'MAILCERT_FINGERPRINT',
    }),
    deep: Flags.boolean({summary: 'Also require that each certificate is valid, as the mail client itself judges it (slower).', env: 'MAILCERT_DEEP'}),
    'db-password-file': installFlags['db-password-file'],
    client: installFlags.client,
    ...clientFlags,
    ...runAsFlags,
  }

  async run(): Promise<StatusResult> {
    const {args, flags} = await this.parse(Status)
    await runAsGivenUser(currentMachine(this.config.home), flags, args.file)
    if (args.file !== undefined && flags.fingerprint !== undefined) {
      throw new UsageError('Name the certificate by its file or by --fingerprint, not both.', ['mailcert status FILE, or mailcert status --fingerprint SHA256'])
    }
    if (flags.fingerprint !== undefined && normaliseFingerprint(flags.fingerprint) === null) {
      throw new UsageError(`--fingerprint ${flags.fingerprint} is not a SHA-256 fingerprint (64 hex digits, colons allowed).`, ['mailcert inspect FILE shows it.'])
    }
    let given: GivenCertificate | undefined
    if (args.file !== undefined) {
      const opened = await openIdentity(args.file, flags, {ask: this.canPrompt ? askPassword : undefined})
      given = {identity: opened.identity, path: args.file, fromPkcs12: opened.protection !== null}
    }
    const dbPassword = await givenDbPassword(flags['db-password-file'])
    const journal = await readJournal(journalPath(this.config.dataDir))
    const status = await statusOfMachine({
      machine: currentMachine(this.config.home),
      flags,
      clients: await mailClients(flags.client ?? []),
      deep: flags.deep,
      // Detection runs unattended: a database with a primary password and none given is not installed, not a prompt.
      storePassword: async () => dbPassword,
      given,
      fingerprint: flags.fingerprint,
      installed: journal.entries,
    })
    if (status.installed) {
      this.log(status.line!)
    } else {
      this.setExitCode(ExitCode.problemsFound)
      if (!this.jsonEnabled()) for (const reason of statusReasons(status)) this.logToStderr(reason)
    }
    return status
  }
}
