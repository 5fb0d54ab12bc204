/**
 * PrefsEdit asks whether Thunderbird runs on the profile right before it writes prefs.js, the way
 * discovery asked: for the machine's platform and through the probe discovery was given, never the
 * platform mailcert happens to run on.
 */
import {mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {describeProfile} from '../../../src/clients/thunderbird/discovery.js'
import {PrefsEdit} from '../../../src/clients/thunderbird/prefs-edit.js'
import {ExitCode} from '../../../src/errors.js'
import {fakeLockProbe, type LockProbeAnswers} from '../../helpers/lock-probe.js'

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/thunderbird/${name}`, import.meta.url))

async function profileOn(platform: NodeJS.Platform, answers: LockProbeAnswers) {
  const home = mkdtempSync(join(tmpdir(), 'mailcert-prefs-edit-'))
  const dir = join(home, 'profile')
  mkdirSync(dir)
  writeFileSync(join(dir, 'prefs.js'), fixture('prefs-with-accounts.js'))
  const probe = fakeLockProbe(answers)
  const profile = await describeProfile(dir, {name: 'default', root: {dir: home, packaging: 'standard', sandboxed: false}, isDefault: true}, {platform, home, env: {}, probe})
  return {dir, probe, profile}
}

describe('writing prefs.js', () => {
  it("checks the lock with discovery's platform and probe: Thunderbird started on Windows since the plan stops the write (exit 6)", async () => {
    const answers: LockProbeAnswers = {open: {}}
    const {dir, probe, profile} = await profileOn('win32', answers)
    expect(profile.lock).toEqual({busy: false})
    const before = readFileSync(join(dir, 'prefs.js'))
    const edit = new PrefsEdit(profile)
    const parsed = await edit.read()

    // Thunderbird opens the profile after discovery: parent.lock is held from now on.
    answers.open![join(dir, 'parent.lock')] = 'busy'
    probe.calls.length = 0
    await expect(edit.write(parsed, {'mail.identity.id1.sign_mail': true})).rejects.toMatchObject({code: 'client-running', exitCode: ExitCode.busy})
    expect(probe.calls).toEqual([`tryOpen(${join(dir, 'parent.lock')})`])
    expect(readFileSync(join(dir, 'prefs.js')).equals(before)).toBe(true)
  })

  it('writes when the same probe says the profile is free, asking it as macOS is asked', async () => {
    const {dir, probe, profile} = await profileOn('darwin', {openers: {}})
    const edit = new PrefsEdit(profile)
    probe.calls.length = 0
    await edit.write(await edit.read(), {'mail.identity.id1.sign_mail': true})
    expect(probe.calls).toEqual([`openers(${join(dir, '.parentlock')})`])
    expect(readFileSync(join(dir, 'prefs.js'), 'utf8')).toContain('user_pref("mail.identity.id1.sign_mail", true);')
  })
})
