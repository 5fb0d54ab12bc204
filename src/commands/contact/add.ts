import * as Args from '@oclif/core/args'

import {mailClients} from '../../clients/index.js'
import {ExitCode, UserError} from '../../errors.js'
import {readContactInput, refuseUnusableContact} from '../../contacts/contact-input.js'
import {contactRecordOf, findCorrespondentStores, planAddContact, readersText} from '../../contacts/contact-service.js'
import {ContactsFile} from '../../contacts/contacts-record.js'
import {anyChanged, type ApplyReport, exitCodeOf} from '../../install/apply.js'
import {describePlan} from '../../install/plan.js'
import {readInputFile} from '../../system/input-file.js'
import {currentMachine} from '../../system/platform.js'
import {MailcertCommand} from '../../ui/base-command.js'
import {confirmAndApply} from '../../ui/confirm-and-apply.js'
import {contactChangeFlags} from '../../ui/contact-flags.js'
import {dbPasswordSource, givenDbPassword} from '../../ui/db-password.js'
import {renderContact} from '../../ui/render-contact.js'
import {renderReport} from '../../ui/render-install.js'
import {style} from '../../ui/style.js'

export interface ContactAddResult {
  contact: {name: string; emails: string[]; subject: string; issuer: string; notBefore: string; notAfter: string; fingerprintSha256: string; format: string; from?: string}
  dryRun: boolean
  applied: boolean
  plan: string[]
  /** Per store: whether its readers would encrypt to the certificate (null: the store cannot tell). */
  verdicts: Array<{store: string; readers: string; valid: boolean | null; reason?: string}>
  targets: ApplyReport['targets']
  changed: boolean
}

export default class ContactAdd extends MailcertCommand {
  static override summary = 'Import a correspondent\'s certificate, so that you can encrypt mail to them.'

  static override description = `To encrypt mail to someone, your mail program needs their certificate. Give mailcert what they sent you: their certificate (.cer or .crt as DER or PEM, .pem), their certificate with its issuers (.p7c or .p7b), or a message they signed (.eml). mailcert shows whose certificate it is, who issued it and until when it is valid, then puts it into every store your mail programs look up recipients' certificates in:
  • each Thunderbird profile's certificate database, and the shared NSS database (~/.pki/nssdb) that Evolution reads, on Linux;
  • the login keychain, which Apple Mail and Outlook read, on macOS;
  • your Windows certificate store's Other People (AddressBook), which Outlook reads, on Windows.
The issuers that come with it go in too, except a root: that is trusted for nothing, and a mail program encrypts only to a certificate whose root it trusts (the plan says when one does not). A certificate already in a store is left as it is. Nothing is trusted, nothing else is changed.

An expired certificate, one not yet valid, one without an e-mail address, a certificate authority's, or one whose key may not encrypt is refused with the reason (exit 4). So is a file with a private key in it: ask them for the certificate alone.

At a terminal it asks before changing anything; --yes (or no terminal) does not ask. \`mailcert contact remove\` takes out exactly what this added.

Exit codes: 0 imported (or already there), 2 usage error, 3 wrong primary password of a certificate database, 4 not a usable certificate, 6 Thunderbird is running on a profile (close it), 7 some stores done and some not, 9 a program mailcert drives failed.`

  static override examples = [
    {description: 'Import the certificate from a message Bob signed (save it as a file first):', command: '<%= config.bin %> <%= command.id %> ~/Downloads/bob.eml'},
    {description: 'Unattended, as JSON:', command: '<%= config.bin %> <%= command.id %> bob.cer --yes --json'},
    {description: 'See what would change:', command: '<%= config.bin %> <%= command.id %> bob.p7c --dry-run'},
  ]

  static override args = {
    // Standard input carries the answers of a script, never a file name: oclif would read it for a missing argument.
    file: Args.string({required: true, ignoreStdin: true, description: 'What your correspondent sent: a certificate (.cer, .crt, .pem, .der), a .p7c/.p7b file, or a message they signed (.eml).'}),
  }

  static override flags = contactChangeFlags

  async run(): Promise<ContactAddResult> {
    const {args, flags} = await this.parse(ContactAdd)
    const now = new Date()
    const contact = readContactInput(await readInputFile(args.file))
    refuseUnusableContact(contact, now)
    const certificate = contact.certificate
    if (contact.from && !certificate.emails.some((email) => email.toLowerCase() === contact.from!.toLowerCase())) {
      this.note(`The message is from ${contact.from}, but the certificate that signed it is for ${certificate.emails.join(', ')}: mail programs will use it for that address only.`)
    }
    this.log(renderContact(contact, now))
    const interactive = this.canPrompt && !flags.yes
    const context = {machine: currentMachine(this.config.home), flags}
    const result: ContactAddResult = {
      contact: {
        name: contactRecordOf(contact, now).name,
        emails: certificate.emails,
        subject: certificate.subject.text,
        issuer: certificate.issuer.text,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
        fingerprintSha256: certificate.fingerprints.sha256,
        format: contact.format,
        ...(contact.from ? {from: contact.from} : {}),
      },
      dryRun: Boolean(flags['dry-run']),
      applied: false,
      plan: [],
      verdicts: [],
      targets: [],
      changed: false,
    }

    const locked = await this.lockUserState('contact add', flags['lock-wait'])
    try {
      const stores = await findCorrespondentStores(await mailClients(flags.client ?? []), context)
      if (stores.length === 0) throw noStores()
      const contacts = await ContactsFile.open(this.config.dataDir)
      const known = contacts.record.contacts.find((c) => c.sha256 === certificate.fingerprints.sha256)
      const record = known ?? contactRecordOf(contact, now)
      const planned = await planAddContact({
        contact,
        record,
        stores,
        password: dbPasswordSource(await givenDbPassword(flags['db-password-file']), interactive),
        contacts,
      })
      result.plan = describePlan(planned.plan)
      result.verdicts = planned.verdicts
      const nothingToDo = planned.plan.targets.every((t) => t.steps.length === 0 && !t.failure)
      let report: ApplyReport | null
      try {
        this.log('')
        if (nothingToDo) {
          this.log(`${style.ok('✔')} It is already in ${stores.length === 1 ? stores[0].ref.label : `all ${stores.length} stores`} that ${readersText([...new Set(stores.flatMap((s) => s.readers))])} read${stores.length === 1 && stores[0].readers.length === 1 ? 's' : ''}: nothing to change.`)
          for (const target of planned.plan.targets) for (const warning of target.warnings) this.log(`  ! ${warning}`)
          if (!result.dryRun && !known) await contacts.put(record.sha256, record)
          return result
        }
        this.log([style.heading('Plan:'), ...result.plan.map((line) => `  ${line}`)].join('\n'))
        report = await confirmAndApply(planned.plan, {
          dryRun: result.dryRun,
          interactive,
          log: (m) => this.log(m),
          logToStderr: (m) => this.logToStderr(m),
          runLog: this.runLog,
          journal: {
            // Known from the start, so that check and list know the correspondent even where it was already in a store.
            onTargetEnd: async () => {
              if (!contacts.record.contacts.some((c) => c.sha256 === record.sha256)) await contacts.put(record.sha256, record)
            },
          },
        })
      } finally {
        await Promise.all(planned.plan.targets.map((t) => t.close?.()))
        await planned.dispose()
      }
      if (!report) return result
      this.log('')
      this.log(renderReport(report, {steps: false}))
      result.applied = true
      result.targets = report.targets
      result.changed = anyChanged(report)
      this.setExitCode(exitCodeOf(report))
      if (exitCodeOf(report) === ExitCode.ok) this.log(`\nYour mail programs can now encrypt mail to ${certificate.emails.join(', ')}${planned.verdicts.some((v) => v.valid === false) ? ', once they trust its issuer (see above)' : ''}.`)
      return result
    } finally {
      await locked.release()
    }
  }
}

function noStores(): UserError {
  return new UserError('No mail program that mailcert knows keeps other people\'s certificates on this machine (for this user), so there is nowhere to import it to.', {
    code: 'no-mail-client',
    exitCode: ExitCode.notForSmime,
    hints: ['Start your mail program once (Thunderbird makes its certificate database then), and run this again.', 'Run `mailcert check` to see the mail programs mailcert finds.'],
  })
}
