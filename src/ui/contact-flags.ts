import {installFlags} from './install-flags.js'

/** The flags every `contact` command that changes stores takes. */
export const contactChangeFlags = {
  yes: installFlags.yes,
  'dry-run': installFlags['dry-run'],
  'db-password-file': installFlags['db-password-file'],
  client: installFlags.client,
  'lock-wait': installFlags['lock-wait'],
}
