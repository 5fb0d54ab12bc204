/**
 * `mailcert check` finds what is wrong in a real Thunderbird 153 profile (set up by mailcert, then
 * changed as a user or another tool might) and says how to fix each problem: the built CLI, NSS's
 * tools, and Thunderbird itself where NSS's tools cannot judge. Each test works on its own copy.
 */
import {execFileSync} from 'node:child_process'
import {appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {ABSENT_KEY, ALICE_KEY, check, checkJson, emptyHome, EXPIRED_KEY, identityOf, install, pointAt, processesOn, profileOf, setIdentityPrefs, tbHome, THUNDERBIRD_TIMEOUT} from '../helpers/check-cli.js'
import {importP12} from '../helpers/nss-db.js'

describe('mailcert check finds problems', () => {
  it('exits 8 and prints one line per problem with the command that fixes it', async () => {
    const home = await tbHome()
    // alice points at a certificate that really expired (imported with pk12util), bob at one that is not there.
    importP12(home.profileDir, 'expired.p12')
    pointAt(home, 'alice@example.com', EXPIRED_KEY, 'Alice Example')
    pointAt(home, 'bob@example.com', ABSENT_KEY, 'Example GmbH')

    const text = await check(home.home)
    expect(text.code, text.stdout).toBe(8)
    expect(text.stdout).toContain('signs with     CN=Alice Example, surname=Example, givenName=Alice, until 2021-01-01, not accepted: a certificate in the chain has expired')
    expect(text.stdout).toContain('signs with     missing from the database')
    const problemBlock = text.stdout.slice(text.stdout.indexOf('2 problems'))
    expect(problemBlock.split('\n')).toEqual([
      '2 problems',
      '  ✖ alice@example.com: The signing certificate expired on 2021-01-01.',
      '      fix: Renew it with your certificate authority, then: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com',
      "  ✖ bob@example.com: The signing certificate this identity points at is not in the profile's database.",
      '      fix: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account bob@example.com',
      '',
    ])

    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.status).toBe(8)
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.account, p.profile])).toEqual([
      ['error', 'expired', 'alice@example.com', home.profileDir],
      ['error', 'signing-certificate-missing', 'bob@example.com', home.profileDir],
    ])
    expect(identityOf(envelope, 'bob@example.com').signing).toEqual({reference: ABSENT_KEY, name: 'Example GmbH', certificate: null, hasKey: false, verdict: null})
    expect(identityOf(envelope, 'alice@example.com').signing).toMatchObject({hasKey: true, certificate: {daysLeft: expect.any(Number)}})
    expect(identityOf(envelope, 'alice@example.com').signing!.certificate!.daysLeft).toBeLessThan(0)
  })

  it('a warning alone (a certificate without a name in the settings) also exits 8', async () => {
    const home = await tbHome()
    await install(home)
    setIdentityPrefs(home, 'alice@example.com', {signing_cert_name: null})
    const text = await check(home.home)
    expect(text.code).toBe(8)
    expect(text.stdout).toContain('1 problem\n  ▲ alice@example.com: The signing certificate has no name in the settings, so the compose window keeps S/MIME switched off.')
    expect(text.stdout).toContain('      fix: mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account alice@example.com')
  })

  it("bob's identity pointed at alice's certificate: address-mismatch (and the same certificate is fine for alice)", async () => {
    const home = await tbHome()
    await install(home)
    pointAt(home, 'bob@example.com', ALICE_KEY, 'alice@example.com')
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toEqual([
      {
        severity: 'error',
        code: 'address-mismatch',
        message: 'The signing certificate is for alice@example.com, not bob@example.com.',
        fix: 'mailcert install YOUR-CERTIFICATE.p12 --client thunderbird --account bob@example.com',
        profile: home.profileDir,
        account: 'bob@example.com',
      },
    ])
    expect(identityOf(envelope, 'alice@example.com').problems).toEqual([])
  })

  it("an untrusted root: NSS's tools say not-trusted, Thunderbird itself is asked and agrees", async () => {
    const home = await tbHome()
    // The key and chain imported by hand, the test root left untrusted.
    importP12(home.profileDir, 'mailbox-rsa.p12')
    pointAt(home, 'alice@example.com', ALICE_KEY)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code, result.stderr).toBe(8)
    expect(envelope.result.clients.find((c) => c.client === 'thunderbird')?.storeAccess).toBe('tools')
    expect(profileOf(envelope).checkedWith).toBe('thunderbird')
    const alice = identityOf(envelope, 'alice@example.com')
    expect(alice.signing).toMatchObject({hasKey: true, verdict: {valid: false, code: expect.stringMatching(/^(untrusted|unknown)-issuer$/)}})
    expect(alice.problems).toMatchObject([{severity: 'error', code: 'not-trusted', fix: expect.stringContaining('--trust-root')}])
    expect(processesOn(home.profileDir)).toEqual([])
  }, THUNDERBIRD_TIMEOUT)

  it('a profile whose database has a primary password is not checked without it, and is with MAILCERT_DB_PASSWORD', async () => {
    const home = await tbHome()
    await install(home)
    const secrets = emptyHome()
    writeFileSync(join(secrets, 'old'), '\n', {mode: 0o600})
    writeFileSync(join(secrets, 'new'), 'Primary-Pw-7\n', {mode: 0o600})
    execFileSync('certutil', ['-W', '-d', `sql:${home.profileDir}`, '-f', join(secrets, 'old'), '-@', join(secrets, 'new')], {stdio: 'ignore'})

    const without = await check(home.home)
    expect(without.code).toBe(8)
    expect(without.stdout).toContain('The certificate database is protected by a primary password, so it was not checked.')
    expect(without.stdout).toContain('fix: mailcert check --db-password-file FILE (or MAILCERT_DB_PASSWORD)')

    const {result, envelope} = await checkJson(home.home, [], {MAILCERT_DB_PASSWORD: 'Primary-Pw-7'})
    expect(result.code, result.stdout).toBe(0)
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({signing: {hasKey: true, verdict: {valid: true}}})
    expect(result.stdout).not.toContain('Primary-Pw-7')
  })

  it('without vfychain (an optional tool) the chain is not checked, and the certificate is not called "not accepted"', async () => {
    const home = await tbHome()
    await install(home)
    // A PATH with NSS's certutil, pk12util and modutil, but not vfychain.
    const bin = emptyHome()
    for (const tool of ['certutil', 'pk12util', 'modutil']) symlinkSync(execFileSync('which', [tool], {encoding: 'utf8'}).trim(), join(bin, tool))
    const {result, envelope} = await checkJson(home.home, [], {PATH: bin})
    expect(profileOf(envelope).checkedWith, result.stderr).not.toBeNull()
    const alice = identityOf(envelope, 'alice@example.com')
    expect(alice.signing).toMatchObject({hasKey: true, certificate: {subject: 'CN=alice@example.com'}})
    // What mailcert could not find out is not an error of the certificate (it is valid: see the tests above).
    expect(envelope.result.problems.filter((p) => p.severity === 'error')).toEqual([])
    expect(envelope.result.problems.map((p) => p.message).join('\n')).not.toContain('is not accepted')
  }, THUNDERBIRD_TIMEOUT)

  it('a prefs.js cut short: an error that says where and what to do, exit 8, nothing changed', async () => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    appendFileSync(prefs, 'user_pref("broken", \n')
    const before = readFileSync(prefs)
    const lines = before.toString('latin1').split('\n').length - 1
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.status).toBe(8)
    expect(envelope.result.problems).toEqual([
      {
        severity: 'error',
        code: 'profile-unreadable',
        message: `prefs.js in ${home.profileDir} cannot be read: it ends in the middle of a setting (line ${lines + 1}, column 1): the file was cut short, as by a crash or a full disk while it was written`,
        fix: [
          'Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.',
          'Or start Thunderbird once: it keeps a copy of the damaged file as Invalidprefs.js and writes prefs.js again with every setting it could read, so check that your accounts are still there, then run mailcert again.',
        ].join('\n'),
        profile: home.profileDir,
      },
    ])
    const text = await check(home.home)
    expect(text.code).toBe(8)
    expect(text.stdout).not.toContain('No problems found')
    expect(text.stdout).toContain('    its settings (prefs.js) cannot be read: see below')
    expect(text.stdout).toContain(`1 problem\n  ✖ prefs.js in ${home.profileDir} cannot be read: it ends in the middle of a setting`)
    expect(text.stdout).toContain('      fix: Close Thunderbird and restore prefs.js from a backup of the profile folder, if you have one.\n           Or start Thunderbird once:')
    expect(readFileSync(prefs)).toEqual(before)
  })

  it.each([
    ['NUL bytes', (bytes: Buffer) => Buffer.concat([bytes.subarray(0, bytes.length >> 1), Buffer.alloc(4096), bytes.subarray(bytes.length >> 1)]), /^it is damaged: it holds a NUL byte at line \d+, column \d+, and Thunderbird reads nothing from there on$/],
    ['junk', () => Buffer.from('\u0089PNG\r\n\u001a\n not a preferences file at all'), /^it is damaged at line 1, column 1 \(.+\)$/],
    ['an empty file', () => Buffer.alloc(0), /^it is empty \(0 bytes\)/],
  ])('a prefs.js holding %s: profile-unreadable, exit 8, the file left as it was', async (_what, damage, why) => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    const damaged = damage(readFileSync(prefs))
    writeFileSync(prefs, damaged)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems.map((p) => [p.severity, p.code, p.profile])).toEqual([['error', 'profile-unreadable', home.profileDir]])
    const [problem] = envelope.result.problems
    expect(problem!.message.startsWith(`prefs.js in ${home.profileDir} cannot be read: `)).toBe(true)
    expect(problem!.message.slice(`prefs.js in ${home.profileDir} cannot be read: `.length)).toMatch(why)
    expect(problem!.fix).toMatch(/restore prefs\.js from a backup/)
    expect(readFileSync(prefs)).toEqual(damaged)
  })

  it('a prefs.js that is a folder is not "never used": profile-unreadable with how to move it aside', async () => {
    const home = await tbHome()
    const prefs = join(home.profileDir, 'prefs.js')
    rmSync(prefs)
    mkdirSync(prefs)
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(envelope.result.problems).toMatchObject([
      {severity: 'error', code: 'profile-unreadable', message: `prefs.js in ${home.profileDir} cannot be read: it is a folder, not a file`, fix: expect.stringContaining(`mv "${prefs}" "${prefs}.folder"`)},
    ])
  })

  it("a prefs.js mailcert changed before: the fix offers the copy it kept", async () => {
    const home = await tbHome()
    await install(home)
    const prefs = join(home.profileDir, 'prefs.js')
    const [backup] = readdirSync(home.profileDir).filter((name) => /^prefs\.js\.mailcert-.*\.bak$/.test(name))
    expect(backup).toBeDefined()
    const text = readFileSync(prefs)
    writeFileSync(prefs, text.subarray(0, text.indexOf('user_pref("mail.identity.') + 30))
    const {envelope} = await checkJson(home.home)
    expect(envelope.result.problems[0]!.fix.split('\n')[0]).toBe(`Close Thunderbird, then put back the copy mailcert kept before its last change: cp "${join(home.profileDir, backup!)}" "${prefs}"`)
  })

  it('a certificate database NSS cannot read: the identities are still listed, with store-unreadable (exit 8)', async () => {
    const home = await tbHome()
    await install(home)
    writeFileSync(join(home.profileDir, 'cert9.db'), Buffer.alloc(8192, 0x5a))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code, result.stderr).toBe(8)
    expect(profileOf(envelope)).toMatchObject({checkedWith: null})
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({configured: true, signing: {reference: ALICE_KEY, certificate: null, verdict: null}, problems: []})
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toMatchObject([
      {severity: 'warning', code: 'store-unreadable', message: expect.stringMatching(/^The certificate database could not be read, so no certificate was checked: certutil: /), profile: home.profileDir},
    ])
    const text = await check(home.home)
    expect(text.stdout).toMatch(/signs with {5}"[^"]+" \(not checked: the certificate database was not read\)/)
    expect(text.stdout).not.toContain('No problems found')
  })

  it('identities that point at certificates in a profile without a certificate database', async () => {
    const home = await tbHome()
    pointAt(home, 'alice@example.com', ALICE_KEY)
    for (const file of ['cert9.db', 'key4.db']) rmSync(join(home.profileDir, file))
    const {result, envelope} = await checkJson(home.home)
    expect(result.code).toBe(8)
    expect(profileOf(envelope)).toMatchObject({database: 'none', checkedWith: null})
    expect(envelope.result.problems.filter((p) => p.severity !== 'info')).toMatchObject([{severity: 'error', code: 'no-nss-database'}])
    // The identities are still listed from the settings, unchecked.
    expect(identityOf(envelope, 'alice@example.com')).toMatchObject({configured: true, signing: {reference: ALICE_KEY, certificate: null}})
  })
})
