import {resolve} from 'node:path'

import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {ExitCode, UsageError, UserError} from '../errors.js'
import type {Identity} from '../identity/identity.js'
import {WrongPassword} from '../identity/input.js'
import {refuseUnusable} from '../identity/refuse-unusable.js'
import {defaultProfileFileName, isProfileIdentifier, personLabel, rootOf} from '../profiles/mobileconfig.js'
import {profilePasswordFor, profilePasswordProblem, type ProfilePasswordSource} from '../profiles/profile-password.js'
import {writeMobileconfig, type WrittenMobileconfig} from '../profiles/write-mobileconfig.js'
import {readSecretFile} from '../system/secret-input.js'
import {MailcertCommand} from '../ui/base-command.js'
import {openIdentity} from '../ui/open-identity.js'
import {passwordFlags} from '../ui/password-flags.js'
import {askPassword} from '../ui/prompts.js'
import {style, table} from '../ui/style.js'

export interface ProfileResult extends WrittenMobileconfig {
  certificate: {emails: string[]; subject: string; fingerprintSha256: string}
  passwordSource: ProfilePasswordSource
}

const PROMPT_TRIES = 3

const SETTINGS_PANE = 'x-apple.systempreferences:com.apple.Profiles-Settings.extension'

function quoted(path: string): string {
  return `"${path.replace(/(["\\$`])/g, '\\$1')}"`
}

export default class Profile extends MailcertCommand {
  static override summary = 'Write a macOS configuration profile (.mobileconfig) that installs the certificate, for a Mac or an MDM.'

  static override description = `Reads the PKCS#12 file as \`install\` does and writes a configuration profile with:
  • the certificate, its private key and chain (com.apple.security.pkcs12), re-encoded the way every macOS reads it (3DES, SHA-1 MAC);
  • one identity preference per address of the certificate (com.apple.security.identitypreference), so that Mail picks this certificate for that address when there are several;
  • with --trust-root, the private root the file holds (com.apple.security.root).
It is a user profile (PayloadScope User, for Macs only): the identity goes into the login keychain of whoever installs it.

The profile holds no password unless --include-password: macOS then asks for it when installing (Apple's documentation implies so; UNCONFIRMED on a Mac). It is the password of the .p12 file unless you choose another. macOS's own tools read such passwords as ASCII (\`security import\` does), so a password with other characters, or none, is replaced: at a terminal you choose one, in a script you pass --profile-password-file, or --include-password puts a generated one into the file. With --include-password nobody is asked, and anyone who gets the file can install your key and sign as you: keep it like the .p12.

The profile's identifier comes from the first address (mailcert.smime.com.example.alice for alice@example.com), so the profile of a renewed certificate replaces the earlier one; macOS then probably removes the old certificate with it (UNCONFIRMED). Keep the old .p12, or give the new profile another --identifier, to go on reading mail encrypted to the old one. Its UUIDs come from the certificate: the same certificate always gives the same UUIDs.

The file is written with mode 0600 (it holds a private key), and an existing file is replaced only with --force. --sign-with signs it (CMS, DER) so that macOS shows who made it instead of "Unsigned".

Exit codes: 0 written, 2 usage error (the file exists, no password without a terminal), 3 wrong password, 4 not a readable file, 5 not usable for S/MIME.`

  static override examples = [
    {description: 'Write alice@example.com.mobileconfig here (asks for the password):', command: '<%= config.bin %> <%= command.id %> ~/Downloads/alice.p12'},
    {description: 'Name the file, and trust the company root it holds:', command: '<%= config.bin %> <%= command.id %> alice.p12 --out alice.mobileconfig --trust-root'},
    {
      description: 'For an MDM, unattended, the password inside, signed by the organisation:',
      command:
        'MAILCERT_PASSWORD_FILE=pw.txt MAILCERT_SIGN_WITH_PASSWORD_FILE=signer-pw.txt <%= config.bin %> <%= command.id %> alice.p12 --out alice.mobileconfig --include-password --sign-with signer.p12 --organization "Example GmbH" --json',
    },
  ]

  static override args = {
    file: Args.string({description: 'The .p12 or .pfx file your certificate authority gave you.', required: true}),
  }

  static override flags = {
    ...passwordFlags,
    out: Flags.string({
      char: 'o',
      summary: 'Write the profile to this file. Default: ADDRESS.mobileconfig in the current folder.',
      env: 'MAILCERT_OUT',
    }),
    force: Flags.boolean({
      char: 'f',
      summary: 'Replace the file named by --out if it exists.',
      env: 'MAILCERT_FORCE',
    }),
    'include-password': Flags.boolean({
      summary: 'Put the password into the profile, so that installing it asks for none (as with an MDM, where no one is there to type it).',
      description:
        'Unless --profile-password-file names one, the password is a new random one, not yours. Anyone who has the file can then install the private key and sign mail as you: send it only where it is safe, and delete it once installed.',
      env: 'MAILCERT_INCLUDE_PASSWORD',
    }),
    'profile-password-file': Flags.file({
      summary: 'Read the password for the profile\'s certificate from this file (default: the .p12 file\'s own password).',
      description: 'Printable ASCII only, as macOS\'s own tools read such passwords as ASCII. MAILCERT_PROFILE_PASSWORD works too.',
      env: 'MAILCERT_PROFILE_PASSWORD_FILE',
      helpGroup: 'PASSWORD',
    }),
    'trust-root': Flags.boolean({
      summary: 'Also make macOS trust the private root that the file holds (com.apple.security.root).',
      description: 'For a company or private certificate authority that macOS does not know. Whoever installs the profile then trusts every certificate that root issues. Without a self-signed root in the file, there is nothing to add (a warning says so).',
      env: 'MAILCERT_TRUST_ROOT',
    }),
    identifier: Flags.string({
      summary: 'The profile\'s PayloadIdentifier (reverse-DNS style). Default: from the first address, mailcert.smime.com.example.alice.',
      description: 'A profile replaces an installed one with the same identifier. Letters, digits and hyphens in dot-separated parts.',
      env: 'MAILCERT_PROFILE_IDENTIFIER',
    }),
    organization: Flags.string({
      summary: 'The organisation the profile names as its maker (PayloadOrganization). Default: the certificate\'s organisation, if any.',
      env: 'MAILCERT_ORGANIZATION',
    }),
    'sign-with': Flags.file({
      summary: 'Sign the profile with the identity in this .p12 file (RSA or EC key).',
      description: 'The profile becomes CMS SignedData (DER) with the signer\'s certificate chain, which macOS verifies when installing. Its password comes from --sign-with-password-file, MAILCERT_SIGN_WITH_PASSWORD, or a prompt.',
      env: 'MAILCERT_SIGN_WITH',
      exists: true,
    }),
    'sign-with-password-file': Flags.file({
      summary: 'Read the password of the --sign-with file from this file.',
      env: 'MAILCERT_SIGN_WITH_PASSWORD_FILE',
      dependsOn: ['sign-with'],
      helpGroup: 'PASSWORD',
    }),
  }

  async run(): Promise<ProfileResult> {
    const {args, flags} = await this.parse(Profile)
    if (flags.identifier !== undefined && !isProfileIdentifier(flags.identifier)) {
      throw new UsageError(`--identifier ${JSON.stringify(flags.identifier)} is not reverse-DNS style.`, ['Use letters, digits and hyphens in dot-separated parts, for example com.example.smime.alice.'])
    }
    const ask = this.canPrompt ? askPassword : undefined

    let filePassword = ''
    const opened = await openIdentity(args.file, flags, {ask, onPassword: (password) => (filePassword = password)})
    const identity = opened.identity
    const noKeyUsage = refuseUnusable(identity, opened.protection !== null, new Date(), 'no profile was written').find((f) => f.code === 'no-key-usage')
    if (noKeyUsage) this.note(noKeyUsage.message)

    const {password, source} = await this.profilePassword(filePassword, flags['profile-password-file'], flags['include-password'])
    const signer = flags['sign-with'] ? await this.openSigner(flags['sign-with'], flags['sign-with-password-file']) : undefined

    if (flags['trust-root'] && rootOf(identity) === null) {
      this.note('--trust-root: the file holds no self-signed root, so the profile trusts none. A certificate from a public authority needs none.')
    }
    const path = resolve(flags.out ?? defaultProfileFileName(identity.certificate))
    const written = await writeMobileconfig(identity, password, {
      path,
      force: flags.force,
      includePassword: flags['include-password'],
      trustRoot: flags['trust-root'],
      identifier: flags.identifier,
      organization: flags.organization,
      signer,
    })
    if (written.passwordIncluded) {
      this.note(`${path} holds the private key and its password: anyone who gets a copy can install the key and sign mail as ${identity.certificate.emails.join(', ')}. Only your user can read it (mode 0600); send it only over a channel you trust, and delete it once it is installed.`)
    }

    this.log(this.render(written, identity, source))
    return {
      ...written,
      certificate: {emails: identity.certificate.emails, subject: identity.certificate.subject.text, fingerprintSha256: identity.certificate.fingerprints.sha256},
      passwordSource: source,
    }
  }

  /** The password the installer will ask for: the file's own, unless macOS might not take it or another was asked for. */
  private async profilePassword(filePassword: string, file: string | undefined, include: boolean): Promise<{password: string; source: ProfilePasswordSource}> {
    const given = file !== undefined ? await readSecretFile(file, '--profile-password-file') : process.env.MAILCERT_PROFILE_PASSWORD
    const choice = profilePasswordFor(filePassword, {given, includePassword: include})
    if ('password' in choice) return choice

    const why =
      choice.problem === 'empty'
        ? 'The file has no password, and macOS handles a PKCS#12 without one erratically'
        : 'The file\'s password has characters beyond ASCII, which macOS may not take when installing the profile (its tools read such passwords as ASCII)'
    if (!this.canPrompt) {
      throw new UsageError(`${why}.`, [
        'Choose a password for the profile: --profile-password-file FILE (printable ASCII), or MAILCERT_PROFILE_PASSWORD.',
        'Or --include-password, to put a generated password into the profile.',
      ], 'profile-password-required')
    }
    this.logToStderr(`${why}: choose a password for the profile (printable ASCII). You give it when installing.`)
    for (let attempt = 1; attempt <= PROMPT_TRIES; attempt++) {
      const chosen = await askPassword('Password for the profile:')
      if (profilePasswordProblem(chosen) !== null) {
        this.logToStderr('Use printable ASCII characters only (letters, digits, punctuation, spaces), and at least one.')
        continue
      }
      if ((await askPassword('The same password again:')) === chosen) return {password: chosen, source: 'chosen'}
      this.logToStderr('The two did not match.')
    }
    throw new UsageError('No password for the profile was chosen.', ['Run again, or pass --profile-password-file.'], 'profile-password-required')
  }

  private async openSigner(path: string, passwordFile: string | undefined): Promise<Identity> {
    try {
      const opened = await openIdentity(path, {'password-file': passwordFile}, {
        ask: this.canPrompt ? askPassword : undefined,
        env: {MAILCERT_PASSWORD: process.env.MAILCERT_SIGN_WITH_PASSWORD},
      })
      return opened.identity
    } catch (error) {
      const hints = ['Pass the password of the signing file with --sign-with-password-file FILE or MAILCERT_SIGN_WITH_PASSWORD.']
      if (error instanceof WrongPassword) throw new UserError(`The password of the signing file ${path} is wrong.`, {code: 'wrong-password', exitCode: ExitCode.wrongPassword, hints})
      if (error instanceof UserError && error.code === 'password-required') throw new UsageError(`The signing file ${path} is protected by a password, and none was given.`, hints, 'password-required')
      throw error
    }
  }

  private render(written: WrittenMobileconfig, identity: Identity, source: ProfilePasswordSource): string {
    const file = written.path
    const passwordLine: Record<ProfilePasswordSource, string> = {
      'same-as-file': 'not in the profile: give it when installing (the password of the .p12 file)',
      'profile-password': 'not in the profile: give it when installing (the one from --profile-password-file)',
      chosen: 'not in the profile: give it when installing (the one you just chose)',
      generated: 'generated',
    }
    const payloads = written.payloads.map((p) =>
      p.type === 'com.apple.security.pkcs12' ? 'certificate, private key and chain (3DES and a SHA-1 MAC, the encoding every macOS reads)' : p.address ? `identity preference for ${p.address}` : `trusted root: ${p.displayName}`,
    )
    const rows: Array<[string, string | string[]]> = [
      ['For', personLabel(identity.certificate)],
      ['Identifier', `${written.identifier} (a profile with the same identifier replaces this one)`],
      ['Contents', payloads],
      ['Password', written.passwordIncluded ? 'in the profile: installing it asks for none' : passwordLine[source]],
      ['Signed', written.signer ? `by ${written.signer.subject}` : 'no: macOS shows it as unsigned (--sign-with signs it)'],
    ]
    const passwords = written.passwordIncluded ? 'your Mac password' : 'the profile\'s password (UNCONFIRMED that macOS asks here) and your Mac password'
    return [
      `${style.ok('✔')} Wrote ${file} (mode 0600: it holds a private key).`,
      table(rows),
      '',
      style.heading('To install it on a Mac (macOS 13 Ventura or later):'),
      `  1. Double-click the file, or run: open ${quoted(file)}`,
      '     macOS only registers it ("Profile downloaded"); nothing is installed yet.',
      '  2. Open System Settings > Privacy & Security > Profiles. On macOS 15 Sequoia it may be under',
      '     General > Device Management instead (UNCONFIRMED). Or run:',
      `     open ${quoted(SETTINGS_PANE)}`,
      `  3. Double-click "${written.displayName}", click Install, and enter ${passwords} when asked.`,
      '  4. Quit and reopen Mail (it may not show the sign and encrypt buttons before; UNCONFIRMED). Mail has no setting',
      '     to sign every message: use the buttons in each new message.',
      '  The `profiles` command cannot install profiles since macOS 11; a person must approve it as above.',
      '',
      style.heading('To deploy it with an MDM (Jamf Pro, Intune, Kandji, …):'),
      '  Upload the file as a custom configuration profile for the user (user channel or user-level scope):',
      '  identity preferences work only in a user profile.',
      written.passwordIncluded
        ? '  The password is inside, so nobody is asked.'
        : '  Nobody is there to type the password: make the profile with --include-password, or upload the .p12 to the MDM\'s own certificate payload instead.',
    ].join('\n')
  }
}
