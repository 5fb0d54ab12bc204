/**
 * Before the guided installer asks for anything: is there a mail account it could set up? If not,
 * the error says what was looked for and where, and what to do. Profiles are built from prefs.js
 * text as discovery reads it.
 */
import {describe, expect, it} from 'vitest'

import {thunderbird} from '../../../src/clients/thunderbird/client.js'
import type {ThunderbirdProfile} from '../../../src/clients/thunderbird/discovery.js'
import {placeOf, type ThunderbirdSurvey} from '../../../src/clients/thunderbird/survey.js'
import {ExitCode} from '../../../src/errors.js'
import {nothingToConfigure, unusableReason} from '../../../src/ui/guided/nothing-to-configure.js'
import {profileFromPrefs} from '../../helpers/profile-object.js'

const HOME = '/home/alice'
const DIR = `${HOME}/.thunderbird/abc.default-release`

const WITH_ACCOUNT = [
  'user_pref("mail.accountmanager.accounts", "account1,account2");',
  'user_pref("mail.account.account1.identities", "id1");',
  'user_pref("mail.account.account1.server", "server1");',
  'user_pref("mail.server.server1.type", "imap");',
  'user_pref("mail.identity.id1.useremail", "alice@example.com");',
  'user_pref("mail.account.account2.server", "server2");',
  'user_pref("mail.server.server2.type", "none");',
].join('\n')

// What a first start leaves: Local Folders only, no mail account.
const LOCAL_FOLDERS_ONLY = ['user_pref("mail.accountmanager.accounts", "account1");', 'user_pref("mail.account.account1.server", "server1");', 'user_pref("mail.server.server1.type", "none");'].join('\n')

const SEARCHED = [`${HOME}/.thunderbird`, `${HOME}/snap/thunderbird/common/.thunderbird`]

/** Thunderbird's survey as the installer gets it, with these profiles. */
function survey(profiles: ThunderbirdProfile[]): ThunderbirdSurvey {
  return {client: thunderbird, program: null, installed: true, places: profiles.map(placeOf), searchedFor: "Thunderbird's profiles", searched: SEARCHED, profiles}
}

describe('unusableReason', () => {
  it('has nothing against a profile with a mail account and a certificate database', () => {
    expect(unusableReason(placeOf(profileFromPrefs(DIR, WITH_ACCOUNT)))).toBeNull()
  })

  it('names what is missing: an account, a certificate database, readable settings, a first run', () => {
    expect(unusableReason(placeOf(profileFromPrefs(DIR, LOCAL_FOLDERS_ONLY)))).toBe('it has no mail account yet')
    expect(unusableReason(placeOf(profileFromPrefs(DIR, WITH_ACCOUNT, {database: 'none'})))).toBe('it has no certificate database yet (start Thunderbird once with it)')
    expect(unusableReason(placeOf(profileFromPrefs(DIR, WITH_ACCOUNT, {accounts: null, prefsState: 'unreadable', prefsProblem: 'prefs.js cannot be read: line 3'})))).toBe(
      'prefs.js cannot be read: line 3',
    )
    expect(unusableReason(placeOf(profileFromPrefs(DIR, '', {accounts: null, prefsState: 'missing'})))).toBe('Thunderbird has never run with it')
  })
})

describe('nothingToConfigure', () => {
  it('lets the installer go on when one profile of several can be set up', () => {
    const spare = profileFromPrefs(`${HOME}/.thunderbird/spare`, LOCAL_FOLDERS_ONLY, {name: 'spare'})
    expect(nothingToConfigure([survey([spare, profileFromPrefs(DIR, WITH_ACCOUNT)])], HOME)).toBeNull()
  })

  it('without any Thunderbird profile: where it looked, exit 5 with its own code, and what to do', () => {
    const error = nothingToConfigure([survey([])], HOME)
    expect(error?.exitCode).toBe(ExitCode.notForSmime)
    expect(error?.code).toBe('no-mail-client')
    expect(error?.message).toBe(
      "There is no mail client here for mailcert to set up: it looked for Thunderbird's profiles in ~/.thunderbird, ~/snap/thunderbird/common/.thunderbird and found none. Nothing was changed.",
    )
    expect(error?.hints[0]).toBe('Install Thunderbird, start it and add your mail account (the address your certificate is for), then run mailcert again.')
  })

  it('with profiles but no account in them: each profile and why', () => {
    const profiles = [profileFromPrefs(DIR, LOCAL_FOLDERS_ONLY), profileFromPrefs(`${HOME}/.thunderbird/old`, WITH_ACCOUNT, {name: 'old', database: 'none'})]
    const error = nothingToConfigure([survey(profiles)], HOME)
    expect(error?.code).toBe('no-mail-client')
    expect(error?.message).toBe(
      'Thunderbird has no mail account for mailcert to set up. profile "default-release" (~/.thunderbird/abc.default-release): it has no mail account yet; profile "old" (~/.thunderbird/old): it has no certificate database yet (start Thunderbird once with it). Nothing was changed.',
    )
    expect(error?.hints[0]).toBe('Start Thunderbird and add your mail account (the address your certificate is for), then run mailcert again.')
  })
})
