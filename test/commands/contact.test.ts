/**
 * `mailcert contact` on Linux, end to end: Bob writes his files with `mailcert share`, Alice imports
 * the signed message into her Thunderbird profile's database and the shared ~/.pki/nssdb, and
 * Evolution's own S/MIME code (Camel) then encrypts to Bob, which only Bob's key opens. Real NSS
 * databases and tools, the built CLI; faketime for "soon expiring" and "expired".
 */
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {encryptWithEvolution} from '../helpers/evolution-home.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli} from '../helpers/run-cli.js'
import {thunderbirdHome, type ThunderbirdHome} from '../helpers/thunderbird-home.js'

const cert = (name: string) => join(FIXTURES, 'certs', name)
const ca = (name: string) => join(FIXTURES, 'ca', name)

function cli(home: ThunderbirdHome, args: string[], options: {at?: string; env?: Record<string, string>} = {}) {
  return runCli(args, {env: {HOME: home.home, ...options.env}, timeoutMs: 120_000, runUnder: options.at ? ['faketime', options.at] : undefined})
}

const shared = (home: ThunderbirdHome) => join(home.home, '.pki', 'nssdb')
const listing = (dir: string) => execFileSync('certutil', ['-L', '-d', `sql:${dir}`], {encoding: 'utf8'})
const contactsFile = (home: ThunderbirdHome) => join(home.home, '.local', 'share', 'mailcert', 'contacts.json')

/** Alice's machine: a Thunderbird profile, and the shared NSS database Evolution reads. */
async function alicesMachine(): Promise<ThunderbirdHome> {
  const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
  mkdirSync(shared(home), {recursive: true})
  execFileSync('certutil', ['-N', '-d', `sql:${shared(home)}`, '--empty-password'])
  return home
}

/** The file with Bob's certificate, its intermediate and the root, as some authorities hand it out. */
function bobsBundle(home: ThunderbirdHome): string {
  const file = join(home.home, 'bob-chain.pem')
  writeFileSync(file, [cert('bob-rsa.pem'), ca('intermediate.pem'), ca('root.pem')].map((f) => readFileSync(f, 'utf8')).join(''))
  return file
}

type Added = {status: number; result: {changed: boolean; contact: {emails: string[]; format: string; from?: string}; verdicts: Array<{store: string; valid: boolean | null; reason?: string}>; targets: Array<{status: string; steps: Array<{id: string; status: string}>}>}}
type Listed = {result: {contacts: Array<{emails: string[]; expired: boolean; daysLeft: number; stores: Array<{location: string; present: boolean | null; addedByMailcert: boolean}>}>}}
type Refused = {status: number; error: {code: string; message: string; hints: string[]}}

describe('mailcert contact', () => {
  it('imports the message Bob signed into every NSS database, so that Evolution encrypts to him; again changes nothing; remove takes out exactly that', async () => {
    const home = await alicesMachine()
    // Bob's side: the files `share` writes for him to send.
    const bobs = join(home.home, 'from-bob')
    mkdirSync(bobs)
    const shared_ = await runCli(['share', join(FIXTURES, 'p12', 'bob-rsa.p12'), '--out', bobs], {env: {HOME: join(home.home, 'bob-home'), MAILCERT_PASSWORD: 'test'}})
    expect(shared_.code, shared_.stderr).toBe(0)
    const eml = join(bobs, 'bob@example.com.eml')

    // Thunderbird encrypts only to a certificate whose root it trusts: Alice's profile trusts the test root, the shared database does not.
    execFileSync('certutil', ['-A', '-d', `sql:${home.profileDir}`, '-n', 'test root', '-t', ',C,', '-i', ca('root.pem')])
    const before = {profile: listing(home.profileDir), shared: listing(shared(home))}
    const refused = await encryptWithEvolution(home.home, 'bob@example.com')
    expect(refused).toMatchObject({encrypted: false})

    const added = await cli(home, ['contact', 'add', eml, '--yes', '--json'])
    expect(added.code, added.stdout + added.stderr).toBe(0)
    const result = json<Added>(added).result
    expect(result.contact).toMatchObject({emails: ['bob@example.com'], format: 'signed message', from: 'bob@example.com'})
    expect(result.changed).toBe(true)
    expect(result.targets.map((t) => t.status)).toEqual(['done', 'done'])
    // NSS's own verdict (certutil's certUsageEmailRecipient, the check Thunderbird makes before it encrypts).
    expect(result.verdicts).toEqual([
      expect.objectContaining({store: 'Thunderbird profile "default-release"', valid: true}),
      expect.objectContaining({valid: false, reason: expect.stringContaining('not trusted') as string}),
    ])
    for (const dir of [home.profileDir, shared(home)]) {
      const now = listing(dir)
      expect(now).toMatch(/bob@example\.com\s+,,\s/)
      expect(now).toMatch(/mailcert Test Intermediate CA\s+,,\s/)
    }
    // The root came with the message, and is not added: adding it would be trusting it.
    expect(listing(shared(home))).not.toContain('Root')

    // Evolution's own S/MIME code now finds Bob's certificate and encrypts to it; Bob's key opens it.
    const encrypted = await encryptWithEvolution(home.home, 'bob@example.com')
    expect(encrypted).toMatchObject({encrypted: true, contentType: expect.stringContaining('enveloped-data') as string})
    const message = join(home.home, 'to-bob.eml')
    writeFileSync(message, (encrypted as {mime: string}).mime)
    const bobsKey = execFileSync('openssl', ['pkcs12', '-in', join(FIXTURES, 'p12', 'bob-rsa.p12'), '-passin', 'pass:test', '-nodes'], {encoding: 'utf8'})
    writeFileSync(join(home.home, 'bob-key.pem'), bobsKey, {mode: 0o600})
    expect(execFileSync('openssl', ['smime', '-decrypt', '-in', message, '-inkey', join(home.home, 'bob-key.pem')], {encoding: 'utf8'})).toContain('mailcert test message to bob@example.com')

    const again = await cli(home, ['contact', 'add', eml, '--yes', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(json<Added>(again).result.changed).toBe(false)
    expect(json<Added>(again).result.targets).toEqual([])

    const listed = json<Listed>(await cli(home, ['contact', 'list', '--json'])).result.contacts
    expect(listed).toHaveLength(1)
    expect(listed[0]).toMatchObject({emails: ['bob@example.com'], expired: false})
    expect(listed[0]!.stores.map((s) => [s.location, s.present, s.addedByMailcert])).toEqual([
      [home.profileDir, true, true],
      [shared(home), true, true],
    ])

    const removed = await cli(home, ['contact', 'remove', 'bob@example.com', '--yes'])
    expect(removed.code, removed.stdout + removed.stderr).toBe(0)
    expect({profile: listing(home.profileDir), shared: listing(shared(home))}).toEqual(before)
    expect(JSON.parse(readFileSync(contactsFile(home), 'utf8'))).toEqual({version: 1, contacts: []})
    expect(await encryptWithEvolution(home.home, 'bob@example.com')).toMatchObject({encrypted: false})
  }, 240_000)

  it('takes the encryption certificate from the message of someone with a separate pair', async () => {
    const home = await alicesMachine()
    const out = join(home.home, 'from-carol')
    mkdirSync(out)
    // The encryption half first: share tells them apart by key usage, as install does.
    const shared_ = await runCli(['share', join(FIXTURES, 'p12', 'encryption-only-rsa.p12'), join(FIXTURES, 'p12', 'signing-only-rsa.p12'), '--out', out, '--json'], {
      env: {HOME: join(home.home, 'carol-home'), MAILCERT_PASSWORD: 'test'},
    })
    expect(shared_.code, shared_.stdout + shared_.stderr).toBe(0)
    type Shared = {result: {files: {message: string; certificate: string}; certificate: {fingerprintSha256: string}; signingCertificate: {fingerprintSha256: string}; encryptable: boolean}}
    const {files, certificate, signingCertificate, encryptable} = json<Shared>(shared_).result
    expect(encryptable).toBe(true)
    const fingerprint = (file: string) => execFileSync('sh', ['-c', `openssl x509 -in "${file}" -noout -fingerprint -sha256`], {encoding: 'utf8'}).split('=')[1]!.trim().replaceAll(':', '').toLowerCase()
    expect(fingerprint(cert('encryption-only-rsa.pem'))).toBe(certificate.fingerprintSha256)
    expect(fingerprint(cert('signing-only-rsa.pem'))).toBe(signingCertificate.fingerprintSha256)
    // The message verifies, signed by the signing half (this pair comes from the test PKI's other root).
    const signer = join(out, 'signer.pem')
    execFileSync('openssl', ['cms', '-verify', '-in', files.message, '-CAfile', ca('extra-root.pem'), '-purpose', 'smimesign', '-signer', signer, '-out', '/dev/null'], {stdio: 'pipe'})
    expect(fingerprint(signer)).toBe(signingCertificate.fingerprintSha256)

    const added = await cli(home, ['contact', 'add', files.message, '--yes', '--json'])
    expect(added.code, added.stdout + added.stderr).toBe(0)
    type AddedPair = {result: {contact: {fingerprintSha256: string}}}
    expect(json<AddedPair>(added).result.contact.fingerprintSha256).toBe(certificate.fingerprintSha256)
  }, 180_000)

  it('refuses what cannot be encrypted to, and a private key, with exit 4 and one sentence, changing nothing', async () => {
    const home = await alicesMachine()
    const before = {profile: listing(home.profileDir), shared: listing(shared(home))}
    const text = join(home.home, 'notes.txt')
    writeFileSync(text, 'Hello Alice, here is my certificate.\n')
    const cases: Array<[string, string]> = [
      [cert('expired.pem'), 'contact-expired'],
      [cert('not-yet-valid.pem'), 'contact-not-yet-valid'],
      [cert('tls-server.pem'), 'contact-no-email'],
      [cert('eku-client-only.pem'), 'contact-not-for-encryption'],
      [cert('signing-only-rsa.pem'), 'contact-not-for-encryption'],
      [cert('no-email.pem'), 'contact-no-email'],
      [ca('root.pem'), 'contact-is-ca'],
      [join(FIXTURES, 'p12', 'bob-rsa.p12'), 'contact-private-key'],
      [text, 'contact-unreadable'],
    ]
    for (const [file, code] of cases) {
      const run = await cli(home, ['contact', 'add', file, '--yes', '--json'])
      expect(run.code, `${file}: ${run.stdout}`).toBe(4)
      const error = json<Refused>(run).error
      expect(error.code, file).toBe(code)
      // One sentence, then the hints.
      expect(error.message.split(/\.\s/).length, error.message).toBeLessThanOrEqual(2)
    }
    expect({profile: listing(home.profileDir), shared: listing(shared(home))}).toEqual(before)
    expect(existsSync(contactsFile(home))).toBe(false)

    const unknown = await cli(home, ['contact', 'remove', 'carol@example.com', '--yes', '--json'])
    expect(unknown.code).toBe(2)
    expect(json<Refused>(unknown).error.code).toBe('no-such-contact')
  }, 180_000)

  it('keeps an issuer two correspondents share until the last of them goes, and asks for a primary password it needs', async () => {
    const home = await alicesMachine()
    // A primary password on the profile's database: certutil -A needs it there.
    const oldPw = join(home.home, 'old.txt')
    const newPw = join(home.home, 'db-password.txt')
    writeFileSync(oldPw, '\n')
    writeFileSync(newPw, 'primary secret\n', {mode: 0o600})
    execFileSync('certutil', ['-W', '-d', `sql:${home.profileDir}`, '-f', oldPw, '-@', newPw])
    const before = {profile: listing(home.profileDir), shared: listing(shared(home))}

    const withoutPassword = await cli(home, ['contact', 'add', bobsBundle(home), '--yes', '--json'])
    expect(withoutPassword.code, withoutPassword.stdout).toBe(2)
    expect(json<Refused>(withoutPassword).error.message).toContain('primary password')
    expect(json<Refused>(withoutPassword).error.hints.join(' ')).toContain('--db-password-file')
    expect({profile: listing(home.profileDir), shared: listing(shared(home))}).toEqual(before)

    const withPassword = ['--db-password-file', newPw]
    const bob = await cli(home, ['contact', 'add', bobsBundle(home), '--yes', '--json', ...withPassword])
    expect(bob.code, bob.stdout + bob.stderr).toBe(0)
    // Alice's certificate comes from the same intermediate, which Bob's import has added already.
    const carolFile = join(home.home, 'alice-colleague.pem')
    writeFileSync(carolFile, readFileSync(cert('mailbox-rsa.pem'), 'utf8') + readFileSync(ca('intermediate.pem'), 'utf8'))
    const other = await cli(home, ['contact', 'add', carolFile, '--yes', '--json', ...withPassword])
    expect(other.code, other.stdout + other.stderr).toBe(0)
    expect(json<Added>(other).result.targets.flatMap((t) => t.steps.map((s) => s.id))).toEqual(['add-correspondent', 'add-correspondent'])

    const bobGone = await cli(home, ['contact', 'remove', 'bob@example.com', '--yes', ...withPassword])
    expect(bobGone.code, bobGone.stdout + bobGone.stderr).toBe(0)
    expect(bobGone.stdout).toContain('Keep the issuer certificate mailcert Test Intermediate CA')
    for (const dir of [home.profileDir, shared(home)]) {
      expect(listing(dir)).not.toContain('bob@example.com')
      expect(listing(dir)).toContain('mailcert Test Intermediate CA')
    }

    const all = await cli(home, ['contact', 'remove', '--all', '--yes', ...withPassword])
    expect(all.code, all.stdout + all.stderr).toBe(0)
    expect({profile: listing(home.profileDir), shared: listing(shared(home))}).toEqual(before)
  }, 240_000)

  it('check lists a correspondent whose certificate expires soon; remove --expired clears it once it has', async () => {
    const home = await alicesMachine()
    const added = await cli(home, ['contact', 'add', bobsBundle(home), '--yes'])
    expect(added.code, added.stdout + added.stderr).toBe(0)

    // Bob's certificate runs until 2036-12-31.
    type Checked = {status: number; result: {correspondents: Array<{emails: string[]; daysLeft: number; expired: boolean}>}}
    const today = json<Checked>(await cli(home, ['check', '--json'])).result.correspondents
    expect(today).toEqual([])
    const soon = await cli(home, ['check', '--json'], {at: '2036-12-20 12:00:00'})
    expect(json<Checked>(soon).result.correspondents).toEqual([expect.objectContaining({emails: ['bob@example.com'], daysLeft: 11, expired: false})])
    const soonText = await cli(home, ['check'], {at: '2036-12-20 12:00:00'})
    expect(soonText.stdout).toContain('Correspondents\' certificates that expire soon')
    expect(soonText.stdout).toContain('bob@example.com: expires 2036-12-31, in 11 days')
    expect(soonText.stdout).toContain('mailcert contact add FILE')

    const nothingYet = await cli(home, ['contact', 'remove', '--expired', '--yes'], {at: '2036-12-20 12:00:00'})
    expect(nothingYet.code).toBe(0)
    expect(nothingYet.stdout).toContain('nothing to remove')
    expect(listing(home.profileDir)).toContain('bob@example.com')

    const later = '2037-02-01 12:00:00'
    const expiredText = await cli(home, ['check'], {at: later})
    expect(expiredText.stdout).toContain('bob@example.com: expired 2036-12-31')
    expect(expiredText.stdout).toContain('mailcert contact remove --expired')
    const cleared = await cli(home, ['contact', 'remove', '--expired', '--yes', '--json'], {at: later})
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0)
    expect(listing(home.profileDir)).not.toContain('bob@example.com')
    expect(listing(shared(home))).not.toContain('bob@example.com')
  }, 240_000)
})
