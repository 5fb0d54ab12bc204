import {Args} from '@oclif/core'

import {UsageError} from '../errors.js'
import {type ApplyReport, applyPlan, exitCodeOf} from '../install/apply.js'
import {planInstall, releasePlan} from '../install/install-service.js'
import {describePlan} from '../install/plan.js'
import {nssDbKey} from '../stores/nss/dbkey.js'
import {readSecretFile} from '../system/secret-input.js'
import {MailcertCommand} from '../ui/base-command.js'
import {installFlags} from '../ui/install-flags.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askDbPassword, askPassword, askTrustRoot} from '../ui/prompts.js'
import {renderPlan, renderReport, renderStep} from '../ui/render-install.js'

export interface InstallResult {
  certificate: {emails: string[]; subject: string; fingerprintSha256: string; dbKey: string}
  dryRun: boolean
  nssDriver: string | null
  plan: string[]
  targets: ApplyReport['targets']
}

export default class Install extends MailcertCommand {
  static override summary = 'Install a certificate and set up every matching mail account to sign and decrypt with it.'

  static override description = `Imports the identity (private key, certificate and chain) from a PKCS#12 file into the certificate store each mail client reads, and sets every account whose address the certificate names to use it. Today that is Thunderbird, on Linux, macOS and Windows: the key goes into each profile's own certificate database and the matching identities are pointed at it in prefs.js (a backup is kept next to it).

A certificate that cannot be used for S/MIME is refused before anything changes (exit 5). Thunderbird must be closed (exit 6 otherwise). If one profile fails, its changes are undone and the others go on (exit 7). Re-running with the same certificate changes nothing.

With --yes (or without a terminal) nothing is asked: the password comes from --password-file, --password-stdin or MAILCERT_PASSWORD, and a private root is trusted only with --trust-root.`

  static override examples = [
    {description: 'Install, asking what is needed:', command: '<%= config.bin %> <%= command.id %> ~/Downloads/alice.p12'},
    {description: 'See what would change, without changing anything:', command: '<%= config.bin %> <%= command.id %> alice.p12 --dry-run'},
    {
      description: 'Unattended, as IT deploys it, with a JSON report:',
      command: 'MAILCERT_PASSWORD_FILE=/run/secrets/p12 <%= config.bin %> <%= command.id %> alice.p12 --yes --sign-by-default --json',
    },
    {description: 'Only one account, and a company root that must be trusted:', command: '<%= config.bin %> <%= command.id %> alice.p12 --account alice@example.com --trust-root --yes'},
  ]

  static override args = {
    file: Args.string({description: 'The .p12 or .pfx file your certificate authority gave you.', required: true}),
  }

  static override flags = {...passwordFlags, ...installFlags}

  async run(): Promise<InstallResult> {
    const {args, flags} = await this.parse(Install)
    const interactive = this.canPrompt && !flags.yes
    const opened = await openIdentity(args.file, flags, {ask: interactive ? askPassword : undefined})
    const identity = opened.identity
    const dbPasswordGiven = flags['db-password-file'] ? await readSecretFile(flags['db-password-file'], '--db-password-file') : process.env.MAILCERT_DB_PASSWORD

    const planned = await planInstall({
      identity,
      fromPkcs12: opened.protection !== null,
      clients: flags.client ?? ['thunderbird'],
      accounts: flags.account ?? [],
      profiles: flags.profile ?? [],
      signByDefault: flags['sign-by-default'],
      encryptByDefault: flags['encrypt-by-default'],
      nssDriver: flags['nss-driver'],
      machine: {platform: process.platform, home: this.config.home, env: process.env},
      trustRoot: async (root) => flags['trust-root'] || (interactive && !flags['dry-run'] ? askTrustRoot(root) : false),
      dbPassword: async (profile) => {
        if (dbPasswordGiven !== undefined) return dbPasswordGiven
        if (interactive) return askDbPassword(profile.name)
        throw new UsageError(`The Thunderbird profile "${profile.name}" is protected by a primary password, and none was given.`, [
          'Pass --db-password-file FILE or set MAILCERT_DB_PASSWORD.',
        ])
      },
    })

    const result: InstallResult = {
      certificate: {
        emails: identity.certificate.emails,
        subject: identity.certificate.subject.text,
        fingerprintSha256: identity.certificate.fingerprints.sha256,
        dbKey: nssDbKey(identity.certificate),
      },
      dryRun: Boolean(flags['dry-run']),
      nssDriver: planned.driver.name,
      plan: describePlan(planned.plan),
      targets: [],
    }

    let report: ApplyReport
    try {
      this.log(renderPlan(identity, planned.plan))
      if (flags['dry-run']) {
        this.log('\nDry run: nothing was changed.')
        return result
      }
      this.log('')
      report = await applyPlan(planned.plan, {
        onStepEnd: (_target, _step, step) => this.log(renderStep(step)),
      })
    } finally {
      await releasePlan(planned.plan)
      await planned.driver.dispose()
    }
    this.log('')
    this.log(renderReport(report, {steps: false}))
    result.targets = report.targets
    this.setExitCode(exitCodeOf(report, () => 1))
    return result
  }
}
