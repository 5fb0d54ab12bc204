import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {delimiter, dirname, join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ExternalError} from '../../../src/errors.js'
import type {Identity} from '../../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../../src/identity/input.js'
import {reencodeIdentity, temporaryPassword} from '../../../src/identity/reencode.js'
import type {NssCertificate, NssSession} from '../../../src/stores/nss/nss-driver.js'
import {databaseSpec, ToolsDriver} from '../../../src/stores/nss/tools-driver.js'
import {fixture, manifest, plainHex} from '../../helpers/fixtures.js'
import {newNssDatabase, nssTool, passwordFile} from '../../helpers/nss.js'

const ROOT = 'mailcert Test Root CA - mailcert Test PKI'
const INTERMEDIATE = 'mailcert Test Intermediate CA - mailcert Test PKI'
const DB_PASSWORD = 'Primär-Passwort 42'

/**
 * The NSS tools behind wrappers that log their argument lists and then run the real tool, so the test
 * sees every argument the driver passes without replacing anything the driver does.
 */
const wrapperDir = mkdtempSync(join(tmpdir(), 'mailcert-nss-wrappers-'))
const argvLog = join(wrapperDir, 'argv.log')
const filesLog = join(wrapperDir, 'files.log')
const originalPath = process.env.PATH
/** The real tools, for the test's own look at the databases (which must not show up in the log). */
const REAL: Record<string, string> = {}

function installWrappers(): void {
  mkdirSync(join(wrapperDir, 'bin'))
  for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).trim()
    REAL[tool] = real
    // Each file argument as the tool found it: its permissions, its folder's, and a digest of its bytes.
    const files = `for arg in "$@"; do [ -f "$arg" ] && printf '%s %s %s %s\\n' "$arg" "$(stat -c %a "$arg")" "$(stat -c %a "$(dirname "$arg")")" "$(sha256sum < "$arg" | cut -c1-64)" >> '${filesLog}'; done\n`
    const script = `#!/bin/sh\n{ echo "--- ${tool}"; for arg in "$@"; do printf '%s\\n' "$arg"; done; } >> '${argvLog}'\n${files}exec '${real}' "$@"\n`
    writeFileSync(join(wrapperDir, 'bin', tool), script, {mode: 0o755})
  }
  writeFileSync(argvLog, '')
  process.env.PATH = `${join(wrapperDir, 'bin')}${delimiter}${originalPath}`
}

/** Every tool call logged so far: the tool and its arguments. */
function loggedCalls(): Array<{tool: string; args: string[]}> {
  const calls: Array<{tool: string; args: string[]}> = []
  for (const line of readFileSync(argvLog, 'utf8').split('\n')) {
    if (line.startsWith('--- ')) calls.push({tool: line.slice(4), args: []})
    else if (line !== '' && calls.length > 0) calls.at(-1)!.args.push(line)
  }
  return calls
}

/** How a file given to a tool was when the tool started. */
function fileAtCall(path: string): {mode: string; folderMode: string; sha256: string} | undefined {
  const line = readFileSync(filesLog, 'utf8')
    .split('\n')
    .findLast((l) => l.startsWith(`${path} `))
  if (!line) return undefined
  const [mode, folderMode, sha256] = line.slice(path.length + 1).split(' ')
  return {mode, folderMode, sha256}
}

/** The files passed after -w, -k and -f: where the driver put passwords. */
function passwordFilesPassed(): string[] {
  return loggedCalls().flatMap(({args}) => args.filter((_, index) => ['-w', '-k', '-f'].includes(args[index - 1] ?? '')))
}

function listing(dir: string): string {
  const result = nssTool(REAL.certutil, ['-L', '-d', `sql:${dir}`])
  expect(result.status, result.output).toBe(0)
  return result.stdout
}

function keyListing(dir: string, password = ''): string {
  return nssTool(REAL.certutil, ['-K', '-d', `sql:${dir}`, '-f', passwordFile(`${password}\n`)]).output
}

let driver: ToolsDriver
let identity: Identity

beforeAll(async () => {
  installWrappers()
  const located = await ToolsDriver.locate()
  if (!located) throw new Error('NSS tools are not installed: run `npm run test:setup`')
  driver = located
  const input = decodeInput(fixture('p12/mailbox-rsa.p12'))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  identity = (await openPkcs12(input, 'test')).identity
})

afterAll(() => {
  process.env.PATH = originalPath
})

describe('databaseSpec', () => {
  it('is sql: for a folder with cert9.db', async () => {
    const dir = newNssDatabase()
    expect(await databaseSpec(dir)).toBe(`sql:${dir}`)
  })

  it('is dbm: for a profile last used by Thunderbird 52 or older (cert8.db)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-dbm-'))
    writeFileSync(join(dir, 'cert8.db'), '')
    expect(await databaseSpec(dir)).toBe(`dbm:${dir}`)
    // After the migration both exist, and NSS uses the SQL one.
    writeFileSync(join(dir, 'cert9.db'), '')
    expect(await databaseSpec(dir)).toBe(`sql:${dir}`)
  })

  it('refuses a folder without a database rather than let NSS create one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-nodb-'))
    const error = await databaseSpec(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error).toMatchObject({code: 'no-nss-database', tool: 'NSS'})
    expect(existsSync(join(dir, 'cert9.db'))).toBe(false)
  })
})

describe('primary password', () => {
  it('is absent from a database made with an empty password', async () => {
    expect(await driver.hasPrimaryPassword(newNssDatabase())).toBe(false)
  })

  it('is detected, and only the right one is accepted', async () => {
    const dir = newNssDatabase({password: DB_PASSWORD})
    expect(await driver.hasPrimaryPassword(dir)).toBe(true)
    expect(await driver.checkPrimaryPassword(dir, DB_PASSWORD)).toBe(true)
    expect(await driver.checkPrimaryPassword(dir, 'Primär-Passwort 43')).toBe(false)
    expect(await driver.checkPrimaryPassword(dir, '')).toBe(false)
  })

  it('reaches certutil in a file that is removed afterwards, never in the arguments', async () => {
    const dir = newNssDatabase({password: DB_PASSWORD})
    writeFileSync(argvLog, '')
    await driver.checkPrimaryPassword(dir, DB_PASSWORD)
    const [call] = loggedCalls()
    expect(call.tool).toBe('certutil')
    expect(call.args.join('\n')).not.toContain(DB_PASSWORD)
    const [file] = passwordFilesPassed()
    expect(existsSync(file)).toBe(false)
    expect(existsSync(dirname(file))).toBe(false)
  })
})

describe('a session on a profile database', () => {
  const profile = newNssDatabase({prefix: 'mailcert-profile-'})
  const p12Password = temporaryPassword()
  let session: NssSession
  let certificates: NssCertificate[]
  const byNickname = (nickname: string): NssCertificate => {
    const found = certificates.find((c) => c.nickname === nickname)
    if (!found) throw new Error(`no ${nickname} in ${certificates.map((c) => c.nickname).join(', ')}`)
    return found
  }

  beforeAll(async () => {
    writeFileSync(argvLog, '')
    session = await driver.open(profile, {})
    await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
    certificates = await session.listCertificates()
  })

  it('imports the key, the certificate and its chain', () => {
    expect(listing(profile)).toMatch(/Alice Example\s+u,u,u/)
    expect(keyListing(profile)).toContain('Alice Example')
  })

  it('gives pk12util the password in a 0600 file in a private folder, and removes it and the PKCS#12 as soon as pk12util is done', () => {
    const files = passwordFilesPassed()
    expect(files).toHaveLength(1)
    expect(fileAtCall(files[0])).toEqual({mode: '600', folderMode: '700', sha256: createHash('sha256').update(p12Password).digest('hex')})
    const pkcs12 = loggedCalls().find((call) => call.tool === 'pk12util')!.args[1]
    expect(fileAtCall(pkcs12)).toMatchObject({mode: '600', folderMode: '700'})
    // The key and the password that opens it do not wait for the session to end.
    expect(existsSync(files[0])).toBe(false)
    expect(existsSync(pkcs12)).toBe(false)
  })

  it('lists the leaf with its key, and the CAs flagged as CAs without trust', () => {
    expect(certificates.map(({nickname, trust, hasKey, isCa}) => ({nickname, trust, hasKey, isCa}))).toEqual([
      {nickname: 'Alice Example', trust: 'u,u,u', hasKey: true, isCa: false},
      {nickname: INTERMEDIATE, trust: ',,', hasKey: false, isCa: true},
      {nickname: ROOT, trust: ',,', hasKey: false, isCa: true},
    ])
    expect(byNickname('Alice Example').sha256).toBe(plainHex(manifest['certs/mailbox-rsa.pem'].sha256!))
    expect(byNickname(ROOT).sha256).toBe(plainHex(manifest['ca/root.pem'].sha256!))
    expect(byNickname('Alice Example').der.equals(identity.certificate.der)).toBe(true)
  })

  it('does not accept the leaf while the private root is untrusted', async () => {
    expect(await session.verify(identity.certificate.der, 'signing')).toMatchObject({valid: false, code: 'untrusted-issuer'})
  })

  it('accepts it for signing and encryption once the root is trusted for e-mail', async () => {
    await session.trustForEmail(byNickname(ROOT))
    expect(listing(profile)).toMatch(new RegExp(`${ROOT}\\s+,C,`))
    expect((await session.listCertificates()).find((c) => c.nickname === ROOT)?.trust).toBe(',C,')
    expect(await session.verify(identity.certificate.der, 'signing')).toEqual({valid: true})
    expect(await session.verify(identity.certificate.der, 'encryption')).toEqual({valid: true})
  })

  it('puts the trust back as it was (undo)', async () => {
    await session.setTrust(byNickname(ROOT), ',,')
    expect(listing(profile)).toMatch(new RegExp(`${ROOT}\\s+,,`))
    expect(await session.verify(identity.certificate.der, 'signing')).toMatchObject({valid: false, code: 'untrusted-issuer'})
  })

  it('deletes the certificate together with its private key', async () => {
    await session.deleteCertificate(byNickname('Alice Example'), {withKey: true})
    expect(listing(profile)).not.toContain('Alice Example')
    expect(keyListing(profile)).not.toContain('Alice Example')
    expect((await session.listCertificates()).map((c) => c.nickname)).toEqual([INTERMEDIATE, ROOT])
  })

  it('deletes a CA certificate alone', async () => {
    await session.deleteCertificate(byNickname(INTERMEDIATE), {withKey: false})
    expect(listing(profile)).not.toContain(INTERMEDIATE)
    expect(listing(profile)).toContain(ROOT)
  })

  it('never put a password in a process argument list, and removes its files on close', async () => {
    const calls = loggedCalls()
    expect(calls.map((call) => call.tool)).toEqual(expect.arrayContaining(['pk12util', 'certutil', 'vfychain']))
    for (const call of calls) expect(call.args.join('\n')).not.toContain(p12Password)
    const secretFolder = dirname(passwordFilesPassed()[0])
    expect(existsSync(secretFolder)).toBe(true)
    await session.close()
    expect(existsSync(secretFolder)).toBe(false)
  })
})

describe('listing a database with a renewal', () => {
  it('lists both certificates that share a nickname, each with its key, and each CA once', async () => {
    const renewal = await (async () => {
      const input = decodeInput(fixture('p12/legacy-mailbox.p12'))
      if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
      return (await openPkcs12(input, 'test')).identity
    })()
    // Same subject (CN=alice@example.com): NSS files the second under the first one's nickname.
    expect(renewal.certificate.subject.der.equals(identity.certificate.subject.der)).toBe(true)
    const profile = newNssDatabase({prefix: 'mailcert-profile-renewal-'})
    const session = await driver.open(profile, {})
    try {
      for (const each of [identity, renewal]) {
        const p12Password = temporaryPassword()
        await session.importPkcs12(reencodeIdentity(each, p12Password, 'modern', {friendlyName: 'Alice Example'}), p12Password)
      }
      const listed = await session.listCertificates()
      expect(listed.filter((c) => c.nickname === 'Alice Example').map((c) => c.sha256).sort()).toEqual(
        [manifest['certs/mailbox-rsa.pem'].sha256!, manifest['certs/legacy-mailbox.pem'].sha256!].map(plainHex).sort(),
      )
      expect(listed.filter((c) => c.nickname === 'Alice Example').every((c) => c.hasKey && !c.isCa)).toBe(true)
      expect(listed.filter((c) => c.isCa).map((c) => c.nickname)).toEqual([INTERMEDIATE, ROOT])
    } finally {
      await session.close()
    }
  })
})

describe('verify with a chain that only the file carries', () => {
  it('says unknown-issuer without the chain, and untrusted-issuer with it', async () => {
    const session = await driver.open(newNssDatabase(), {})
    try {
      const chain = identity.chain.map((c) => c.der)
      expect(await session.verify(identity.certificate.der, 'signing')).toMatchObject({valid: false, code: 'unknown-issuer'})
      expect(await session.verify(identity.certificate.der, 'signing', chain)).toMatchObject({valid: false, code: 'untrusted-issuer'})
      expect((await session.verify(identity.certificate.der, 'encryption', chain)).reason).toMatch(/not trusted/)
    } finally {
      await session.close()
    }
  })
})

describe('verify judges trust the way NSS does', () => {
  it('does not take a root trusted only for client authentication (,T,) as an e-mail anchor', async () => {
    const profile = newNssDatabase({prefix: 'mailcert-profile-t-'})
    const p12Password = temporaryPassword()
    const session = await driver.open(profile, {})
    try {
      await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
      const root = (await session.listCertificates()).find((c) => c.nickname === ROOT)!
      await session.setTrust(root, ',T,')
      // NSS itself, on the profile's own database: T in the e-mail field does not make a trust anchor
      // (certutil lists it as ",c,").
      const leaf = join(profile, 'leaf.der')
      writeFileSync(leaf, identity.certificate.der)
      expect(nssTool(REAL.vfychain, ['-d', `sql:${profile}`, '-pp', '-u', '4', leaf]).status).not.toBe(0)
      expect((await session.listCertificates()).find((c) => c.nickname === ROOT)?.trust).toBe(',c,')
      expect(await session.verify(identity.certificate.der, 'signing')).toMatchObject({valid: false, code: 'untrusted-issuer'})
    } finally {
      await session.close()
    }
  })
})

describe('a session on a database with a primary password', () => {
  it('imports with the password given as a file, and never in the arguments', async () => {
    const profile = newNssDatabase({password: DB_PASSWORD, prefix: 'mailcert-profile-pw-'})
    const p12Password = temporaryPassword()
    writeFileSync(argvLog, '')
    const session = await driver.open(profile, {dbPassword: DB_PASSWORD})
    await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
    expect(keyListing(profile, DB_PASSWORD)).toContain('Alice Example')
    const [call] = loggedCalls()
    expect(call.tool).toBe('pk12util')
    expect(call.args).toContain('-k')
    const dbPasswordFile = call.args[call.args.indexOf('-k') + 1]
    expect(readFileSync(dbPasswordFile, 'utf8')).toBe(`${DB_PASSWORD}\n`)
    expect(statSync(dbPasswordFile).mode & 0o777).toBe(0o600)
    for (const secret of [DB_PASSWORD, p12Password]) expect(call.args.join('\n')).not.toContain(secret)

    // Changing trust needs the database password too.
    const root = (await session.listCertificates()).find((c) => c.nickname === ROOT)!
    await session.trustForEmail(root)
    expect(listing(profile)).toMatch(new RegExp(`${ROOT}\\s+,C,`))
    for (const {args} of loggedCalls()) expect(args.join('\n')).not.toContain(DB_PASSWORD)

    await session.close()
    expect(existsSync(dirname(dbPasswordFile))).toBe(false)
  })

  it('fails with bad-password, instead of waiting for a prompt, when the password is wrong or missing', async () => {
    const profile = newNssDatabase({password: DB_PASSWORD, prefix: 'mailcert-profile-pw-'})
    for (const options of [{dbPassword: 'wrong'}, {}]) {
      const p12Password = temporaryPassword()
      const session = await driver.open(profile, options)
      const error = await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password).catch((e: unknown) => e)
      await session.close()
      expect(error).toBeInstanceOf(ExternalError)
      expect(error).toMatchObject({tool: 'pk12util', code: 'nss-bad-password'})
      expect((error as ExternalError).message).not.toContain(p12Password)
    }
    expect(listing(profile)).not.toContain('Alice Example')
  })
})

describe('opening a session', () => {
  it('refuses a folder without a database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-nodb-'))
    await expect(driver.open(dir, {})).rejects.toMatchObject({code: 'no-nss-database'})
  })

  it('reports a wrong PKCS#12 password as bad-password, with the tool\'s words kept', async () => {
    const session = await driver.open(newNssDatabase(), {})
    const encoded = reencodeIdentity(identity, 'right password', 'modern')
    const error = await session.importPkcs12(encoded, 'wrong password').catch((e: unknown) => e)
    await session.close()
    expect(error).toMatchObject({tool: 'pk12util', code: 'nss-bad-password'})
    expect((error as ExternalError).output).toContain('SEC_ERROR_BAD_PASSWORD')
  })
})
