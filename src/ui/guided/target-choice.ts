/**
 * Step 4 of the guided installer: where the certificate goes. Every place (a profile) of every
 * mail client found, with its accounts: those whose address is the certificate's are ticked, the
 * others are shown greyed out with the reason, so the person sees that nothing was missed.
 */
import type {ClientPlace} from '../../clients/client.js'
import {sameAddress} from '../../identity/same-address.js'

export interface TargetChoice {
  name: string
  value: string
  checked?: boolean
  disabled?: string | boolean
}

export interface ChoiceGroup {
  title: string
  choices: TargetChoice[]
}

export function identityChoiceValue(place: string, accountKey: string): string {
  return `${place}\n${accountKey}`
}

export function targetChoices(places: ClientPlace[], certificateEmails: string[]): ChoiceGroup[] {
  return places
    .filter((place) => place.accounts !== null || place.unreadable !== null)
    .map((place) => {
      if (place.accounts === null) return {title: place.title, choices: [{name: 'cannot read its settings', value: place.location, disabled: place.unreadable?.problem ?? true}]}
      if (place.unusable !== null) return {title: place.title, choices: [{name: place.unusable, value: place.location, disabled: true}]}
      // The client's accounts cannot be listed: offer the certificate's own addresses.
      if (place.takesCertificateAddresses) return {title: place.title, choices: certificateEmails.map((email) => ({name: email, value: identityChoiceValue(place.location, email), checked: true}))}
      const accounts = place.accounts.filter((account) => account.email !== null)
      if (accounts.length === 0) return {title: place.title, choices: [{name: 'no mail accounts', value: place.location, disabled: true}]}
      return {
        title: place.title,
        choices: accounts.map((account) => {
          const label = `${account.email}${account.name ? ` (${account.name})` : ''}`
          const value = identityChoiceValue(place.location, account.key)
          return certificateEmails.some((email) => sameAddress(email, account.email!))
            ? {name: label, value, checked: true}
            : {name: label, value, disabled: 'the certificate is not for this address'}
        }),
      }
    })
}

export async function chooseTargets(groups: ChoiceGroup[]): Promise<Set<string>> {
  const {checkbox, Separator} = await import('@inquirer/prompts')
  const chosen = await checkbox<string>({
    message: 'Set up these accounts? (Space to tick or untick, Enter to go on)',
    choices: groups.flatMap((group) => [new Separator(group.title), ...group.choices]),
    pageSize: 15,
    required: true,
  })
  return new Set(chosen)
}
