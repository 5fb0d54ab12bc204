import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {prefsWithoutRun, runPrefs, serverKeys, userJsForRun} from '../../../src/clients/thunderbird/headless-run-prefs.js'
import {getUserPref, parsePrefs} from '../../../src/clients/thunderbird/prefs-js.js'

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/thunderbird/${name}`, import.meta.url))

describe('the servers a headless run keeps from logging in', () => {
  it('are every server of a profile the account wizard set up (IMAP accounts and Local Folders)', () => {
    expect(serverKeys(fixture('prefs-wizard-accounts.js'))).toEqual(['server1', 'server2', 'server3'])
  })

  it("include the servers that only the user's own user.js names, and never the defaults", () => {
    const userJs = Buffer.from('user_pref("mail.server.server9.login_at_startup", true);\nuser_pref(\'mail.server.default.check_new_mail\', true);\n')
    expect(serverKeys(fixture('prefs-with-accounts.js'), userJs, null)).toEqual(['server1', 'server2', 'server3', 'server9'])
  })

  it('are found in a prefs.js that the strict parser refuses, as Thunderbird would still read it', () => {
    const broken = Buffer.from('user_pref("mail.server.server1.login_at_startup", true);\nuser_pref("oops" true);\n')
    expect(() => parsePrefs(broken)).toThrow()
    expect(serverKeys(broken)).toEqual(['server1'])
  })
})

describe('the prefs of a headless run', () => {
  const prefs = runPrefs(['server1', 'server3'])

  it('start Thunderbird offline, with no server logging in or checking mail, and Marionette on a port it binds itself (0)', () => {
    expect(prefs).toMatchObject({
      'marionette.port': 0,
      'offline.startup_state': 3,
      'mail.startup.enabledMailCheckOnce': true,
      'mail.server.default.login_at_startup': false,
      'mail.server.default.check_new_mail': false,
      'mail.server.server1.login_at_startup': false,
      'mail.server.server1.check_new_mail': false,
      'mail.server.server3.login_at_startup': false,
      'mail.server.server3.check_new_mail': false,
      'mailnews.start_page.enabled': false,
    })
  })

  it("come after the user's own user.js, which stays byte for byte in front of them, and override it", () => {
    const own = Buffer.from('// mine\r\nuser_pref("mail.server.server1.login_at_startup", true); /* no line break at the end */')
    const forRun = userJsForRun(own, prefs)
    expect(forRun.subarray(0, own.length).equals(own)).toBe(true)
    expect(forRun.subarray(own.length, own.length + 1).toString()).toBe('\n')
    const parsed = parsePrefs(forRun)
    expect(getUserPref(parsed, 'mail.server.server1.login_at_startup')).toBe(false)
    expect(getUserPref(parsed, 'marionette.port')).toBe(0)
  })

  it('make the whole user.js of a profile that had none', () => {
    const forRun = userJsForRun(null, prefs)
    expect(parsePrefs(forRun).entries.map((e) => [e.name, e.value])).toEqual(Object.entries(prefs))
  })
})

describe('a prefs.js that Thunderbird wrote during the run, for a profile that had none', () => {
  // A profile without prefs.js has no servers yet; these accounts were made during the run.
  const prefs = runPrefs([])

  it("loses the run's prefs and the offline state Thunderbird remembered at exit, and keeps the rest byte for byte", () => {
    const written = Buffer.concat([
      fixture('prefs-wizard-accounts.js'),
      Buffer.from('user_pref("marionette.port", 40123);\nuser_pref("network.online", false);\nuser_pref("offline.startup_state", 3);\n'),
    ])
    const cleaned = prefsWithoutRun(written, prefs)
    expect(cleaned?.equals(fixture('prefs-wizard-accounts.js'))).toBe(true)
  })

  it('is left alone when the run left nothing in it, or when it cannot be read', () => {
    expect(prefsWithoutRun(fixture('prefs-wizard-accounts.js'), prefs)).toBeNull()
    expect(prefsWithoutRun(Buffer.from('user_pref("marionette.port" 1);'), prefs)).toBeNull()
  })
})
