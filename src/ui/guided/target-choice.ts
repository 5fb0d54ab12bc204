/**
 * Step 4 of the guided installer: where the certificate goes. Every profile and identity found;
 * those whose address is the certificate's are ticked, the others are shown greyed out with the
 * reason, so the person sees that nothing was missed.
 */
import type {ThunderbirdProfile} from '../../clients/thunderbird/discovery.js'
import {identityMatches} from '../../clients/thunderbird/identity-settings.js'

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

export function identityChoiceValue(profileDir: string, identityKey: string): string {
  return `${profileDir}\n${identityKey}`
}

function profileTitle(profile: ThunderbirdProfile): string {
  const version = profile.version ? `, Thunderbird ${profile.version}` : ''
  const running = profile.lock.busy ? ', running now' : ''
  return `Thunderbird profile "${profile.name}" (${profile.dir}${version}${running})`
}

export function targetChoices(profiles: ThunderbirdProfile[], certificateEmails: string[]): ChoiceGroup[] {
  return profiles
    .filter((profile) => profile.prefsState !== 'missing')
    .map((profile) => {
      if (profile.accounts === null) return {title: profileTitle(profile), choices: [{name: 'cannot read its settings', value: profile.dir, disabled: profile.prefsProblem ?? true}]}
      if (profile.database === 'none') return {title: profileTitle(profile), choices: [{name: 'no certificate database yet', value: profile.dir, disabled: 'start Thunderbird once first'}]}
      const identities = profile.accounts.identities.filter((identity) => identity.email !== null)
      if (identities.length === 0) return {title: profileTitle(profile), choices: [{name: 'no mail accounts', value: profile.dir, disabled: true}]}
      return {
        title: profileTitle(profile),
        choices: identities.map((identity) => {
          const label = `${identity.email}${identity.fullName ? ` (${identity.fullName})` : ''}`
          const matches = identityMatches(identity, certificateEmails)
          return matches
            ? {name: label, value: identityChoiceValue(profile.dir, identity.key), checked: true}
            : {name: label, value: identityChoiceValue(profile.dir, identity.key), disabled: 'the certificate is not for this address'}
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
