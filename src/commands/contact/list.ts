import * as Flags from '@oclif/core/flags'

import {mailClients} from '../../clients/index.js'
import {contactPresence, findCorrespondentStores, type ListedContact, listedContacts} from '../../contacts/contact-service.js'
import {readContacts, contactsPath} from '../../contacts/contacts-record.js'
import {currentMachine} from '../../system/platform.js'
import {MailcertCommand} from '../../ui/base-command.js'
import {installFlags} from '../../ui/install-flags.js'
import {renderContactList} from '../../ui/render-contact.js'

export default class ContactList extends MailcertCommand {
  static override summary = 'List the correspondents\' certificates mailcert imported, with their expiry and where they are.'

  static override description = `One line per certificate that \`mailcert contact add\` imported for this user: whose it is, until when it is valid (those that expire within 30 days, or have expired, are marked), and in which of your mail programs' stores it is now. A certificate someone took out by hand since is shown as missing there; \`contact add\` puts it back.

Only the stores' certificates are read: no password is asked. Exit code 0.`

  static override examples = [
    {description: 'List them:', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'The addresses whose certificates have expired, for a script:', command: '<%= config.bin %> <%= command.id %> --json | jq -r \'.result.contacts[] | select(.expired) | .emails[]\''},
  ]

  static override flags = {
    client: installFlags.client,
    'no-stores': Flags.boolean({summary: 'List from mailcert\'s record only, without looking into the stores.', env: 'MAILCERT_NO_STORES'}),
  }

  async run(): Promise<{contacts: ListedContact[]}> {
    const {flags} = await this.parse(ContactList)
    const now = new Date()
    const contacts = (await readContacts(contactsPath(this.config.dataDir))).contacts
    const context = {machine: currentMachine(this.config.home), flags}
    const stores = flags['no-stores'] || contacts.length === 0 ? [] : await findCorrespondentStores(await mailClients(flags.client ?? []), context)
    const presence = await contactPresence(contacts, stores)
    const listed = listedContacts(contacts, presence, now)
    this.log(renderContactList(listed))
    return {contacts: listed}
  }
}
