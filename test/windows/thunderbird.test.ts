/**
 * Thunderbird on Windows through the platform door, for real under Windows Node: its profiles found
 * in %APPDATA%\Thunderbird, its program found where Mozilla's installer records it in the registry
 * (HKCU ...\Mozilla Thunderbird\<version>\Main PathToExe, read through advapi32), and no NSS tools
 * on Windows, so mailcert names the Thunderbird driver.
 */
import {mkdir, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {disposeWindowsUser, reg, runWindowsCli, windowsUser, type WindowsUser} from '../helpers/windows.js'

const UNDER_WINE = process.platform !== 'win32'
const TB_KEY = 'HKCU\\SOFTWARE\\Mozilla\\Mozilla Thunderbird'
const PROFILE = 'x7k2.default-release'

describe('Thunderbird on Windows', {timeout: 120_000}, () => {
  let user: WindowsUser
  /** Where the stand-in thunderbird.exe is, as Windows names it and as this process reaches it. */
  let exe: {windows: string; local: string}

  beforeAll(async () => {
    user = await windowsUser()
    exe = UNDER_WINE
      ? {windows: 'C:\\Apps\\Mozilla Thunderbird\\thunderbird.exe', local: join(user.prefix!, 'drive_c', 'Apps', 'Mozilla Thunderbird', 'thunderbird.exe')}
      : {windows: join(user.localAppData, 'mailcert-test-tb', 'thunderbird.exe'), local: join(user.localAppData, 'mailcert-test-tb', 'thunderbird.exe')}
    await mkdir(join(exe.local, '..'), {recursive: true})
    await writeFile(exe.local, 'MZ')
    const root = join(user.appData, 'Thunderbird')
    await mkdir(join(root, 'Profiles', PROFILE), {recursive: true})
    await writeFile(join(root, 'profiles.ini'), `[Profile0]\r\nName=default-release\r\nIsRelative=1\r\nPath=Profiles/${PROFILE}\r\nDefault=1\r\n\r\n[General]\r\nStartWithLastProfile=1\r\nVersion=2\r\n`)
    await writeFile(
      join(root, 'Profiles', PROFILE, 'prefs.js'),
      ['user_pref("mail.accountmanager.accounts", "account1");', 'user_pref("mail.account.account1.identities", "id1");', 'user_pref("mail.identity.id1.useremail", "alice@example.org");', ''].join('\r\n'),
    )
    const added = await reg(user, ['add', `${TB_KEY}\\128.5.0esr (x64 en-US)\\Main`, '/v', 'PathToExe', '/t', 'REG_SZ', '/d', exe.windows, '/f'])
    expect(added.code).toBe(0)
  }, 200_000)

  afterAll(async () => {
    if (!UNDER_WINE && user) {
      await reg(user, ['delete', TB_KEY, '/f'])
      await rm(join(user.appData, 'Thunderbird'), {recursive: true, force: true})
      await rm(join(exe.local, '..'), {recursive: true, force: true})
    }
    if (user) await disposeWindowsUser(user)
  })

  it('finds the profile in %APPDATA% and the program where the registry says', async () => {
    const run = await runWindowsCli(user, ['check', '--json', '--client', 'thunderbird'])
    const report = JSON.parse(run.stdout) as {result: {clients: Array<{client: string; program: string | null; profiles: Array<{name: string; dir: string; identities: Array<{email: string}>}>}>}}
    const thunderbird = report.result.clients.find((client) => client.client === 'thunderbird')!
    expect(thunderbird.program?.toLowerCase()).toBe(exe.windows.toLowerCase())
    expect(thunderbird.profiles.map((profile) => profile.name)).toEqual(['default-release'])
    expect(thunderbird.profiles[0]!.dir).toMatch(/\\Thunderbird\\Profiles\\x7k2\.default-release$/)
  })
})
