/**
 * `install --from-store` for classic Outlook under Windows Node (Wine here, real Windows in the
 * workflow): the identity is already in CurrentUser\My (put there by the store's own import steps,
 * test/stores/windows/store-driver.mjs, with no record in mailcert's journal, as an MDM push
 * leaves it), the MAPI profile is laid
 * out as outlook.test.ts lays it out, and --from-store writes the profile's security setting for the
 * certificate the store holds. remove puts the setting back and leaves the certificate in My.
 */
import {copyFile, mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {decodeSecuritySettings} from '../../src/clients/outlook/security-settings.js'
import {FIXTURES, manifest, plainHex} from '../helpers/fixtures.js'
import {ACCOUNTS, APP_PATHS, fakeOutlookInstallation, probeStores, queryHex, SECURITY, UNDER_WINE, utf16} from '../helpers/outlook-registry.js'
import {disposeWindowsUser, reg, runWindowsCli, runWindowsNode, windowsPath, windowsUser, type WindowsUser} from '../helpers/windows.js'

const FIXTURE = 'p12/mailbox-rsa.p12'
const DRIVER = join(import.meta.dirname, '..', 'stores', 'windows', 'store-driver.mjs')

interface Report {
  result: {
    targets: Array<{status: string; clients: string[]; steps: Array<{id: string}>}>
    fromStore: Array<{email: string; chosen: {fingerprintSha256: string} | null; why: string}>
  }
}

describe('install --from-store for classic Outlook', {timeout: 240_000}, () => {
  let user: WindowsUser
  let scratch: string
  /** What the delivery added to the stores, for taking it out again on a real Windows runner. */
  let deliveredEntry: Record<string, unknown> | undefined

  beforeAll(async () => {
    user = await windowsUser()
    scratch = join(user.localAppData, 'mailcert-test')
    await mkdir(scratch, {recursive: true})
    await copyFile(join(FIXTURES, FIXTURE), join(scratch, 'alice.p12'))
    await writeFile(join(scratch, 'password.txt'), manifest[FIXTURE].password as string)
    const commands = [
      ...(await fakeOutlookInstallation(user, scratch)),
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Account Name', '/t', 'REG_SZ', '/d', 'alice@example.com', '/f'],
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Email', '/t', 'REG_BINARY', '/d', utf16('alice@example.com'), '/f'],
    ]
    for (const command of commands) expect((await reg(user, command)).code).toBe(0)
  }, 240_000)

  afterAll(async () => {
    if (!UNDER_WINE && user) {
      await runWindowsCli(user, ['remove', '--all', '--delete-identity', '--json'])
      if (deliveredEntry) await runWindowsNode(user, DRIVER, [windowsPath(join(scratch, 'undelivered.json'))], {input: JSON.stringify({action: 'remove', entry: deliveredEntry})})
      await reg(user, ['delete', 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook', '/f'])
      await reg(user, ['delete', APP_PATHS, '/f'])
    }
    if (scratch) await rm(scratch, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
  })

  it('writes the security setting for the certificate My holds, and remove leaves the certificate in My', async () => {
    // The identity arrives in My without mailcert's record or any Outlook setting.
    const out = join(scratch, 'delivered.json')
    const request = {action: 'install', file: windowsPath(join(scratch, 'alice.p12')), password: manifest[FIXTURE].password, trustRoot: true}
    const delivered = await runWindowsNode(user, DRIVER, [windowsPath(out)], {input: JSON.stringify(request)})
    expect(delivered.code, delivered.stderr).toBe(0)
    const driven = JSON.parse(await readFile(out, 'utf8')) as {error?: unknown; certificate: {sha256: string; thumbprint: string}; notes: Array<{addedCertificates?: string[]; trustedRoot?: unknown}>}
    expect(driven.error).toBeUndefined()
    deliveredEntry = {
      certificate: {sha256: driven.certificate.sha256, emails: ['alice@example.com'], subject: '', references: {}},
      identities: [],
      addedCertificates: driven.notes.flatMap((note) => note.addedCertificates ?? []),
      trustedRoot: driven.notes.findLast((note) => note.trustedRoot)?.trustedRoot ?? null,
    }
    expect(await queryHex(user, SECURITY, '11020355')).toBeNull()

    const run = await runWindowsCli(user, ['install', '--from-store', '--client', 'outlook', '--yes', '--json'])
    expect(run.code, run.stdout + run.stderr).toBe(0)
    const report = (JSON.parse(run.stdout) as Report).result
    expect(report.fromStore).toMatchObject([{email: 'alice@example.com', why: 'the only certificate for alice@example.com', chosen: {fingerprintSha256: plainHex(manifest[FIXTURE].sha256!)}}])
    expect(report.targets).toMatchObject([{clients: ['outlook'], status: 'done'}])
    expect(report.targets[0]!.steps.map((s) => s.id)).toEqual(['verify', 'configure-outlook-security'])
    const written = await queryHex(user, SECURITY, '11020355')
    const decoded = decodeSecuritySettings(Buffer.from(written!, 'hex'), 64)
    if ('malformed' in decoded) throw new Error(decoded.malformed)
    expect(decoded.settings).toHaveLength(1)
    const thumbprint = decoded.settings[0]!.signingThumbprint
    expect(thumbprint).toMatch(/^[0-9A-F]{40}$/)

    expect(thumbprint).toBe(driven.certificate.thumbprint)

    const removed = await runWindowsCli(user, ['remove', '--all', '--delete-identity', '--yes', '--json'])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect(removed.stdout).toContain('stays in your Windows certificate store')
    expect(await queryHex(user, SECURITY, '11020355')).toBeNull()
    const stores = await probeStores(user, scratch)
    expect(stores.My!.map((c) => c.thumbprint)).toContain(thumbprint)
  })
})
