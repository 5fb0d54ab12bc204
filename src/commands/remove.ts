import {Flags, type Interfaces} from '@oclif/core'

import {clientFlags, mailClients} from '../clients/index.js'
import {UsageError} from '../errors.js'
import {currentMachine} from '../system/platform.js'
import type {ApplyReport} from '../install/apply.js'
import type {JournalFile} from '../install/journal-file.js'
import {describePlan} from '../install/plan.js'
import {noneExpired, planRemove, requireSelection, withoutRemoved} from '../install/remove-service.js'
import {releasePlan} from '../install/install-service.js'
import {showApplied} from '../ui/show-applied.js'
import {MailcertCommand} from '../ui/base-command.js'
import {confirmAndApply} from '../ui/confirm-and-apply.js'
import {dbPasswordSource, givenDbPassword} from '../ui/db-password.js'
import {closeQuestion} from '../ui/guided/questions.js'
import {installFlags} from '../ui/install-flags.js'
import {askDeleteIdentity, chooseRemovals, removalChoices} from '../ui/guided/removal-choice.js'
import {runAsFlags} from '../ui/run-as-flags.js'
import {runAsGivenUser} from '../ui/run-as-user.js'
import {style} from '../ui/style.js'

export interface RemoveResult {
  dryRun: boolean
  applied: boolean
  plan: string[]
  targets: ApplyReport['targets']
  /** Whether anything on the machine changed. */
  changed: boolean
}

type RemoveFlags = Interfaces.InferredFlags<typeof Remove.flags>

export default class Remove extends MailcertCommand {
  static override summary = 'Undo what `mailcert install` did: for an account, a client, or everything.'

  static override description = `Puts each account's S/MIME settings back as they were before mailcert changed them (a setting someone changed since is left alone), using the record \`install\` keeps. With --delete-identity it also takes the certificates and private key mailcert added out of the certificate store, and the e-mail trust it gave a root, unless another account still uses them.

Removing the private key means mail encrypted to that certificate can no longer be read there: keep your .p12 file.

At a terminal it asks what to remove; with --yes (or without a terminal) pass --account, --client or --all.`

  static override examples = [
    {description: 'Choose what to undo:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'Stop using the certificate for one account:', command: '<%= config.bin %> <%= command.id %> --account alice@example.com --yes'},
    {description: 'After a renewal, take the expired certificate and its key away:', command: '<%= config.bin %> <%= command.id %> --expired --delete-identity --yes'},
    {description: 'Undo everything, certificates and keys included:', command: '<%= config.bin %> <%= command.id %> --all --delete-identity --yes'},
  ]

  static override flags = {
    account: Flags.string({summary: 'Undo for the account with this address (repeatable).', multiple: true, env: 'MAILCERT_ACCOUNT', delimiter: ','}),
    client: installFlags.client,
    all: Flags.boolean({summary: 'Undo everything mailcert set up for this user.', env: 'MAILCERT_ALL'}),
    expired: Flags.boolean({
      summary: 'Undo only what points at certificates that have expired.',
      description:
        'Accounts still set to an expired certificate mailcert installed are put back as they were; accounts renewed since keep their new certificate. With --delete-identity the expired certificates and their private keys go too: mail encrypted to them can then no longer be read. Nothing expired is not an error (exit 0), so fleets can run it on a schedule.',
      env: 'MAILCERT_EXPIRED',
    }),
    'delete-identity': Flags.boolean({
      summary: 'Also remove the certificates and private key mailcert added to the certificate databases.',
      description: 'Mail encrypted to this certificate can then no longer be read there, unless you install the .p12 again.',
      env: 'MAILCERT_DELETE_IDENTITY',
    }),
    yes: installFlags.yes,
    'dry-run': installFlags['dry-run'],
    'db-password-file': installFlags['db-password-file'],
    ...clientFlags,
    'lock-wait': installFlags['lock-wait'],
    ...runAsFlags,
  }

  async run(): Promise<RemoveResult> {
    const {flags} = await this.parse(Remove)
    await runAsGivenUser(currentMachine(this.config.home), flags)
    const interactive = this.canPrompt && !flags.yes
    requireSelection(flags, interactive)
    const locked = await this.lockUserState('remove', flags['lock-wait'])
    try {
      return await this.removeWithJournal(locked.journal, flags, interactive)
    } finally {
      await locked.release()
    }
  }

  private async removeWithJournal(journalFile: JournalFile, flags: RemoveFlags, interactive: boolean): Promise<RemoveResult> {
    const journal = journalFile.journal

    let accounts = flags.account ?? []
    const expiredAt = flags.expired ? new Date() : undefined
    if (interactive && !flags.all && !flags.expired && accounts.length === 0 && !flags.client) {
      if (journal.entries.length === 0) throw new UsageError('mailcert has not set up anything on this machine (for this user), so there is nothing to remove.')
      // When only certificates remain from earlier removals, there are no accounts to choose: all of it is meant.
      if (removalChoices(journal).length > 0) accounts = await chooseRemovals(journal)
    }
    const registry = await mailClients()
    const names = registry.filter((client) => journal.entries.some((entry) => entry.clients.includes(client.id))).map((client) => client.name)
    const deleteIdentity = flags['delete-identity'] || (interactive && !flags['dry-run'] ? await askDeleteIdentity(names) : false)
    const dbPasswordGiven = await givenDbPassword(flags['db-password-file'])

    const planned = await planRemove({
      journal,
      accounts,
      clients: flags.client ?? [],
      expiredAt,
      deleteIdentity,
      registry,
      context: {machine: currentMachine(this.config.home), flags},
      storePassword: dbPasswordSource(dbPasswordGiven, interactive),
      waitForClose: interactive ? closeQuestion() : undefined,
    })

    const result: RemoveResult = {dryRun: Boolean(flags['dry-run']), applied: false, plan: describePlan(planned.plan), targets: [], changed: false}
    if (expiredAt && planned.plan.targets.length === 0) {
      this.log(noneExpired(journal))
      return result
    }
    let report: ApplyReport | null
    try {
      this.log([style.heading('Plan:'), ...result.plan.map((line) => `  ${line}`)].join('\n'))
      report = await confirmAndApply(planned.plan, {
        dryRun: Boolean(flags['dry-run']),
        interactive,
        log: (m) => this.log(m),
        logToStderr: (m) => this.logToStderr(m),
        runLog: this.runLog,
        journal: {
          // Each store's part of the record goes as soon as that store is done, so that a run
          // stopped half-way leaves a record of exactly what is still to undo.
          onTargetEnd: async (target, targetReport) => {
            if (targetReport.status !== 'done' && targetReport.status !== 'unchanged') return
            const entries = planned.selected[planned.plan.targets.indexOf(target)]
            await journalFile.replace(withoutRemoved(journalFile.journal, entries.map((entry) => ({entry, certificatesRemoved: deleteIdentity}))))
          },
        },
      })
    } finally {
      await releasePlan(planned.plan)
      await planned.dispose()
    }
    if (!report) return result

    this.setExitCode(showApplied(report, result, (m) => this.log(m)))
    return result
  }
}
