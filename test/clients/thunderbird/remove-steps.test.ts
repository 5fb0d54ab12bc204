/**
 * Undoing an install in one profile: RestoreIdentitiesStep against a real prefs.js written by
 * Thunderbird 153 (test/fixtures/thunderbird/prefs-with-accounts.js) in a temp folder, and the NSS
 * store's DeleteIdentityStep with a real NSS session (ToolsDriver) on a scratch database into which
 * pk12util imported test/fixtures/p12/mailbox-rsa.p12.
 */
import {copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ThunderbirdProfile} from '../../../src/clients/thunderbird/discovery.js'
import {ConfigureIdentitiesStep} from '../../../src/clients/thunderbird/install-steps.js'
import {editPrefs, getUserPref, parsePrefs, type PrefValue} from '../../../src/clients/thunderbird/prefs-js.js'
import {RestoreIdentitiesStep} from '../../../src/clients/thunderbird/remove-steps.js'
import type {IdentityRecord, JournalEntry, TargetChanges} from '../../../src/install/journal.js'
import type {PlanStep} from '../../../src/install/plan.js'
import {parseCertificateList} from '../../../src/stores/nss/certutil-output.js'
import {type SessionHolder, sessionHolder} from '../../../src/stores/nss/import-steps.js'
import {DeleteIdentityStep} from '../../../src/stores/nss/remove-steps.js'
import {ToolsDriver} from '../../../src/stores/nss/tools-driver.js'
import {FIXTURES, manifest, plainHex} from '../../helpers/fixtures.js'
import {addCertificate, fixtureCertificate, fixtureDbKey, importP12, INTERMEDIATE_NICKNAME, makeNssDb, ROOT_NICKNAME, setTrust} from '../../helpers/nss-db.js'
import {nssTool, passwordFile} from '../../helpers/nss.js'
import {profileFromPrefs} from '../../helpers/profile-object.js'

const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
})

// ---------------------------------------------------------------------------------------------------------------
// RestoreIdentitiesStep
// ---------------------------------------------------------------------------------------------------------------

const FIXTURE_PREFS = join(FIXTURES, 'thunderbird', 'prefs-with-accounts.js')
/** Thunderbird's own prefs.js: id1 (alice@example.com) has S/MIME settings for an older certificate, id2 (team@example.org) none. */
const ORIGINAL = readFileSync(FIXTURE_PREFS)
const pref = (key: string, attribute: string) => `mail.identity.${key}.${attribute}`
const NEW_KEY = fixtureDbKey('certs/mailbox-rsa.pem')
const OLD_KEY = getUserPref(parsePrefs(ORIGINAL), pref('id1', 'signing_cert_dbkey')) as string

/** A profile folder holding the fixture's prefs.js, described as discovery describes it. */
function fixtureProfile(): ThunderbirdProfile {
  const dir = mkdtempSync(join(tmpdir(), 'mailcert-remove-profile-'))
  scratch.push(dir)
  copyFileSync(FIXTURE_PREFS, join(dir, 'prefs.js'))
  return profileFromPrefs(dir, ORIGINAL, {version: '153.8.0'})
}

const prefsOf = (profile: ThunderbirdProfile): Buffer => readFileSync(join(profile.dir, 'prefs.js'))

/** Change prefs.js as mailcert's install, or a person later, would; returns the new bytes. */
function change(profile: ThunderbirdProfile, changes: Record<string, PrefValue | null>): Buffer {
  const edited = editPrefs(parsePrefs(prefsOf(profile)), changes)
  writeFileSync(join(profile.dir, 'prefs.js'), edited)
  return edited
}

function record(place: string, key: string, email: string, settings: Record<string, [PrefValue | null, PrefValue]>): IdentityRecord {
  return {
    client: 'thunderbird',
    place,
    key,
    email,
    previous: Object.fromEntries(Object.entries(settings).map(([attribute, [previous]]) => [pref(key, attribute), previous])),
    applied: Object.fromEntries(Object.entries(settings).map(([attribute, [, applied]]) => [pref(key, attribute), applied])),
  }
}

/**
 * What an install did to the fixture: id1 moved from the older certificate to the new one with
 * encryption no longer required; id2, which had no S/MIME settings, set to sign with it.
 */
const INSTALL = (place: string): IdentityRecord[] => [
  record(place, 'id1', 'alice@example.com', {
    signing_cert_dbkey: [OLD_KEY, NEW_KEY],
    signing_cert_name: ['Alice Example', 'alice@example.com'],
    encryption_cert_dbkey: [OLD_KEY, NEW_KEY],
    encryption_cert_name: ['Alice Example', 'alice@example.com'],
    encryptionpolicy: [2, 0],
  }),
  record(place, 'id2', 'team@example.org', {
    signing_cert_dbkey: [null, NEW_KEY],
    signing_cert_name: [null, 'alice@example.com'],
    sign_mail: [null, true],
  }),
]

/** The fixture profile after that install. */
function installedProfile(): {profile: ThunderbirdProfile; installed: Buffer} {
  const profile = fixtureProfile()
  const installed = change(profile, Object.fromEntries(INSTALL(profile.dir).flatMap((identity) => Object.entries(identity.applied))))
  return {profile, installed}
}

const backupsIn = (profile: ThunderbirdProfile): string[] => readdirSync(profile.dir).filter((name) => name.endsWith('.bak'))

describe('RestoreIdentitiesStep', () => {
  it('puts back the values from before mailcert, removes the prefs it added, and keeps every other byte', async () => {
    const {profile, installed} = installedProfile()
    expect(getUserPref(parsePrefs(installed), pref('id2', 'sign_mail'))).toBe(true)
    let released = 0
    const step = new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {
      released++
    })
    // Thunderbird's own step: in a store other clients read too, its failure undoes only Thunderbird's part.
    expect(step.part).toBe('thunderbird')
    const outcome = await step.apply()
    expect(outcome).toMatchObject({changed: true, detail: '8 settings put back', warnings: []})
    // Byte for byte the file Thunderbird wrote: values back in place, the added lines gone with their line breaks.
    expect(prefsOf(profile).equals(ORIGINAL)).toBe(true)
    expect(released).toBe(1)
    // The file as it was before the removal is kept beside it.
    expect(outcome.backup).toMatch(/prefs\.js\.mailcert-\d{8}T\d{6}Z(-\d+)?\.bak$/)
    expect(readFileSync(outcome.backup!).equals(installed)).toBe(true)
  })

  it('leaves a setting someone changed after mailcert, with a warning, and puts back the others', async () => {
    const {profile} = installedProfile()
    // Since the install, the person turned signing by default off for id2 and renamed id1's certificate.
    change(profile, {[pref('id2', 'sign_mail')]: false, [pref('id1', 'signing_cert_name')]: 'My new cert'})
    const outcome = await new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {}).apply()
    expect(outcome.changed).toBe(true)
    expect(outcome.detail).toBe('6 settings put back')
    expect(outcome.warnings).toEqual([
      'mail.identity.id1.signing_cert_name was changed after mailcert set it; left as it is.',
      'mail.identity.id2.sign_mail was changed after mailcert set it; left as it is.',
    ])
    const after = parsePrefs(prefsOf(profile))
    expect(getUserPref(after, pref('id2', 'sign_mail'))).toBe(false)
    expect(getUserPref(after, pref('id1', 'signing_cert_name'))).toBe('My new cert')
    expect(getUserPref(after, pref('id1', 'signing_cert_dbkey'))).toBe(OLD_KEY)
    expect(getUserPref(after, pref('id1', 'encryptionpolicy'))).toBe(2)
    expect(getUserPref(after, pref('id2', 'signing_cert_dbkey'))).toBeUndefined()
    expect(getUserPref(after, pref('id2', 'signing_cert_name'))).toBeUndefined()
  })

  it('leaves a setting someone removed after mailcert set it, with a warning', async () => {
    const {profile} = installedProfile()
    change(profile, {[pref('id1', 'encryptionpolicy')]: null})
    const outcome = await new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {}).apply()
    expect(outcome.warnings).toEqual(['mail.identity.id1.encryptionpolicy was changed after mailcert set it; left as it is.'])
    expect(getUserPref(parsePrefs(prefsOf(profile)), pref('id1', 'encryptionpolicy'))).toBeUndefined()
  })

  it('changes nothing, and makes no backup, when everything is already as it was', async () => {
    const profile = fixtureProfile()
    const outcome = await new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {}).apply()
    expect(outcome).toEqual({changed: false, detail: 'nothing to put back', warnings: []})
    expect(prefsOf(profile).equals(ORIGINAL)).toBe(true)
    expect(backupsIn(profile)).toEqual([])
  })

  it('undo() writes back the exact bytes it found and removes its backup', async () => {
    const {profile, installed} = installedProfile()
    const step = new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {})
    const outcome = await step.apply()
    expect(existsSync(outcome.backup!)).toBe(true)
    await step.undo()
    expect(prefsOf(profile).equals(installed)).toBe(true)
    expect(existsSync(outcome.backup!)).toBe(false)
    expect(readdirSync(profile.dir).sort()).toEqual(['prefs.js'])
  })

  it('undo() after a step that changed nothing leaves the file alone', async () => {
    const profile = fixtureProfile()
    const step = new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {})
    await step.apply()
    writeFileSync(join(profile.dir, 'prefs.js'), 'user_pref("changed.by.someone", 1);\n')
    await step.undo()
    expect(prefsOf(profile).toString('utf8')).toBe('user_pref("changed.by.someone", 1);\n')
  })

  it('undoes what the install step recorded, back to Thunderbird\'s own file', async () => {
    const profile = fixtureProfile()
    const install = new ConfigureIdentitiesStep(
      profile,
      [
        {key: 'id1', email: 'alice@example.com'},
        {key: 'id2', email: 'team@example.org'},
      ],
      {certificate: fixtureCertificate('certs/mailbox-rsa.pem'), canEncrypt: true, signByDefault: true, encryptByDefault: false},
      async () => {},
    )
    // What the install step notes for the journal, before it writes prefs.js.
    const notes: Array<Partial<TargetChanges>> = []
    expect((await install.apply({note: async (change) => void notes.push(change)})).changed).toBe(true)
    // Each record names Thunderbird and the profile, as remove groups them.
    expect(notes.at(-1)!.identities!.map((i) => [i.client, i.place, i.key])).toEqual([
      ['thunderbird', profile.dir, 'id1'],
      ['thunderbird', profile.dir, 'id2'],
    ])
    expect(getUserPref(parsePrefs(prefsOf(profile)), pref('id2', 'encryption_cert_dbkey'))).toBe(NEW_KEY)
    for (const backup of backupsIn(profile)) rmSync(join(profile.dir, backup))

    const outcome = await new RestoreIdentitiesStep(profile, notes.at(-1)!.identities!, async () => {}).apply()
    expect(outcome).toMatchObject({changed: true, warnings: []})
    expect(prefsOf(profile).equals(ORIGINAL)).toBe(true)
  })

  it('describes itself with the addresses and the file', () => {
    const profile = fixtureProfile()
    expect(new RestoreIdentitiesStep(profile, INSTALL(profile.dir), async () => {}).describe()).toBe(
      `Put back the S/MIME settings of alice@example.com, team@example.org as they were before mailcert, in ${join(profile.dir, 'prefs.js')}`,
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// DeleteIdentityStep (the NSS store's part of remove)
// ---------------------------------------------------------------------------------------------------------------

const P12 = manifest['p12/mailbox-rsa.p12']!
const LEAF_SHA = plainHex(P12.sha256!)
const INTERMEDIATE_SHA = plainHex(manifest['ca/intermediate.pem']!.sha256!)
const ROOT_SHA = plainHex(manifest['ca/root.pem']!.sha256!)
const LEAF_NICKNAME = P12.friendlyName!
const LEAF_DER = fixtureCertificate('certs/mailbox-rsa.pem').der

let driver: ToolsDriver

beforeAll(async () => {
  const located = await ToolsDriver.locate()
  if (!located) throw new Error('these tests need certutil and pk12util (libnss3-tools)')
  driver = located
})

/** Opens the session on first use, as the NSS store's holder does. */
function holder(dir: string): SessionHolder {
  return sessionHolder(() => driver.open(dir, {}))
}

function journalEntry(dir: string, overrides: Partial<JournalEntry> = {}): JournalEntry {
  return {
    sequence: 1,
    store: {kind: 'nss', location: dir},
    clients: ['thunderbird'],
    label: 'Thunderbird profile "default-release"',
    installedAt: '2026-03-01T10:00:00.000Z',
    certificate: {sha256: LEAF_SHA, emails: ['alice@example.com'], subject: 'CN=alice@example.com', references: {'nss-dbkey': NEW_KEY}},
    identities: [],
    addedCertificates: [LEAF_SHA, INTERMEDIATE_SHA, ROOT_SHA],
    trustedRoot: null,
    ...overrides,
  }
}

/** Nickname → trust, as certutil -L lists the database. */
function certificatesIn(dir: string): Record<string, string> {
  const result = nssTool('certutil', ['-L', '-d', `sql:${dir}`])
  expect(result.status, result.output).toBe(0)
  return Object.fromEntries(parseCertificateList(result.stdout).map((entry) => [entry.nickname, entry.trust]))
}

/** certutil -K: the private keys, by the nickname of their certificate. */
function keysIn(dir: string): string {
  return nssTool('certutil', ['-K', '-d', `sql:${dir}`, '-f', passwordFile('\n')]).output
}

/** A database as install leaves it: mailbox-rsa.p12 imported (leaf with its key, intermediate and root). */
function installedDatabase(): string {
  const dir = makeNssDb('mailcert-remove-nssdb-')
  scratch.push(dir)
  importP12(dir, 'mailbox-rsa.p12')
  return dir
}

/** `stillUsed`: an account of a client reading the database still names the certificate after the restore. */
async function applyDelete(dir: string, entry: JournalEntry, stillUsed = false) {
  const session = holder(dir)
  let asked = 0
  const step: PlanStep = new DeleteIdentityStep(session, entry, async () => {
    asked++
    return stillUsed
  })
  // The store's own step: no client owns it.
  expect(step.part).toBeUndefined()
  try {
    const outcome = await step.apply({note: async () => {}})
    // It asks when it runs (after the settings were put back), not when it is planned.
    expect(asked).toBe(1)
    return outcome
  } finally {
    await session.release()
  }
}

async function verifiesForSigning(dir: string): Promise<boolean> {
  const session = await driver.open(dir, {})
  try {
    return (await session.verify(LEAF_DER, 'signing')).valid
  } finally {
    await session.close()
  }
}

describe('DeleteIdentityStep', () => {
  it('removes the certificate with its private key and the issuers mailcert added', async () => {
    const dir = installedDatabase()
    expect(Object.keys(certificatesIn(dir)).sort()).toEqual([LEAF_NICKNAME, INTERMEDIATE_NICKNAME, ROOT_NICKNAME].sort())
    expect(keysIn(dir)).toContain(LEAF_NICKNAME)

    const outcome = await applyDelete(dir, journalEntry(dir))
    expect(outcome).toEqual({changed: true, detail: '3 certificates removed', warnings: []})
    expect(certificatesIn(dir)).toEqual({})
    expect(keysIn(dir)).not.toContain(LEAF_NICKNAME)
    expect(keysIn(dir)).toMatch(/no keys found/)
  })

  it('removes only what the journal says mailcert added', async () => {
    const dir = installedDatabase()
    // The issuers were there before the install: the journal lists only the leaf.
    const outcome = await applyDelete(dir, journalEntry(dir, {addedCertificates: [LEAF_SHA]}))
    expect(outcome).toMatchObject({changed: true, detail: '1 certificate removed'})
    expect(Object.keys(certificatesIn(dir)).sort()).toEqual([INTERMEDIATE_NICKNAME, ROOT_NICKNAME].sort())
  })

  it('puts back the trust a root that was there before had, and removes the rest', async () => {
    const dir = makeNssDb('mailcert-remove-nssdb-')
    scratch.push(dir)
    // The root was already in the profile, trusted for web sites only; the install trusted it for e-mail too.
    addCertificate(dir, ROOT_NICKNAME, 'ca/root.pem', 'C,,')
    importP12(dir, 'mailbox-rsa.p12')
    setTrust(dir, ROOT_NICKNAME, 'C,C,')
    expect(certificatesIn(dir)[ROOT_NICKNAME]).toBe('C,C,')

    const outcome = await applyDelete(dir, journalEntry(dir, {addedCertificates: [LEAF_SHA, INTERMEDIATE_SHA], trustedRoot: {sha256: ROOT_SHA, previousTrust: 'C,,'}}))
    expect(outcome).toMatchObject({changed: true, detail: '2 certificates removed', warnings: []})
    expect(certificatesIn(dir)).toEqual({[ROOT_NICKNAME]: 'C,,'})
  })

  it('skips certificates that are no longer in the database', async () => {
    const dir = installedDatabase()
    nssTool('certutil', ['-D', '-d', `sql:${dir}`, '-n', INTERMEDIATE_NICKNAME])
    const outcome = await applyDelete(dir, journalEntry(dir))
    expect(outcome).toMatchObject({changed: true, detail: '2 certificates removed', warnings: []})
    expect(certificatesIn(dir)).toEqual({})
  })

  it('keeps the certificate and its key when another account still uses it', async () => {
    const dir = installedDatabase()
    const outcome = await applyDelete(dir, journalEntry(dir, {addedCertificates: [LEAF_SHA]}), true)
    expect(outcome.warnings).toEqual(['The certificate is kept: another account still uses it.'])
    expect(outcome).toMatchObject({changed: false, detail: '0 certificates removed'})
    expect(certificatesIn(dir)).toHaveProperty([LEAF_NICKNAME])
    expect(keysIn(dir)).toContain(LEAF_NICKNAME)
  })

  it('keeps the issuers and the root\'s e-mail trust too when the certificate stays in use, so it still verifies', async () => {
    const dir = installedDatabase()
    // The install trusted the private root for e-mail; the certificate is good for signing.
    setTrust(dir, ROOT_NICKNAME, ',C,')
    expect(await verifiesForSigning(dir)).toBe(true)

    // One identity's settings were put back, another still signs with the certificate.
    const outcome = await applyDelete(dir, journalEntry(dir, {trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}}), true)
    expect(outcome.warnings).toContain('The certificate is kept: another account still uses it.')
    expect(certificatesIn(dir)).toEqual({[LEAF_NICKNAME]: 'u,u,u', [INTERMEDIATE_NICKNAME]: ',,', [ROOT_NICKNAME]: ',C,'})
    expect(await verifiesForSigning(dir)).toBe(true)
  })

  it('describes what it takes out', () => {
    const dir = '/nonexistent'
    expect(new DeleteIdentityStep(holder(dir), journalEntry(dir), async () => false).describe()).toBe(
      'Remove the certificates (3) mailcert added to the certificate database, with the private key',
    )
    expect(new DeleteIdentityStep(holder(dir), journalEntry(dir, {addedCertificates: [LEAF_SHA], trustedRoot: {sha256: ROOT_SHA, previousTrust: ',,'}}), async () => false).describe()).toBe(
      'Remove the certificate mailcert added to the certificate database, with the private key and the e-mail trust it gave the root',
    )
  })
})
