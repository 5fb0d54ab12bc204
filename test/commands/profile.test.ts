import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import * as plist from 'plist'
import {afterEach, describe, expect, it} from 'vitest'

import {FIXTURES} from '../helpers/fixtures.js'
import {json, runCli, sandboxHome} from '../helpers/run-cli.js'
import {Terminal} from '../helpers/terminal.js'

const p12 = (name: string) => join(FIXTURES, 'p12', name)
const home = sandboxHome('mailcert-profile-')
const passwordFile = join(home, 'password')
writeFileSync(passwordFile, 'test\n', {mode: 0o600})
const env = {HOME: home, MAILCERT_PASSWORD: undefined}

type Dict = Record<string, unknown>

interface Envelope {
  status: number
  result: Dict & {payloads: Array<{type: string; uuid: string; address?: string}>}
  warnings: string[]
  error?: {code: string}
}

function readProfile(path: string): {top: Dict; payloads: Dict[]} {
  const top = plist.parse(readFileSync(path, 'utf8')) as Dict
  return {top, payloads: top.PayloadContent as Dict[]}
}

/** What `openssl pkcs12 -info` says of the profile's embedded identity, opened with `password`. */
function embeddedInfo(payload: Dict, password: string): string {
  const file = join(home, `embedded-${Math.random().toString(36).slice(2)}.p12`)
  writeFileSync(file, payload.PayloadContent as Uint8Array, {mode: 0o600})
  const info = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-in', file, '-passin', 'stdin'], {input: `${password}\n`, encoding: 'utf8'})
  expect(info.status, info.stderr).toBe(0)
  return info.stderr
}

let terminal: Terminal | undefined
afterEach(() => terminal?.close())

describe('mailcert profile', () => {
  it('writes a user profile, 0600, that the plist package reads: the identity, a preference per address, the root with --trust-root; JSON out', async () => {
    const out = join(home, 'alice.mobileconfig')
    const result = await runCli(['profile', p12('sponsor-rsa.p12'), '--password-file', passwordFile, '--out', out, '--trust-root', '--json'], {env})
    expect(result.code, result.stderr).toBe(0)
    const envelope = json<Envelope>(result)
    expect(envelope.status).toBe(0)
    expect(envelope.result).toMatchObject({
      path: out,
      identifier: 'mailcert.smime.com.example.alice',
      passwordIncluded: false,
      passwordSource: 'same-as-file',
      signer: null,
      root: {subject: 'CN=mailcert Test Root CA, O=mailcert Test PKI'},
      certificate: {emails: ['alice@example.com', 'alice.example@example.org']},
    })
    expect(statSync(out).mode & 0o777).toBe(0o600)

    const {top, payloads} = readProfile(out)
    expect(top).toMatchObject({PayloadType: 'Configuration', PayloadScope: 'User', PayloadVersion: 1, PayloadIdentifier: 'mailcert.smime.com.example.alice', PayloadUUID: envelope.result.uuid})
    expect(payloads.map((p) => [p.PayloadType, p.Name ?? null])).toEqual([
      ['com.apple.security.pkcs12', null],
      ['com.apple.security.identitypreference', 'alice@example.com'],
      ['com.apple.security.identitypreference', 'alice.example@example.org'],
      ['com.apple.security.root', null],
    ])
    expect(payloads.map((p) => p.PayloadUUID)).toEqual(envelope.result.payloads.map((p) => p.uuid))
    expect(payloads[0]).not.toHaveProperty('Password')
    // Re-encoded under the file's own password, the way every macOS reads it.
    expect(embeddedInfo(payloads[0], 'test')).toMatch(/MAC: sha1[\s\S]*Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC/)
    expect(readFileSync(out, 'utf8')).not.toContain('<string>test</string>')

    // Again: refused, the file untouched; with --force over a file others could read, replaced and 0600 again.
    const before = readFileSync(out)
    const again = await runCli(['profile', p12('sponsor-rsa.p12'), '--password-file', passwordFile, '--out', out, '--json'], {env})
    expect(again.code).toBe(2)
    expect(json<Envelope>(again).error).toMatchObject({code: 'profile-exists', hints: [expect.stringContaining('--force')]})
    expect(readFileSync(out).equals(before)).toBe(true)
    chmodSync(out, 0o644)
    const forced = await runCli(['profile', p12('sponsor-rsa.p12'), '--out', out, '--force'], {env: {...env, MAILCERT_PASSWORD_FILE: passwordFile}})
    expect(forced.code, forced.stderr).toBe(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    // The same certificate: the same UUIDs; no --trust-root this time: no root payload.
    expect(readProfile(out).payloads.map((p) => p.PayloadUUID)).toEqual(envelope.result.payloads.slice(0, 3).map((p) => p.uuid))
  })

  it('--include-password: a generated password inside, a warning on stderr about who can read it, and the next steps for a Mac and an MDM', async () => {
    const out = join(home, 'with-password.mobileconfig')
    const result = await runCli(['profile', p12('mailbox-rsa.p12'), '--out', out, '--include-password', '--organization', 'Example IT', '--identifier', 'com.example.smime.alice'], {
      env: {...env, MAILCERT_PASSWORD: 'test'},
    })
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toMatch(/holds the private key and its password: anyone who gets a copy can install the key and sign mail as alice@example\.com/)
    expect(result.stdout).toContain(`Wrote ${out}`)
    expect(result.stdout).toContain('System Settings > Privacy & Security > Profiles')
    expect(result.stdout).toContain('General > Device Management instead (UNCONFIRMED)')
    expect(result.stdout).toContain('To deploy it with an MDM')
    expect(result.stdout).not.toContain('test')

    const {top, payloads} = readProfile(out)
    expect(top).toMatchObject({PayloadIdentifier: 'com.example.smime.alice', PayloadOrganization: 'Example IT'})
    const password = payloads[0].Password as string
    expect(password).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(embeddedInfo(payloads[0], password)).toContain('PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC')
  })

  it('a wrong password: exit 3, nothing written; a password macOS cannot take and no terminal: exit 2 with what to pass instead', async () => {
    const out = join(home, 'wrong.mobileconfig')
    const wrong = await runCli(['profile', p12('mailbox-rsa.p12'), '--out', out, '--json'], {env: {...env, MAILCERT_PASSWORD: 'nope'}})
    expect(wrong.code).toBe(3)
    expect(json<Envelope>(wrong).error).toMatchObject({code: 'wrong-password'})
    expect(existsSync(out)).toBe(false)

    const nonAscii = await runCli(['profile', p12('rsa-nonascii.p12'), '--out', out, '--json'], {env: {...env, MAILCERT_PASSWORD: 'pässwörd'}})
    expect(nonAscii.code).toBe(2)
    expect(json<Envelope>(nonAscii).error).toMatchObject({code: 'profile-password-required', hints: [expect.stringContaining('--profile-password-file'), expect.stringContaining('--include-password')]})
    expect(existsSync(out)).toBe(false)

    const chosen = await runCli(['profile', p12('rsa-nonascii.p12'), '--out', out, '--json'], {env: {...env, MAILCERT_PASSWORD: 'pässwörd', MAILCERT_PROFILE_PASSWORD: 'plain ascii'}})
    expect(chosen.code, chosen.stderr).toBe(0)
    expect(json<Envelope>(chosen).result.passwordSource).toBe('profile-password')
    expect(embeddedInfo(readProfile(out).payloads[0], 'plain ascii')).toContain('MAC: sha1')
  })

  it('--sign-with: CMS SignedData in DER that openssl verifies, with and without the signer\'s root, around the same plist', async () => {
    const out = join(home, 'signed.mobileconfig')
    const result = await runCli(['profile', p12('mailbox-rsa.p12'), '--password-file', passwordFile, '--out', out, '--sign-with', p12('organization-rsa.p12'), '--json'], {
      env: {...env, MAILCERT_SIGN_WITH_PASSWORD: 'test'},
    })
    expect(result.code, result.stderr).toBe(0)
    expect(json<Envelope>(result).result.signer).toMatchObject({subject: expect.stringContaining('CN=Example GmbH')})
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readFileSync(out)[0]).toBe(0x30)

    const noverify = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', out, '-noverify', '-binary'])
    expect(noverify.status, noverify.stderr.toString()).toBe(0)
    const content = plist.parse(noverify.stdout.toString('utf8')) as Dict
    expect(content).toMatchObject({PayloadType: 'Configuration', PayloadIdentifier: 'mailcert.smime.com.example.alice'})

    const chained = spawnSync('openssl', ['cms', '-verify', '-inform', 'DER', '-in', out, '-CAfile', join(FIXTURES, 'ca', 'root.pem'), '-binary'], {encoding: 'utf8'})
    expect(chained.stderr).toContain('Verification successful')
    expect(chained.status).toBe(0)
  })

  it('at a terminal, a password macOS may not take makes it ask for another, twice, masked', async () => {
    const out = join(home, 'chosen.mobileconfig')
    terminal = Terminal.start(['profile', p12('rsa-nonascii.p12'), '--out', out], {HOME: home, MAILCERT_PASSWORD: 'pässwörd'})
    await terminal.waitFor('Password for the profile:')
    terminal.paste('first try')
    await terminal.waitFor('The same password again:')
    terminal.paste('second try')
    await terminal.waitFor('The two did not match.')
    await terminal.waitFor(/did not match\.[\s\S]*Password for the profile:/)
    terminal.paste('chosen pw')
    await terminal.waitFor(/did not match\.[\s\S]*The same password again:/)
    terminal.paste('chosen pw')
    const screen = await terminal.waitFor(`Wrote ${out}`)
    expect(screen).not.toMatch(/first try|second try|chosen pw/)
    expect(screen).toContain('the one you just chose')
    expect(await terminal.exitCode()).toBe(0)
    expect(embeddedInfo(readProfile(out).payloads[0], 'chosen pw')).toContain('MAC: sha1')
  })
})
