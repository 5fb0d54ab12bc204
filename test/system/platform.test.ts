/** The one door to "which machine is this", and the two test-only variables that change its answer. */
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {currentMachine, systemPath} from '../../src/system/platform.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'

describe('currentMachine', () => {
  it('is the real OS with / as the system root, unless MAILCERT_PLATFORM and MAILCERT_SYSTEM_ROOT say otherwise', () => {
    expect(currentMachine('/home/a', {})).toMatchObject({platform: process.platform, systemRoot: '/', home: '/home/a'})
    expect(currentMachine('/home/a', {MAILCERT_PLATFORM: 'darwin', MAILCERT_SYSTEM_ROOT: '/tmp/root'})).toMatchObject({platform: 'darwin', os: 'macos', systemRoot: '/tmp/root'})
    expect(currentMachine('C:\\Users\\a', {MAILCERT_PLATFORM: 'win32'})).toMatchObject({platform: 'win32', os: 'windows'})
    // An unknown value is not guessed at.
    expect(currentMachine('/home/a', {MAILCERT_PLATFORM: 'beos'}).platform).toBe(process.platform)
  })

  it('puts absolute system paths (POSIX and Windows) under the system root, and leaves them alone without one', () => {
    expect(systemPath({systemRoot: '/'}, '/usr/bin/security')).toBe('/usr/bin/security')
    expect(systemPath({systemRoot: '/tmp/root'}, '/usr/bin/security')).toBe('/tmp/root/usr/bin/security')
    expect(systemPath({systemRoot: '/tmp/root'}, 'C:\\Program Files\\Microsoft Office')).toBe('/tmp/root/Program Files/Microsoft Office')
  })
})

describe('acting as macOS on Linux (MAILCERT_PLATFORM=darwin, MAILCERT_SYSTEM_ROOT)', () => {
  it("check finds Thunderbird where macOS has it (under the system root) and its profiles in the HOME's ~/Library", async () => {
    const home = sandboxHome()
    const root = sandboxHome('mailcert-root-')
    const program = join(root, 'Applications', 'Thunderbird.app', 'Contents', 'MacOS', 'thunderbird')
    mkdirSync(join(program, '..'), {recursive: true})
    writeFileSync(program, '#!/bin/sh\nexit 0\n')
    chmodSync(program, 0o755)
    const profiles = join(home, 'Library', 'Thunderbird')
    mkdirSync(join(profiles, 'Profiles', 'x.default-release'), {recursive: true})
    writeFileSync(join(profiles, 'profiles.ini'), '[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/x.default-release\nDefault=1\n')
    const result = await runCli(['check', '--json'], {env: {HOME: home, MAILCERT_PLATFORM: 'darwin', MAILCERT_SYSTEM_ROOT: root}})
    const envelope = json<{result: {platform: string; clients: Array<{client: string; program: string | null; profiles: Array<{name: string}>}>}}>(result)
    expect(envelope.result.platform).toBe('macos')
    // Evolution is a Linux client: acting as macOS, it is not looked for.
    expect(envelope.result.clients.map((c) => c.client)).toEqual(['thunderbird'])
    expect(envelope.result.clients[0]).toMatchObject({program, profiles: [{name: 'default-release'}]})
  })
})
