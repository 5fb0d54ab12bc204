import {Args, type Interfaces} from '@oclif/core'

import type {ClientContext, ClientSurvey, MailClient} from '../clients/client.js'
import {CLIENTS_HELP, mailClients, placesGiven} from '../clients/index.js'
import {UsageError} from '../errors.js'
import type {Certificate} from '../identity/certificate-types.js'
import {type CertificatePair, pairCertificates} from '../identity/certificate-pair.js'
import type {Identity} from '../identity/identity.js'
import {inspectIdentity} from '../identity/inspection.js'
import {anyChanged, type ApplyReport, exitCodeOf} from '../install/apply.js'
import {describeChoices, type FromStoreRequest, planFromStore, type PlannedFromStore, usableStoredIdentities} from '../install/from-store.js'
import {refuseUnusable} from '../identity/refuse-unusable.js'
import {type PlannedInstall, planInstall, releasePlan, requireMatchingAccount, surveyClients} from '../install/install-service.js'
import type {JournalFile} from '../install/journal-file.js'
import {storedAsIdentity} from '../install/stored-choice.js'
import {describePlan} from '../install/plan.js'
import {type ReplacedCertificate, replacedCertificates} from '../install/renewal.js'
import {currentMachine} from '../system/platform.js'
import {MailcertCommand} from '../ui/base-command.js'
import {confirmAndApply} from '../ui/confirm-and-apply.js'
import {dbPasswordSource, givenDbPassword} from '../ui/db-password.js'
import {renderCertificateSummary} from '../ui/guided/certificate-summary.js'
import {chooseFile} from '../ui/guided/file-choice.js'
import {nextSteps} from '../ui/guided/next-steps.js'
import {nothingToConfigure} from '../ui/guided/nothing-to-configure.js'
import {offerProfile} from '../ui/guided/profile-offer.js'
import {offerStoredIdentity} from '../ui/guided/store-offer.js'
import {askEncryptByDefault, askSignByDefault, closeQuestion} from '../ui/guided/questions.js'
import {chooseTargets, identityChoiceValue, targetChoices} from '../ui/guided/target-choice.js'
import {installFlags} from '../ui/install-flags.js'
import {keyAccessSource} from '../ui/key-access.js'
import {openIdentity, openSecondIdentity} from '../ui/open-identity.js'
import {offerSecondFile, renderPair} from '../ui/guided/pair-offer.js'
import {passwordFlags, secondPasswordFlags} from '../ui/password-flags.js'
import {askPassword, askTrustRoot} from '../ui/prompts.js'
import {renderPlan, renderRenewals, renderReport} from '../ui/render-install.js'
import {runAsFlags} from '../ui/run-as-flags.js'
import {runAsGivenUser} from '../ui/run-as-user.js'

export interface InstallResult {
  /** The certificate installed; with a separate pair, the signing one. */
  certificate: {emails: string[]; subject: string; fingerprintSha256: string}
  /** With a separate pair (`install SIGN.p12 ENC.p12`): the encryption certificate. */
  encryptionCertificate?: InstallResult['certificate']
  dryRun: boolean
  /** False when the plan was shown and the person said no. */
  applied: boolean
  /** Per client id, how it reached its certificate stores. */
  storeAccess: Record<string, string>
  plan: string[]
  targets: ApplyReport['targets']
  /** Whether anything on the machine changed (a re-run with the same file: false). */
  changed: boolean
  cancelled: boolean
  /** Renewals: per target, the certificate its accounts used before, which stays in the store with its key. */
  replaced: ReplacedCertificate[]
  /** With --from-store: per address, the certificate chosen from the store (null: none usable) and why. */
  fromStore?: Array<{email: string; store: string; chosen: InstallResult['certificate'] | null; why: string; passedOver: string[]}>
}

function certificateOf(certificate: Certificate): InstallResult['certificate'] {
  return {emails: certificate.emails, subject: certificate.subject.text, fingerprintSha256: certificate.fingerprints.sha256}
}

type InstallFlags = Interfaces.InferredFlags<typeof Install.flags>

/** One question per root, however many stores (profiles, the shared database) need it trusted. */
function oncePerRoot(ask: (root: Certificate) => Promise<boolean>): (root: Certificate) => Promise<boolean> {
  const answers = new Map<string, Promise<boolean>>()
  return (root) => {
    const key = root.fingerprints.sha256
    if (!answers.has(key)) answers.set(key, ask(root))
    return answers.get(key)!
  }
}

export default class Install extends MailcertCommand {
  static override summary = 'Install a certificate and set up every matching mail account to sign and decrypt with it.'

  static override description = `Imports the identity (private key, certificate and chain) from a PKCS#12 file into the certificate store each mail client reads, and sets every account whose address the certificate names to use it. A store that several clients read gets the identity once. Every settings file changed is backed up next to it.

${CLIENTS_HELP}

At a terminal, and when run as plain \`mailcert\`, it guides you. It first looks for the mail accounts it can set up, and says at once when there are none. Then it offers the certificate files it finds in Downloads, Desktop and Documents (or takes the path you type or paste; Tab completes it), asks for the password, shows who the certificate is for (and stops there if no account uses its address), lets you tick the accounts, asks about signing and encrypting by default, shows every change it will make and asks before making them. Each question a flag answers is not asked.

A certificate that cannot be used for S/MIME, or that no account found uses, is refused before anything changes (exit 5). So is one that the mail client itself would refuse (an untrusted or missing issuer): nothing is installed in that store, unless --keep-refused keeps the certificate there without setting any account to use it. A mail client must be closed where its settings change (at a terminal you are asked to close it; otherwise exit 6), and one mailcert at a time changes a user's certificates (a second one waits up to --lock-wait seconds, then exits 6). If one target fails, its changes are undone and the others go on (exit 7). Re-running with the same certificate changes nothing. A new certificate for an address that already has one (a renewal) takes the old one's place in every matching account; the plan and the report name the old one, whose key stays so that old encrypted mail still opens (see \`mailcert remove --expired\`). Each change is recorded before it is made, so that \`mailcert remove\` can undo it even after a run was killed half-way.

An authority that issues one certificate to sign and another to encrypt: give both files (in either order). Both are imported, and each client keeps them apart where it can (Thunderbird, Evolution, classic Outlook); Apple Mail, Outlook for Mac and new Outlook choose by address, which mailcert says. The guided installer, given one half, offers the other when it finds it beside the first.

With --yes (or without a terminal) nothing is asked: the password comes from --password-file, --password-stdin or MAILCERT_PASSWORD, and a private root is trusted only with --trust-root.`

  static override examples = [
    {description: 'Guided: pick the file, answer a few questions:', command: '<%= config.bin %>'},
    {description: 'Install a given file, asking only what is needed:', command: '<%= config.bin %> <%= command.id %> ~/Downloads/alice.p12'},
    {description: 'See what would change, without changing anything:', command: '<%= config.bin %> <%= command.id %> alice.p12 --dry-run'},
    {
      description: 'Unattended, as IT deploys it, with a JSON report:',
      command: 'MAILCERT_PASSWORD_FILE=/run/secrets/p12 <%= config.bin %> <%= command.id %> alice.p12 --yes --sign-by-default --json',
    },
    {description: 'A separate signing and encryption certificate (the same password for both):', command: '<%= config.bin %> <%= command.id %> alice-sign.p12 alice-encrypt.p12 --yes'},
    {description: 'Only one account, and a company root that must be trusted:', command: '<%= config.bin %> <%= command.id %> alice.p12 --account alice@example.com --trust-root --yes'},
  ]

  static override args = {
    // Standard input carries passwords (--password-stdin) and --user's hand-over, never a file name: oclif would read it for a missing argument.
    file: Args.string({ignoreStdin: true, description: 'The .p12 or .pfx file your certificate authority gave you. At a terminal it may be left out: mailcert offers the files it finds.'}),
    second: Args.string({
      ignoreStdin: true,
      description:
        'For an authority that issues one certificate to sign and another to encrypt: the other .p12 file, in either order (mailcert tells them apart by their key usage). Its password is taken to be the first file\'s unless --second-password-file gives another.',
    }),
  }

  static override flags = {...passwordFlags, ...secondPasswordFlags, ...installFlags, ...runAsFlags}

  async run(): Promise<InstallResult> {
    const {args, flags} = await this.parse(Install)
    await runAsGivenUser(currentMachine(this.config.home), flags, args.file, args.second)
    const interactive = this.canPrompt && !flags.yes
    const home = this.config.home
    const context: ClientContext = {machine: currentMachine(home), flags}
    const clients = await mailClients(flags.client ?? [])

    // The targets first: with nothing to set up, a person is told so before being asked anything.
    const surveys = await surveyClients(clients, context)
    if (interactive) {
      const nothing = nothingToConfigure(surveys, home)
      if (nothing) throw nothing
    }

    if (flags['from-store']) {
      if (args.file !== undefined) throw new UsageError(`--from-store uses the certificate already in the system store, so it takes no file (${args.file} was given).`, ['Leave out --from-store to install the file, or leave out the file.'])
      return this.installFromStore(flags, context, clients, surveys, interactive)
    }
    if (interactive && args.file === undefined && (await offerStoredIdentity(home, process.cwd(), async () => usableStoredIdentities(await this.fromStoreRequest(flags, context, clients, surveys, interactive), surveys)))) {
      return this.installFromStore(flags, context, clients, surveys, interactive)
    }
    const file = args.file ?? (interactive ? await chooseFile(home, process.cwd()) : undefined)
    if (file === undefined) throw new UsageError('Which certificate file? There is no terminal to ask.', ['Name it: mailcert install FILE --yes …'])
    let filePassword = ''
    const opened = await openIdentity(file, flags, {ask: interactive ? askPassword : undefined, onPassword: (password) => (filePassword = password)})
    if (interactive) this.log(`\n${renderCertificateSummary(inspectIdentity(opened.identity, opened, new Date()))}\n`)
    refuseUnusable(opened.identity, opened.protection !== null, new Date())

    // A separate encryption certificate: named, or (guided) found among the files beside the first.
    const second =
      args.second === undefined
        ? interactive
          ? await offerSecondFile(opened, filePassword, home, process.cwd())
          : null
        : await openSecondIdentity(args.second, flags, opened.protection === null ? undefined : filePassword, {ask: interactive ? askPassword : undefined})
    let pair: CertificatePair | null = null
    if (second) {
      if (interactive && args.second !== undefined) this.log(`${renderCertificateSummary(inspectIdentity(second.identity, second, new Date()))}\n`)
      refuseUnusable(second.identity, second.protection !== null, new Date())
      pair = pairCertificates(opened.identity, second.identity)
      this.log(renderPair(pair))
    }
    const identity = pair?.signing ?? opened.identity
    const encryptionIdentity = pair?.encryption

    if (interactive) requireMatchingAccount(identity, surveys, flags.account ?? [])
    let include: ((place: string, accountKey: string) => boolean) | undefined
    if (interactive && !flags.account && !placesGiven(flags)) {
      const groups = targetChoices(surveys.flatMap((survey) => survey.places), identity.certificate.emails)
      if (groups.some((group) => group.choices.some((choice) => choice.checked))) {
        const chosen = await chooseTargets(groups)
        include = (place, accountKey) => chosen.has(identityChoiceValue(place, accountKey))
      }
    }
    // Asked only where a client found here has such a setting (Apple Mail and Outlook for Mac have none).
    const askDefaults = interactive && surveys.some((survey) => survey.places.length > 0 && survey.client.setsSendDefaults)
    const signByDefault = flags['sign-by-default'] ?? (askDefaults ? await askSignByDefault() : undefined)
    const encryptByDefault = flags['encrypt-by-default'] ?? (askDefaults ? await askEncryptByDefault() : undefined)
    const dbPasswordGiven = await givenDbPassword(flags['db-password-file'])

    const locked = await this.lockUserState('install', flags['lock-wait'])
    try {
      const result = await this.planAndApply(locked.journal, clients, async () => ({identity, encryptionIdentity, planned: await planInstall({
        identity,
        encryptionIdentity,
        accounts: flags.account ?? [],
        clients,
        context,
        // A person may take minutes over the questions: look at the clients (and whether they run) again then.
        surveys: interactive ? undefined : surveys,
        include: include ? (place, key) => include(place.location, key) : undefined,
        signByDefault,
        encryptByDefault,
        keepRefused: flags['keep-refused'],
        trustRoot: oncePerRoot(async (root) => flags['trust-root'] || (interactive && !flags['dry-run'] ? askTrustRoot(root) : false)),
        storePassword: dbPasswordSource(dbPasswordGiven, interactive),
        keyAccess: keyAccessSource({grant: flags['grant-key-access'], flags, interactive, dryRun: Boolean(flags['dry-run'])}),
        waitForClose: interactive ? closeQuestion() : undefined,
        fromPkcs12: opened.protection !== null,
      })}), {dryRun: Boolean(flags['dry-run']), interactive})
      // A configuration profile carries one identity: for a pair it is not offered.
      if (interactive && !pair && result.applied && !result.cancelled && Number(process.exitCode ?? 0) === 0) await offerProfile(context.machine, identity, {file, password: filePassword}, (m) => this.log(m))
      return result
    } finally {
      await locked.release()
    }
  }

  /** `--from-store`: the same questions and plan, for the certificates the system store already holds. */
  private async installFromStore(flags: InstallFlags, context: ClientContext, clients: MailClient[], surveys: ClientSurvey[], interactive: boolean): Promise<InstallResult> {
    const askDefaults = interactive && surveys.some((survey) => survey.places.length > 0 && survey.client.setsSendDefaults)
    const signByDefault = flags['sign-by-default'] ?? (askDefaults ? await askSignByDefault() : undefined)
    const encryptByDefault = flags['encrypt-by-default'] ?? (askDefaults ? await askEncryptByDefault() : undefined)
    const request = {...(await this.fromStoreRequest(flags, context, clients, surveys, interactive)), signByDefault, encryptByDefault}
    const locked = await this.lockUserState('install', flags['lock-wait'])
    try {
      let chosen: PlannedFromStore | undefined
      const plan = async () => {
        chosen = await planFromStore(request)
        for (const line of describeChoices(chosen.choices)) this.log(`Chosen for ${line}.`)
        return {planned: chosen, identity: storedAsIdentity({certificate: chosen.certificates[0]!, name: '', hasKey: true})}
      }
      const result = await this.planAndApply(locked.journal, clients, plan, {dryRun: Boolean(flags['dry-run']), interactive})
      result.fromStore = chosen!.choices.map((c) => ({email: c.email, store: c.store.location, chosen: c.chosen ? certificateOf(c.chosen.certificate) : null, why: c.why, passedOver: c.passedOver}))
      return result
    } finally {
      await locked.release()
    }
  }

  private async fromStoreRequest(flags: InstallFlags, context: ClientContext, clients: MailClient[], surveys: ClientSurvey[], interactive: boolean): Promise<FromStoreRequest> {
    return {
      accounts: flags.account ?? [],
      clients,
      context,
      // A person may take minutes over the questions: look at the clients (and whether they run) again then.
      surveys: interactive ? undefined : surveys,
      keepRefused: false,
      trustRoot: async () => false,
      storePassword: dbPasswordSource(await givenDbPassword(flags['db-password-file']), interactive),
      keyAccess: keyAccessSource({grant: flags['grant-key-access'], flags, interactive, dryRun: Boolean(flags['dry-run'])}),
      waitForClose: interactive ? closeQuestion() : undefined,
    }
  }

  private async planAndApply(
    journal: JournalFile,
    clients: MailClient[],
    plan: () => Promise<{planned: PlannedInstall; identity: Identity; encryptionIdentity?: Identity}>,
    how: {dryRun: boolean; interactive: boolean},
  ): Promise<InstallResult> {
    const {planned, identity, encryptionIdentity} = await plan()

    const result: InstallResult = {
      certificate: certificateOf(identity.certificate),
      ...(encryptionIdentity ? {encryptionCertificate: certificateOf(encryptionIdentity.certificate)} : {}),
      dryRun: how.dryRun,
      applied: false,
      storeAccess: planned.storeAccess,
      plan: describePlan(planned.plan),
      targets: [],
      changed: false,
      cancelled: false,
      replaced: replacedCertificates(journal.journal, planned.plan, identity.certificate.fingerprints.sha256),
    }

    let report: ApplyReport | null
    try {
      this.log(renderPlan(identity, planned.plan, result.replaced))
      report = await confirmAndApply(planned.plan, {
        ...how,
        log: (m) => this.log(m),
        logToStderr: (m) => this.logToStderr(m),
        runLog: this.runLog,
        journal: {recorder: (target) => journal.recorderFor(target.recordAs!)},
      })
    } finally {
      await releasePlan(planned.plan)
      await planned.dispose()
    }
    if (!report) return result

    this.log('')
    this.log(renderReport(report, {steps: false}))
    // A target that failed was rolled back: its accounts still use the old certificate.
    result.replaced = result.replaced.filter((replaced) => report.targets.some((target) => target.location === replaced.location && target.status === 'done'))
    if (result.replaced.length > 0) this.log(`\n${renderRenewals(result.replaced)}`)
    const steps = nextSteps(report, clients)
    if (steps.length > 0) this.log(`\n${steps.join('\n')}`)
    result.applied = true
    result.targets = report.targets
    result.changed = anyChanged(report)
    result.cancelled = report.cancelled
    this.setExitCode(exitCodeOf(report))
    return result
  }
}
