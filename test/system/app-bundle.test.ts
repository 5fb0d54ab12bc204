import {mkdtempSync, rmSync, writeFileSync, mkdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {findAppBundle} from '../../src/system/app-bundle.js'
import {machineFor} from '../../src/system/platform.js'
import {installMailApp, installOutlookApp} from '../helpers/apple-mail-fixtures.js'

const dir = mkdtempSync(path.join(tmpdir(), 'mailcert-bundles-'))
const systemRoot = path.join(dir, 'root')
const home = path.join(dir, 'home')
const machine = machineFor({platform: 'darwin', home, env: {}, systemRoot})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('app bundles', () => {
  it('reads the version from a binary Info.plist (Mail, as macOS ships it) and an XML one (Outlook)', async () => {
    installMailApp(systemRoot, '16.0')
    installOutlookApp(systemRoot, '16.91')
    expect(await findAppBundle(machine, ['/System/Applications/Mail.app', '/Applications/Mail.app'])).toEqual({path: path.join(systemRoot, 'System/Applications/Mail.app'), version: '16.0', bundleId: 'com.apple.mail'})
    expect(await findAppBundle(machine, ['/Applications/Microsoft Outlook.app'])).toMatchObject({version: '16.91', bundleId: 'com.microsoft.Outlook'})
  })

  it('a bundle that is not there is not found; a damaged Info.plist still counts as installed, without a version', async () => {
    expect(await findAppBundle(machine, ['/Applications/Nothing.app'])).toBeNull()
    mkdirSync(path.join(systemRoot, 'Applications/Broken.app/Contents'), {recursive: true})
    writeFileSync(path.join(systemRoot, 'Applications/Broken.app/Contents/Info.plist'), 'bplist00 not really')
    expect(await findAppBundle(machine, ['/Applications/Broken.app'])).toEqual({path: path.join(systemRoot, 'Applications/Broken.app'), version: null, bundleId: null})
  })
})
