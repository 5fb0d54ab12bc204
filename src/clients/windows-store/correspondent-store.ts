/**
 * The user's Windows stores as the one place classic and new Outlook both look up the people they
 * encrypt to: one ref for both, so that `mailcert contact` adds a certificate there once.
 */
import type {ContactStoreSession, CorrespondentStore} from '../../contacts/contact-store.js'
import {WINDOWS_STORE_KIND} from '../../stores/windows/windows-store.js'
import type {StoreRef} from '../../stores/store.js'

export function windowsAddressBookRef(): StoreRef {
  return {kind: WINDOWS_STORE_KIND, location: 'CurrentUser\\AddressBook', label: 'your Windows certificate store (Other People)'}
}

/** Outlook reads the store live, so it need not be closed for an add; the store has no password of its own. */
export function windowsCorrespondentStore(readers: string[]): CorrespondentStore {
  return {
    ref: windowsAddressBookRef(),
    readers,
    busy: null,
    async open(): Promise<ContactStoreSession> {
      // The Win32 side only once a contact command opens the store.
      const {WindowsContactSession} = await import('../../stores/windows/contact-store.js')
      return new WindowsContactSession()
    },
  }
}
