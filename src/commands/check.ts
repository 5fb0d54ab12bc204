import {Flags} from '@oclif/core'

import {type CheckResult, checkMachine, hasProblems} from '../clients/check.js'
import {ExitCode} from '../errors.js'
import {MailcertCommand} from '../ui/base-command.js'
import {givenDbPassword} from '../ui/db-password.js'
import {installFlags} from '../ui/install-flags.js'
import {askDbPassword} from '../ui/prompts.js'
import {renderCheck} from '../ui/render-check.js'

export default class Check extends MailcertCommand {
  static override summary = 'Check which mail clients can do S/MIME, and whether each account is set up right.'

  static override description = `Lists every mail client found on this machine with how it supports S/MIME, and for Thunderbird every profile and identity: which certificate it signs and decrypts with, and whether that certificate is in the profile's database with its private key, valid, trusted, for the identity's address, and not expiring within 30 days. Each problem comes with the command that fixes it.

--deep asks Thunderbird itself (started headless on each profile, so Thunderbird must be closed) for its verdict on each certificate: the same check it makes when you send mail.

Exit codes: 0 nothing wrong, 8 problems found.`

  static override examples = [
    {description: 'Check everything:', command: '<%= config.bin %> <%= command.id %>'},
    {description: "Ask Thunderbird itself (close it first):", command: '<%= config.bin %> <%= command.id %> --deep'},
    {description: 'In a monitoring script:', command: '<%= config.bin %> <%= command.id %> --json || echo "S/MIME needs attention"'},
    {description: 'Also show what mailcert knows about clients that are not installed:', command: '<%= config.bin %> <%= command.id %> --all'},
  ]

  static override flags = {
    deep: Flags.boolean({summary: 'Ask Thunderbird itself whether each certificate is valid for signing and encryption.', env: 'MAILCERT_DEEP'}),
    all: Flags.boolean({summary: 'Also list the S/MIME support of mail clients that are not installed here.', env: 'MAILCERT_ALL'}),
    'db-password-file': installFlags['db-password-file'],
  }

  async run(): Promise<CheckResult> {
    const {flags} = await this.parse(Check)
    const given = await givenDbPassword(flags['db-password-file'])
    const result = await checkMachine({
      machine: {platform: process.platform, home: this.config.home, env: process.env},
      deep: flags.deep,
      all: flags.all,
      dbPassword: async (profile) => given ?? (this.canPrompt ? askDbPassword(profile.name) : undefined),
    })
    if (hasProblems(result)) this.setExitCode(ExitCode.problemsFound)
    this.log(renderCheck(result))
    return result
  }
}
