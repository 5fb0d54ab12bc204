import {existsSync} from 'node:fs'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {mailClients} from '../../clients/index.js'
import {UsageError} from '../../errors.js'
import {readContactInput} from '../../contacts/contact-input.js'
import {findCorrespondentStores, planRemoveContacts, selectContacts} from '../../contacts/contact-service.js'
import {ContactsFile, type ContactRecord} from '../../contacts/contacts-record.js'
import {anyChanged, type ApplyReport, exitCodeOf} from '../../install/apply.js'
import {describePlan} from '../../install/plan.js'
import {readInputFile} from '../../system/input-file.js'
import {currentMachine} from '../../system/platform.js'
import {MailcertCommand} from '../../ui/base-command.js'
import {confirmAndApply} from '../../ui/confirm-and-apply.js'
import {contactChangeFlags} from '../../ui/contact-flags.js'
import {dbPasswordSource, givenDbPassword} from '../../ui/db-password.js'
import {askChoice} from '../../ui/prompts.js'
import {person} from '../../ui/render-contact.js'
import {renderReport} from '../../ui/render-install.js'
import {style} from '../../ui/style.js'

export interface ContactRemoveResult {
  /** The contacts taken out of mailcert's record, by SHA-256. */
  removed: Array<{name: string; emails: string[]; fingerprintSha256: string}>
  dryRun: boolean
  applied: boolean
  plan: string[]
  targets: ApplyReport['targets']
  changed: boolean
}

export default class ContactRemove extends MailcertCommand {
  static override summary = 'Take a correspondent\'s certificate out again: exactly what `contact add` put in.'

  static override description = `Name the correspondent by address, by the SHA-256 fingerprint (its first 8 hex digits or more, as \`contact list\` shows it), or by the file you imported; --expired takes every certificate that has expired, --all every one. Only what \`contact add\` added is taken out: a certificate that was in a store before stays there, and an issuer certificate another correspondent still needs stays for that one.

You can then no longer encrypt mail to that certificate there; mail you already sent is not affected.

At a terminal without a name it asks which; --yes (or no terminal) needs a name, --expired or --all.

Exit codes: 0 removed (or nothing to remove with --expired), 2 usage error (no such correspondent), 3 wrong primary password of a certificate database, 6 Thunderbird is running on a profile, 7 some stores done and some not, 9 a program mailcert drives failed.`

  static override examples = [
    {description: 'Take out Bob\'s certificate:', command: '<%= config.bin %> <%= command.id %> bob@example.com'},
    {description: 'Take out every expired one, on a schedule:', command: '<%= config.bin %> <%= command.id %> --expired --yes'},
  ]

  static override args = {
    // Standard input carries the answers of a script, never a name: oclif would read it for a missing argument.
    who: Args.string({ignoreStdin: true, description: 'The correspondent: an address, a SHA-256 fingerprint (8 hex digits or more), or the file you imported.'}),
  }

  static override flags = {
    expired: Flags.boolean({summary: 'Take out every correspondent\'s certificate that has expired.', env: 'MAILCERT_EXPIRED', exclusive: ['all']}),
    all: Flags.boolean({summary: 'Take out every correspondent\'s certificate mailcert imported.', env: 'MAILCERT_ALL', exclusive: ['expired']}),
    ...contactChangeFlags,
  }

  async run(): Promise<ContactRemoveResult> {
    const {args, flags} = await this.parse(ContactRemove)
    const interactive = this.canPrompt && !flags.yes
    if (args.who !== undefined && (flags.expired || flags.all)) throw new UsageError(`Name a correspondent, or pass ${flags.all ? '--all' : '--expired'}: not both.`)
    if (args.who === undefined && !flags.expired && !flags.all && !interactive) {
      throw new UsageError('Which correspondent? Name one (an address, a fingerprint or the file), or pass --expired or --all.', ['mailcert contact list', 'mailcert contact remove bob@example.com --yes'], 'no-selection')
    }
    const sha256 = args.who !== undefined && existsSync(args.who) ? readContactInput(await readInputFile(args.who)).certificate.fingerprints.sha256 : undefined
    const result: ContactRemoveResult = {removed: [], dryRun: Boolean(flags['dry-run']), applied: false, plan: [], targets: [], changed: false}

    const locked = await this.lockUserState('contact remove', flags['lock-wait'])
    try {
      const contacts = await ContactsFile.open(this.config.dataDir)
      const known = contacts.record.contacts
      const now = new Date()
      let removed: ContactRecord[]
      if (flags.all) removed = known
      else if (flags.expired) removed = selectContacts(known, {expiredAt: now})
      else if (args.who === undefined) removed = await this.choose(known)
      else removed = selectContacts(known, {match: args.who, sha256})
      if (removed.length === 0) {
        if (flags.expired || flags.all) {
          this.log(flags.all ? 'mailcert has imported no correspondent\'s certificate: nothing to remove.' : 'No correspondent\'s certificate mailcert imported has expired: nothing to remove.')
          return result
        }
        throw new UsageError(`mailcert imported no correspondent's certificate for ${args.who}.`, ['Run `mailcert contact list` to see the ones it did; a certificate it did not import is yours to take out in your mail program.'], 'no-such-contact')
      }
      result.removed = removed.map((c) => ({name: c.name, emails: c.emails, fingerprintSha256: c.sha256}))
      const stores = await findCorrespondentStores(await mailClients(flags.client ?? []), {machine: currentMachine(this.config.home), flags})
      const planned = await planRemoveContacts({removed, all: known, stores, password: dbPasswordSource(await givenDbPassword(flags['db-password-file']), interactive), contacts})
      result.plan = describePlan(planned.plan)
      this.log(`${style.heading('To remove:')} ${removed.map((c) => person(c.name, c.emails)).join(', ')}`)
      for (const label of planned.gone) this.log(`  ${label} is no longer here: nothing to take out of it.`)
      let report: ApplyReport | null = null
      const forget = async () => {
        // What is left of a contact is the stores whose removal failed: it stays recorded for those.
        for (const contact of removed) {
          const current = contacts.record.contacts.find((c) => c.sha256 === contact.sha256)
          const left = current?.stores.filter((s) => stores.some((store) => store.ref.kind === s.kind && store.ref.location === s.location)) ?? []
          if (current && left.every((s) => s.added.length === 0)) await contacts.put(contact.sha256, null)
        }
      }
      try {
        if (planned.plan.targets.every((t) => t.steps.length === 0 && !t.failure)) {
          this.log('mailcert added none of it to a store here (it was there already, or is gone): only its record is removed.')
          if (!result.dryRun) {
            await forget()
            result.applied = true
          }
          return result
        }
        this.log([style.heading('Plan:'), ...result.plan.map((line) => `  ${line}`)].join('\n'))
        report = await confirmAndApply(planned.plan, {dryRun: result.dryRun, interactive, log: (m) => this.log(m), logToStderr: (m) => this.logToStderr(m), runLog: this.runLog})
        if (report) await forget()
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
      return result
    } finally {
      await locked.release()
    }
  }

  private async choose(known: ContactRecord[]): Promise<ContactRecord[]> {
    if (known.length === 0) throw new UsageError('mailcert has imported no correspondent\'s certificate for this user, so there is nothing to remove.', [], 'no-such-contact')
    const sha = await askChoice(
      'Whose certificate should be taken out?',
      known.map((c) => ({name: `${person(c.name, c.emails)}, until ${c.notAfter.slice(0, 10)}`, value: c.sha256})),
    )
    return known.filter((c) => c.sha256 === sha)
  }
}
