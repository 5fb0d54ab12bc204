/**
 * Where the certificate goes: one group per Thunderbird profile, the identities whose address is the
 * certificate's ticked, the others greyed out with the reason. Profiles are built the way discovery
 * builds them, from a small prefs.js read with readAccounts(parsePrefs(...)).
 */
import {describe, expect, it} from 'vitest'

import type {ThunderbirdProfile} from '../../../src/clients/thunderbird/discovery.js'
import {placeOf} from '../../../src/clients/thunderbird/survey.js'
import {identityChoiceValue, targetChoices as choicesFor} from '../../../src/ui/guided/target-choice.js'
import {profileFromPrefs} from '../../helpers/profile-object.js'

interface TestIdentity {
  key: string
  email?: string
  fullName?: string
}

/** prefs.js as Thunderbird writes it: one IMAP account per identity, and Local Folders. */
function prefsText(identities: TestIdentity[]): string {
  const q = (text: string) => JSON.stringify(text)
  const accounts = [...identities.map((_, index) => `account${index + 1}`), 'account99']
  const lines = ['// Mozilla User Preferences', '', `user_pref("mail.accountmanager.accounts", ${q(accounts.join(','))});`]
  identities.forEach((identity, index) => {
    const n = index + 1
    lines.push(
      `user_pref("mail.account.account${n}.identities", ${q(identity.key)});`,
      `user_pref("mail.account.account${n}.server", "server${n}");`,
      `user_pref("mail.server.server${n}.type", "imap");`,
    )
    if (identity.email !== undefined) lines.push(`user_pref("mail.identity.${identity.key}.useremail", ${q(identity.email)});`)
    if (identity.fullName !== undefined) lines.push(`user_pref("mail.identity.${identity.key}.fullName", ${q(identity.fullName)});`)
  })
  lines.push('user_pref("mail.account.account99.server", "server99");', 'user_pref("mail.server.server99.type", "none");')
  return `${lines.join('\n')}\n`
}

function profile(name: string, identities: TestIdentity[], overrides: Partial<ThunderbirdProfile> = {}): ThunderbirdProfile {
  return profileFromPrefs(`/home/alice/.thunderbird/${name}`, prefsText(identities), {name, isDefault: false, ...overrides})
}

const ALICE = ['alice@example.com']

/** The choices for these profiles, as the installer offers them: each profile as Thunderbird's place. */
const targetChoices = (profiles: ThunderbirdProfile[], certificateEmails: string[]) => choicesFor(profiles.map(placeOf), certificateEmails)

describe('identityChoiceValue', () => {
  it('joins the profile folder and the identity key with a line break, which neither holds', () => {
    expect(identityChoiceValue('/p/x.default', 'id2')).toBe('/p/x.default\nid2')
  })
})

describe('targetChoices', () => {
  it('ticks the identities whose address is the certificate\'s and greys out the others with the reason', () => {
    const work = profile('default-release', [
      {key: 'id1', email: 'alice@example.com', fullName: 'Alice Example'},
      {key: 'id2', email: 'team@example.org', fullName: 'Example Team'},
      {key: 'id3', email: 'ALICE@Example.com'},
    ])
    const [group, ...rest] = targetChoices([work], ALICE)
    expect(rest).toEqual([])
    expect(group).toEqual({
      title: 'Thunderbird profile "default-release" (/home/alice/.thunderbird/default-release, Thunderbird 153.0)',
      choices: [
        {name: 'alice@example.com (Alice Example)', value: `${work.dir}\nid1`, checked: true},
        {name: 'team@example.org (Example Team)', value: `${work.dir}\nid2`, disabled: 'the certificate is not for this address'},
        // Addresses are compared without regard to case, as mail does.
        {name: 'ALICE@Example.com', value: `${work.dir}\nid3`, checked: true},
      ],
    })
  })

  it('ticks every identity one of several certificate addresses names', () => {
    const both = profile('p', [
      {key: 'id1', email: 'alice@example.com'},
      {key: 'id2', email: 'alice.example@example.org'},
    ])
    const [group] = targetChoices([both], ['alice@example.com', 'alice.example@example.org'])
    expect(group?.choices.map((c) => c.checked)).toEqual([true, true])
  })

  it('leaves out a profile Thunderbird never ran (no prefs.js)', () => {
    const spare = profile('default', [], {accounts: null, prefsState: 'missing', prefsProblem: 'Thunderbird has never run with this profile (it has no prefs.js)', database: 'none'})
    const used = profile('default-release', [{key: 'id1', email: 'alice@example.com'}])
    expect(targetChoices([spare, used], ALICE).map((g) => g.title)).toEqual([expect.stringContaining('"default-release"')])
    expect(targetChoices([spare], ALICE)).toEqual([])
  })

  it('shows a profile whose prefs.js cannot be read, disabled with the problem', () => {
    const broken = profile('broken', [], {accounts: null, prefsState: 'unreadable', prefsProblem: 'prefs.js cannot be read: line 3: expected ";"'})
    expect(targetChoices([broken], ALICE)).toEqual([
      {
        title: expect.stringContaining('"broken"'),
        choices: [{name: 'cannot read its settings', value: broken.dir, disabled: 'prefs.js cannot be read: line 3: expected ";"'}],
      },
    ])
  })

  it('shows a profile without a certificate database, disabled with what to do', () => {
    const fresh = profile('fresh', [{key: 'id1', email: 'alice@example.com'}], {database: 'none'})
    const [group] = targetChoices([fresh], ALICE)
    expect(group?.choices).toEqual([{name: 'it has no certificate database yet (start Thunderbird once with it)', value: fresh.dir, disabled: true}])
    expect(group?.choices.some((c) => c.checked)).toBe(false)
  })

  it('shows a profile with no mail identity (Local Folders only, or identities without an address), disabled', () => {
    const empty = profile('empty', [])
    const noAddress = profile('no-address', [{key: 'id1', fullName: 'Nobody'}])
    for (const group of targetChoices([empty, noAddress], ALICE)) {
      expect(group.choices).toEqual([{name: 'no mail accounts', value: expect.stringMatching(/\/(empty|no-address)$/), disabled: true}])
    }
  })

  it('marks a profile Thunderbird is running on, and one without a known version', () => {
    const running = profile('default-release', [{key: 'id1', email: 'alice@example.com'}], {lock: {busy: true, pid: 4242, evidence: 'the profile is locked by process 4242'}, version: null})
    const [group] = targetChoices([running], ALICE)
    expect(group?.title).toBe('Thunderbird profile "default-release" (/home/alice/.thunderbird/default-release, running now)')
    expect(group?.choices[0]).toMatchObject({checked: true})
  })

  it('keeps the profiles in the order found, each with its own folder in the values', () => {
    const a = profile('a', [{key: 'id1', email: 'alice@example.com'}])
    const b = profile('b', [{key: 'id1', email: 'alice@example.com'}])
    const groups = targetChoices([a, b], ALICE)
    expect(groups.map((g) => g.choices[0]?.value)).toEqual([identityChoiceValue(a.dir, 'id1'), identityChoiceValue(b.dir, 'id1')])
  })
})
