/**
 * `mailcert contact` on Windows, end to end under Windows Node (Wine here, real Windows in the
 * workflow): classic Outlook laid out as outlook.test.ts lays it out and new Outlook's app package,
 * then the built CLI. Bob's certificate goes into CurrentUser\AddressBook and its intermediate into
 * CA, once for both Outlooks and never the root; a re-run changes nothing; list finds it there; remove
 * leaves the stores as they were before, as an independent probe (not mailcert's code) sees them.
 */
import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FIXTURES} from '../helpers/fixtures.js'
import {APP_PATHS, fakeOutlookInstallation, probeStores, UNDER_WINE} from '../helpers/outlook-registry.js'
import {disposeWindowsUser, reg, runWindowsCli, type WindowsRun, windowsPath, windowsUser, type WindowsUser} from '../helpers/windows.js'

const NEW_OUTLOOK_PACKAGES = 'HKCU\\Software\\Classes\\Local Settings\\Software\\Microsoft\\Windows\\CurrentVersion\\AppModel\\Repository\\Packages'
const NEW_OUTLOOK_PACKAGE = `${NEW_OUTLOOK_PACKAGES}\\Microsoft.OutlookForWindows_1.2025.1105.0_x64__8wekyb3d8bbwe`
const FILES = ['certs/bob-rsa.pem', 'ca/intermediate.pem', 'ca/root.pem']
const [BOB, INTERMEDIATE, ROOT] = FILES.map((file) => new X509Certificate(readFileSync(join(FIXTURES, file))))
const thumbprint = (certificate: X509Certificate | undefined) => certificate!.fingerprint.replaceAll(':', '')

interface Added {
  status: number
  result: {
    changed: boolean
    contact: {emails: string[]; format: string}
    plan: string[]
    verdicts: Array<{store: string; readers: string; valid: boolean | null; reason?: string}>
    targets: Array<{clients: string[]; location: string; status: string; changed: boolean; steps: Array<{id: string; status: string}>}>
  }
}
interface Listed {
  result: {contacts: Array<{emails: string[]; expired: boolean; stores: Array<{location: string; readers: string; present: boolean | null; addedByMailcert: boolean}>}>}
}
interface Removed {
  result: {removed: Array<{emails: string[]}>; changed: boolean; targets: Array<{location: string; status: string; changed: boolean}>}
}

function json<T>(run: WindowsRun): T {
  expect(run.timedOut).toBe(false)
  return JSON.parse(run.stdout) as T
}

describe('mailcert contact on Windows', {timeout: 240_000}, () => {
  let user: WindowsUser
  let scratch: string
  let bobFile: string

  beforeAll(async () => {
    user = await windowsUser()
    scratch = join(user.localAppData, 'mailcert-contact-e2e')
    await mkdir(scratch, {recursive: true})
    // Bob's certificate with its intermediate and the root, as PEM in a .cer: what some authorities hand out.
    bobFile = join(scratch, 'bob.cer')
    await writeFile(bobFile, FILES.map((file) => readFileSync(join(FIXTURES, file), 'utf8')).join(''))
    const commands = [...(await fakeOutlookInstallation(user, scratch)), ['add', NEW_OUTLOOK_PACKAGE, '/f']]
    for (const command of commands) expect((await reg(user, command)).code).toBe(0)
  }, 240_000)

  afterAll(async () => {
    if (!UNDER_WINE && user) {
      // The runner's own user: whatever a failed test left in its stores goes again.
      await runWindowsCli(user, ['contact', 'remove', '--all', '--yes', '--json'], {timeoutMs: 120_000})
      await reg(user, ['delete', 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook', '/f'])
      await reg(user, ['delete', APP_PATHS, '/f'])
      await reg(user, ['delete', NEW_OUTLOOK_PACKAGE, '/f'])
    }
    if (scratch) await rm(scratch, {recursive: true, force: true})
    if (user) await disposeWindowsUser(user)
  })

  it('adds Bob to Other People and his intermediate to CA (never the root) once for both Outlooks; again changes nothing; list shows it; remove takes out exactly that', async () => {
    const before = await probeStores(user, scratch)
    expect(before.AddressBook!.map((c) => c.thumbprint)).not.toContain(thumbprint(BOB))
    expect(before.CA!.map((c) => c.thumbprint)).not.toContain(thumbprint(INTERMEDIATE))

    const added = await runWindowsCli(user, ['contact', 'add', windowsPath(bobFile), '--yes', '--json'], {timeoutMs: 120_000})
    expect(added.code, added.stdout + added.stderr).toBe(0)
    const result = json<Added>(added).result
    expect(result.contact).toMatchObject({emails: ['bob@example.com'], format: 'PEM certificate'})
    expect(result.changed).toBe(true)
    // One store, read by both: the service merged the two Outlooks' refs.
    expect(result.targets).toHaveLength(1)
    expect(result.targets[0]).toMatchObject({clients: ['Outlook', 'New Outlook'], location: 'CurrentUser\\AddressBook', status: 'done', changed: true})
    expect(result.targets[0]!.steps.map((step) => step.status)).toEqual(['done', 'done'])
    // Windows' own verdict: the test root is trusted nowhere on this user, and mailcert does not add it.
    expect(result.verdicts).toEqual([expect.objectContaining({store: 'your Windows certificate store (Other People)', readers: 'Outlook and New Outlook', valid: false, reason: 'its root certificate is not trusted on this computer'})])

    const after = await probeStores(user, scratch)
    const added_ = (name: string) => after[name]!.map((c) => c.thumbprint).filter((t) => !before[name]!.some((c) => c.thumbprint === t))
    expect(added_('AddressBook')).toEqual([thumbprint(BOB)])
    expect(added_('CA')).toEqual([thumbprint(INTERMEDIATE)])
    expect(added_('Root')).toEqual([])
    expect(added_('My')).toEqual([])
    expect(after.Root!.map((c) => c.thumbprint)).not.toContain(thumbprint(ROOT))

    const again = await runWindowsCli(user, ['contact', 'add', windowsPath(bobFile), '--yes', '--json'], {timeoutMs: 120_000})
    expect(again.code, again.stdout + again.stderr).toBe(0)
    expect(json<Added>(again).result).toMatchObject({changed: false, targets: []})
    expect(await probeStores(user, scratch)).toEqual(after)

    const listed = await runWindowsCli(user, ['contact', 'list', '--json'], {timeoutMs: 120_000})
    expect(listed.code, listed.stdout + listed.stderr).toBe(0)
    const contacts = json<Listed>(listed).result.contacts
    expect(contacts).toHaveLength(1)
    expect(contacts[0]).toMatchObject({emails: ['bob@example.com'], expired: false})
    expect(contacts[0]!.stores).toEqual([{store: 'your Windows certificate store (Other People)', location: 'CurrentUser\\AddressBook', readers: 'Outlook and New Outlook', present: true, addedByMailcert: true}])

    const removed = await runWindowsCli(user, ['contact', 'remove', 'bob@example.com', '--yes', '--json'], {timeoutMs: 120_000})
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    const removal = json<Removed>(removed).result
    expect(removal.removed.map((c) => c.emails)).toEqual([['bob@example.com']])
    expect(removal.targets).toMatchObject([{location: 'CurrentUser\\AddressBook', status: 'done', changed: true}])
    expect(await probeStores(user, scratch)).toEqual(before)
    expect(JSON.parse(await readFile(join(user.localAppData, 'mailcert', 'contacts.json'), 'utf8'))).toEqual({version: 1, contacts: []})
  })
})
