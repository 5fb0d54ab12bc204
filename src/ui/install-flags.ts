import {Flags} from '@oclif/core'

import {clientFlags, CLIENT_IDS} from '../clients/index.js'

/** The flags that say where and how to install; shared by `install` and the guided installer. Each client adds its own. */
export const installFlags = {
  ...clientFlags,
  yes: Flags.boolean({
    char: 'y',
    summary: 'Do not ask anything: take every answer from flags and environment variables.',
    description: 'What would have been asked and was not answered by a flag is a usage error (exit 2) that names the flag. Implied when standard input is not a terminal.',
    env: 'MAILCERT_YES',
  }),
  client: Flags.option({
    summary: 'Configure only this mail client (repeatable). Default: every client found.',
    options: CLIENT_IDS,
    multiple: true,
    env: 'MAILCERT_CLIENT',
    delimiter: ',',
  })(),
  account: Flags.string({
    summary: 'Configure only the account with this address (repeatable). Default: every account whose address the certificate names.',
    multiple: true,
    env: 'MAILCERT_ACCOUNT',
    delimiter: ',',
  }),
  'from-store': Flags.boolean({
    summary: 'Use the certificate already in the system store (delivered by MDM, SCEP or a Jamf profile) instead of a file, and set up the clients that read that store.',
    description: 'For each account address mailcert picks the newest certificate in the store that has its private key, is valid now and is allowed for e-mail, and says which one and why; nothing is imported, and `mailcert remove --delete-identity` leaves it in the store. The system store is the Windows certificate store (Outlook, new Outlook), the login keychain (Apple Mail, Outlook for Mac) or the shared NSS database ~/.pki/nssdb (Evolution). Thunderbird keeps its own certificate database and is skipped: give it the .p12 file. With no usable certificate in the store: exit 5. Cannot be combined with FILE.',
    env: 'MAILCERT_FROM_STORE',
  }),
  'trust-root': Flags.boolean({
    summary: 'Trust the certificate\'s private root to vouch for e-mail certificates, without asking.',
    description: 'Needed when your certificate comes from a company or private certificate authority that mail clients do not know. Trusting a root means accepting every e-mail certificate it issues: do it only for an authority you trust. Public authorities need nothing.',
    env: 'MAILCERT_TRUST_ROOT',
  }),
  'sign-by-default': Flags.boolean({
    summary: 'Sign every outgoing message by default (--no-sign-by-default turns it off). Default: leave the setting as it is.',
    allowNo: true,
    env: 'MAILCERT_SIGN_BY_DEFAULT',
  }),
  'encrypt-by-default': Flags.boolean({
    summary: 'Require encryption by default (--no-encrypt-by-default turns it off). Default: leave the setting as it is.',
    description: 'Encrypting needs the certificate of every recipient; they get yours from your first signed message. Turn this on only when your correspondents already have S/MIME.',
    allowNo: true,
    env: 'MAILCERT_ENCRYPT_BY_DEFAULT',
  }),
  'dry-run': Flags.boolean({
    summary: 'Show the plan and change nothing.',
    env: 'MAILCERT_DRY_RUN',
  }),
  'grant-key-access': Flags.boolean({
    summary: 'Let the mail programs use the new key without asking for your keychain password once each (macOS).',
    description: 'A key that mailcert puts into the macOS login keychain is, to macOS, one that a command-line tool made: Apple Mail and Outlook each ask for your keychain password once, the first time they sign or decrypt with it. With this flag (or your yes at the question) mailcert allows them at install time; it needs your keychain password (--keychain-password-file or MAILCERT_KEYCHAIN_PASSWORD; at a terminal you are asked). --no-grant-key-access leaves the prompts.',
    allowNo: true,
    env: 'MAILCERT_GRANT_KEY_ACCESS',
  }),
  'db-password-file': Flags.file({
    summary: 'Read the primary password of the certificate databases from this file.',
    description: 'Only databases protected by a Primary Password (set in the mail client\'s settings) need it. MAILCERT_DB_PASSWORD works too.',
    env: 'MAILCERT_DB_PASSWORD_FILE',
    helpGroup: 'PASSWORD',
  }),
  'keep-refused': Flags.boolean({
    summary: 'Keep the certificate in the store even when the mail client refuses it; no account is set to use it.',
    description: 'Without it, a certificate the mail client would not sign or decrypt with (an untrusted or missing issuer, a key usage that allows neither) is not installed at all (exit 5). With it the certificate is imported and checked, the accounts are left as they are, and the run still exits 5 (7 when other targets worked), so that you can fix the chain and run mailcert again.',
    env: 'MAILCERT_KEEP_REFUSED',
  }),
  'lock-wait': Flags.integer({
    summary: 'Seconds to wait for another mailcert that is changing this user\'s certificates to finish.',
    description: 'One mailcert at a time changes a user\'s stores and mail clients. After this long, mailcert gives up with exit 6 and changes nothing.',
    default: 60,
    min: 0,
    env: 'MAILCERT_LOCK_WAIT',
  }),
}
