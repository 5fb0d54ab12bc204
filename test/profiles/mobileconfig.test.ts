import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import * as plist from 'plist'
import {afterAll, describe, expect, it} from 'vitest'

import type {Identity} from '../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {reencodeIdentity} from '../../src/identity/reencode.js'
import {
  buildMobileconfig,
  defaultProfileIdentifier,
  isProfileIdentifier,
  PAYLOAD_TYPES,
  rootOf,
  uuidV5,
} from '../../src/profiles/mobileconfig.js'
import {profilePasswordFor, profilePasswordProblem} from '../../src/profiles/profile-password.js'
import {writeMobileconfig} from '../../src/profiles/write-mobileconfig.js'
import {xmlPlist} from '../../src/system/plist.js'
import {fixture} from '../helpers/fixtures.js'
import {compareVersions, loadSchema, schemaProblems} from './apple-schema.js'

/** The oldest macOS the profile's instructions are for. */
const MACOS = '13.0'

const work = mkdtempSync(join(tmpdir(), 'mailcert-mobileconfig-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  return (await openPkcs12(input, 'test')).identity
}

type Dict = Record<string, unknown>

/** The profile as another reader (the npm plist package) sees it. */
function readBack(profile: Dict): {top: Dict; payloads: Dict[]} {
  const top = plist.parse(xmlPlist(profile as never)) as Dict
  return {top, payloads: top.PayloadContent as Dict[]}
}

const SCHEMAS = {
  [PAYLOAD_TYPES.pkcs12]: loadSchema('com.apple.security.pkcs12'),
  [PAYLOAD_TYPES.identityPreference]: loadSchema('com.apple.security.identitypreference'),
  [PAYLOAD_TYPES.root]: loadSchema('com.apple.security.root'),
}

describe("the profile, by Apple's schema", async () => {
  const identity = await identityOf('p12/sponsor-rsa.p12')
  const pkcs12 = reencodeIdentity(identity, 'test', 'legacy')
  const built = buildMobileconfig(identity, pkcs12, {trustRoot: true, includedPassword: 'test', organization: 'Example GmbH'})
  const {top, payloads} = readBack(built.plist)

  it('top level: the keys of TopLevel.yaml, of their types, the required ones present; a user profile for Macs', () => {
    const schema = loadSchema('TopLevel')
    expect(schemaProblems(top, schema, null, MACOS)).toEqual([])
    expect(top).toMatchObject({PayloadType: 'Configuration', PayloadScope: 'User', PayloadVersion: 1, TargetDeviceType: 5, PayloadOrganization: 'Example GmbH'})
    expect(top.PayloadDisplayName).toBe('S/MIME certificate of Alice Example (alice@example.com)')
    expect(top.PayloadDescription).toContain('alice@example.com and alice.example@example.org')
    expect(schema.payload.supportedOS.macOS).toMatchObject({userchannel: true, allowmanualinstall: true})
  })

  it('each payload: only its keys and the common ones, typed, required ones present; installable by hand, in a user profile, on macOS 13', () => {
    const common = loadSchema('CommonPayloadKeys')
    expect(payloads.map((p) => p.PayloadType)).toEqual([PAYLOAD_TYPES.pkcs12, PAYLOAD_TYPES.identityPreference, PAYLOAD_TYPES.identityPreference, PAYLOAD_TYPES.root])
    for (const payload of payloads) {
      const schema = SCHEMAS[payload.PayloadType as keyof typeof SCHEMAS]
      expect(schemaProblems(payload, schema, common, MACOS)).toEqual([])
      const macOS = schema.payload.supportedOS.macOS!
      expect(macOS.allowmanualinstall).toBe(true)
      expect(macOS.userchannel).toBe(true)
      expect(compareVersions(macOS.introduced!, MACOS)).toBeLessThanOrEqual(0)
      if (payloads.filter((p) => p.PayloadType === payload.PayloadType).length > 1) expect(macOS.multiple).toBe(true)
    }
    const identifiers = [top.PayloadIdentifier, ...payloads.map((p) => p.PayloadIdentifier)]
    expect(new Set(identifiers).size).toBe(identifiers.length)
  })

  it('the identity preferences name every address and point at the PKCS#12 payload; the root payload holds the self-signed root', () => {
    const [identityPayload, ...others] = payloads
    expect(Buffer.from(identityPayload.PayloadContent as Uint8Array).equals(pkcs12)).toBe(true)
    expect(identityPayload).toMatchObject({Password: 'test', PayloadCertificateFileName: 'alice@example.com.p12'})
    const preferences = others.filter((p) => p.PayloadType === PAYLOAD_TYPES.identityPreference)
    expect(preferences.map((p) => p.Name)).toEqual(['alice@example.com', 'alice.example@example.org'])
    for (const preference of preferences) expect(preference.PayloadCertificateUUID).toBe(identityPayload.PayloadUUID)
    const root = rootOf(identity)!
    expect(root.selfSigned).toBe(true)
    expect(Buffer.from(others.at(-1)!.PayloadContent as Uint8Array).equals(root.der)).toBe(true)
  })

  it('the check itself finds unknown keys, wrong types, missing keys and keys macOS does not have', () => {
    const common = loadSchema('CommonPayloadKeys')
    const problems = schemaProblems({PayloadType: PAYLOAD_TYPES.pkcs12, Unknown: 1, AllowAllAppsAccess: 'yes', PayloadVersion: 2}, SCHEMAS[PAYLOAD_TYPES.pkcs12], common, MACOS)
    expect(problems).toEqual([
      'com.apple.security.pkcs12: Unknown is not a key of this payload',
      'com.apple.security.pkcs12: AllowAllAppsAccess is not of type <boolean>',
      'com.apple.security.pkcs12: PayloadVersion = 2 is not one of 1',
      'com.apple.security.pkcs12: required key PayloadIdentifier is missing',
      'com.apple.security.pkcs12: required key PayloadUUID is missing',
      'com.apple.security.pkcs12: required key PayloadContent is missing',
    ])
    expect(schemaProblems({SMIMESigningEnabled: true}, loadSchema('com.apple.mail.managed'), null, MACOS)).toContain('com.apple.mail.managed: SMIMESigningEnabled is not supported on macOS')
  })

  it("Mail's S/MIME keys in com.apple.mail.managed are iOS-only: no profile can switch on signing in Apple Mail", () => {
    const smimeKeys = loadSchema('com.apple.mail.managed').payloadkeys.filter((k) => k.key.startsWith('SMIME'))
    expect(smimeKeys.length).toBeGreaterThan(5)
    for (const key of smimeKeys) expect(key.supportedOS?.macOS?.introduced, key.key).toBe('n/a')
  })
})

describe('identifiers and UUIDs', async () => {
  const sponsor = await identityOf('p12/sponsor-rsa.p12')
  const mailbox = await identityOf('p12/mailbox-rsa.p12')

  it('are the same for the same certificate, whatever the PKCS#12 bytes; another certificate of the same address keeps the identifier only', () => {
    const ids = (identity: Identity) => {
      const built = buildMobileconfig(identity, reencodeIdentity(identity, 'test', 'legacy'), {trustRoot: true})
      return {identifier: built.identifier, uuids: [built.uuid, ...built.payloads.map((p) => p.uuid)]}
    }
    const first = ids(sponsor)
    expect(ids(sponsor)).toEqual(first)
    const renewal = ids(mailbox)
    expect(renewal.identifier).toBe(first.identifier)
    expect(renewal.identifier).toBe('mailcert.smime.com.example.alice')
    expect(renewal.uuids.some((uuid) => first.uuids.includes(uuid))).toBe(false)
    expect(new Set(first.uuids).size).toBe(first.uuids.length)
  })

  it("are RFC 4122 version 5 UUIDs: the example of Python's uuid documentation", () => {
    // uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org') in docs.python.org/3/library/uuid.html
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313E1-3B8A-5372-9B90-0C9AEE199E5D')
  })

  it('an identifier from an internationalised address is reverse-DNS ASCII; --identifier values are checked', async () => {
    const identifier = defaultProfileIdentifier((await identityOf('p12/smtputf8.p12')).certificate)
    expect(identifier).toBe('mailcert.smime.de.xn--exmple-cua.j-rg')
    expect(isProfileIdentifier(identifier)).toBe(true)
    expect(isProfileIdentifier('com.example.smime')).toBe(true)
    expect(isProfileIdentifier('com..example')).toBe(false)
    expect(isProfileIdentifier('com.example smime')).toBe(false)
  })

  it('a control character in the certificate\'s name does not stop the profile: it is shown as U+FFFD', () => {
    const subject = {...sponsor.certificate.subject, attributes: [{type: 'CN', oid: '2.5.4.3', value: 'Alice\u0007 Example'}]}
    const odd: Identity = {...sponsor, certificate: {...sponsor.certificate, subject}}
    const built = buildMobileconfig(odd, Buffer.from('p12'))
    expect(built.displayName).toBe('S/MIME certificate of Alice\uFFFD Example (alice@example.com)')
    expect(() => xmlPlist(built.plist)).not.toThrow()
  })

  it('leaves out the password and the root unless asked; a file without its root has none to add', async () => {
    const payloadTypes = buildMobileconfig(sponsor, Buffer.from('p12')).payloads.map((p) => p.type)
    expect(payloadTypes).not.toContain(PAYLOAD_TYPES.root)
    expect((buildMobileconfig(sponsor, Buffer.from('p12')).plist.PayloadContent as Dict[])[0]).not.toHaveProperty('Password')
    expect(rootOf(await identityOf('p12/rsa-leafonly.p12'))).toBeNull()
  })

  it('a password macOS can take: printable ASCII, not empty; the file\'s own unless another is given or it goes into the file', () => {
    expect(profilePasswordProblem('Tr0ub4dor & 3')).toBeNull()
    expect(profilePasswordProblem('')).toBe('empty')
    expect(profilePasswordProblem('pässwörd')).toBe('not-ascii')
    expect(profilePasswordProblem('tab\there')).toBe('not-ascii')

    expect(profilePasswordFor('test', {})).toEqual({password: 'test', source: 'same-as-file'})
    expect(profilePasswordFor('pässwörd', {})).toEqual({problem: 'not-ascii'})
    expect(profilePasswordFor('pässwörd', {given: 'other'})).toEqual({password: 'other', source: 'profile-password'})
    expect(() => profilePasswordFor('test', {given: 'wörd'})).toThrow(/beyond printable ASCII/)
    const generated = profilePasswordFor('test', {includePassword: true})
    expect(generated).toMatchObject({source: 'generated'})
    expect('password' in generated && generated.password).not.toBe('test')
  })
})

describe('writeMobileconfig', async () => {
  const identity = await identityOf('p12/ec-p256.p12')

  it('embeds a PKCS#12 that openssl reads with 3DES bags and a SHA-1 MAC under the given password, in a file only its owner reads', async () => {
    const path = join(work, 'ec.mobileconfig')
    const written = await writeMobileconfig(identity, 'profile pw', {path})
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(written).toMatchObject({path, passwordIncluded: false, signer: null, root: null, identifier: 'mailcert.smime.com.example.alice'})

    const profile = plist.parse(readFileSync(path, 'utf8')) as Dict
    const payload = (profile.PayloadContent as Dict[])[0]
    expect(payload).not.toHaveProperty('Password')
    const p12 = join(work, 'embedded.p12')
    writeFileSync(p12, payload.PayloadContent as Uint8Array, {mode: 0o600})
    const info = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-in', p12, '-passin', 'stdin'], {input: 'profile pw\n', encoding: 'utf8'})
    expect(info.status, info.stderr).toBe(0)
    expect(info.stderr).toContain('MAC: sha1, Iteration 2048')
    expect(info.stderr).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC')
    expect(info.stderr).toContain('Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC')
    expect(info.stderr).not.toMatch(/PBES2|AES/)
  })

  it('refuses a password macOS cannot take, and leaves an existing file alone without force', async () => {
    const path = join(work, 'existing.mobileconfig')
    writeFileSync(path, 'mine')
    await expect(writeMobileconfig(identity, 'pässwörd', {path: join(work, 'x.mobileconfig')})).rejects.toMatchObject({code: 'profile-password', exitCode: 2})
    await expect(writeMobileconfig(identity, 'pw', {path})).rejects.toMatchObject({code: 'profile-exists', exitCode: 2})
    expect(readFileSync(path, 'utf8')).toBe('mine')
    await expect(writeMobileconfig(identity, 'pw', {path: join(work, 'no', 'such', 'folder.mobileconfig')})).rejects.toMatchObject({code: 'profile-unwritable', exitCode: 2})
  })
})
