/**
 * Thunderbird as install, check and remove see it: its profiles (those listed in profiles.ini, or
 * the folders given with --profile) as places with accounts, each reading its own NSS database.
 */
import path from 'node:path'

import {UsageError} from '../../errors.js'
import {NSS_STORE_KIND} from '../../stores/nss/nss-store.js'
import type {StoreRef} from '../../stores/store.js'
import type {Machine} from '../../system/platform.js'
import type {ClientPlace, ClientSurvey, MailClient} from '../client.js'
import {describeProfile, discoverProfiles, type ThunderbirdProfile} from './discovery.js'
import {thunderbirdFor} from './nss-driver-choice.js'
import {profileRoots} from './profile-roots.js'

export interface ThunderbirdSurvey extends ClientSurvey {
  profiles: ThunderbirdProfile[]
}

export function profileLabel(profile: ThunderbirdProfile): string {
  return `Thunderbird profile "${profile.name}"${profile.root.packaging === 'standard' ? '' : ` (${profile.root.packaging})`}`
}

/** A profile's own NSS database, as a store. */
export function profileStoreRef(profile: Pick<ThunderbirdProfile, 'name' | 'dir' | 'root'>): StoreRef {
  return {kind: NSS_STORE_KIND, location: profile.dir, label: profileLabel(profile as ThunderbirdProfile)}
}

export function databaseFile(profile: ThunderbirdProfile): string {
  return path.join(profile.dir, profile.database === 'dbm' ? 'cert8.db' : 'cert9.db')
}

/** Why nothing can be set up in this profile now (besides having no account), or null. */
function unusableReason(profile: ThunderbirdProfile): string | null {
  if (profile.prefsState === 'missing') return 'Thunderbird has never run with it'
  if (profile.accounts === null) return profile.prefsProblem ?? 'its settings (prefs.js) cannot be read'
  if (profile.database === 'none') return 'it has no certificate database yet (start Thunderbird once with it)'
  return null
}

export function placeOf(profile: ThunderbirdProfile): ClientPlace {
  const version = profile.version ? `, Thunderbird ${profile.version}` : ''
  const running = profile.lock.busy ? ', running now' : ''
  return {
    client: 'thunderbird',
    clientName: 'Thunderbird',
    name: profile.name,
    noun: 'profile',
    location: profile.dir,
    label: profileLabel(profile),
    title: `Thunderbird profile "${profile.name}" (${profile.dir}${version}${running})`,
    accounts: profile.accounts?.identities.map((identity) => ({key: identity.key, email: identity.email, name: identity.fullName})) ?? null,
    unusable: unusableReason(profile),
    unreadable: profile.prefsState === 'unreadable' ? {problem: profile.prefsProblem ?? `prefs.js in ${profile.dir} cannot be read`, hints: profile.prefsHints} : null,
    // A profile Thunderbird never ran gets nothing written: whether it runs does not matter.
    busy: profile.lock.busy && profile.prefsState !== 'missing',
  }
}

/** The folders named with --profile, each checked to be a profile. */
async function givenProfiles(dirs: string[], machine: Machine): Promise<ThunderbirdProfile[]> {
  const profiles: ThunderbirdProfile[] = []
  for (const dir of dirs) {
    const profile = await describeProfile(dir, {name: dir, root: {dir, packaging: 'standard', sandboxed: false}, isDefault: false}, machine)
    if (profile.accounts === null && profile.database === 'none') {
      throw new UsageError(`${dir} is not a Thunderbird profile (no prefs.js and no certificate database).`, ['Point --profile at the folder that holds prefs.js and cert9.db.'])
    }
    profiles.push(profile)
  }
  return profiles
}

export async function surveyThunderbird(client: MailClient, machine: Machine, profileDirs: string[]): Promise<ThunderbirdSurvey> {
  const profiles = profileDirs.length > 0 ? await givenProfiles(profileDirs, machine) : await discoverProfiles(machine)
  const program = await thunderbirdFor(profiles[0], machine)
  return {
    client,
    program: program?.command ?? null,
    installed: program !== null || profiles.length > 0,
    places: profiles.map(placeOf),
    searchedFor: "Thunderbird's profiles",
    searched: profileDirs.length > 0 ? profileDirs : profileRoots(machine).map((root) => root.dir),
    profiles,
  }
}
