/** The question while Thunderbird runs on a profile mailcert must change, first and after an Enter that did not close it. */
import {describe, expect, it} from 'vitest'

import {placeOf} from '../../../src/clients/thunderbird/survey.js'
import {closeMessage} from '../../../src/ui/guided/questions.js'
import {profileFromPrefs} from '../../helpers/profile-object.js'

const main = placeOf(profileFromPrefs('/home/alice/.thunderbird/a.default-release', ''))
const work = placeOf(profileFromPrefs('/home/alice/.thunderbird/b.work', '', {name: 'work'}))

describe('closeMessage', () => {
  it('first asks to close Thunderbird, naming the profile, and says Ctrl+C changes nothing', () => {
    expect(closeMessage([main], false)).toBe(
      'Thunderbird is running (profile "default-release"). Close Thunderbird, then press Enter. (Ctrl+C stops here; nothing has changed.)',
    )
  })

  it('says "still running" when Enter did not close it, with where it may still hide', () => {
    expect(closeMessage([main], true)).toBe(
      'Thunderbird is still running on profile "default-release". Close all its windows (and quit it if it stays in the system tray), then press Enter. (Ctrl+C stops here; nothing has changed.)',
    )
  })

  it('names every busy profile', () => {
    expect(closeMessage([main, work], true)).toContain('still running on profiles "default-release", "work".')
  })
})
