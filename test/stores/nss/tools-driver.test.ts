import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, delimiter, dirname, join} from 'node:path'
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
 * The NSS tools behind wrappers that log their argument lists, what kind of file each password
 * argument names, and the names of the MAILCERT_ variables they were given, then run the real tool,
 * so the test sees all of that without replacing anything the driver does.
 */
const wrapperDir = mkdtempSync(join(tmpdir(), 'mailcert-nss-wrappers-'))
const argvLog = join(wrapperDir, 'argv.log')
const kindLog = join(wrapperDir, 'kinds.log')
const envLog = join(wrapperDir, 'env.log')
const filesLog = join(wrapperDir, 'files.log')
const originalPath = process.env.PATH
/** The real tools, for the test's own look at the databases (which must not show up in the log). */
const REAL: Record<string, string> = {}

function installWrappers(): void {
  mkdirSync(join(wrapperDir, 'bin'))
  for (const tool of ['certutil', 'pk12util', 'vfychain', 'modutil']) {
    const real = execFileSync('sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).trim()
    REAL[tool] = real
    // `test -p` and `test -f` look at the name without opening it, so a pipe is still unread when the tool starts.
    const script = [
      '#!/bin/sh',
      `{ echo "--- ${tool}"; for arg in "$@"; do printf '%s\\n' "$arg"; done; } >> '${argvLog}'`,
      'previous=',
      'for arg in "$@"; do',
      '  case "$previous" in -w|-k|-f|-i)',
      '    if [ -p "$arg" ]; then kind=fifo; elif [ -f "$arg" ]; then kind="file $(stat -c %a "$arg")"; else kind=missing; fi',
      `    printf '%s\\t%s\\t%s\\n' "$previous" "$arg" "$kind" >> '${kindLog}'`,
      // Every regular file in the folder that holds it, while the tool runs.
      `    find "$(dirname "$arg")" -maxdepth 1 -type f -printf '%f\\n' >> '${filesLog}';;`,
      '  esac',
      '  previous=$arg',
      'done',
      // Names only: the values would be secrets in a file.
      `env | sed -n 's/^\\(MAILCERT_[A-Za-z0-9_]*\\)=.*/${tool}\\t\\1/p' >> '${envLog}'`,
      `exec '${real}' "$@"`,
      '',
    ].join('\n')
    writeFileSync(join(wrapperDir, 'bin', tool), script, {mode: 0o755})
  }
  clearLogs()
  process.env.PATH = `${join(wrapperDir, 'bin')}${delimiter}${originalPath}`
}

function clearLogs(): void {
  for (const log of [argvLog, kindLog, envLog, filesLog]) writeFileSync(log, '')
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

/** For every -w, -k, -f and -i argument so far: the flag, the path, and what the path was when the tool started. */
function loggedKinds(): Array<{flag: string; path: string; kind: string}> {
  return readFileSync(kindLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [flag, path, kind] = line.split('\t')
      return {flag, path, kind}
    })
}

/** The regular files that were in the secret folder while a tool ran. */
function regularFilesSeen(): string[] {
  return [...new Set(readFileSync(filesLog, 'utf8').split('\n').filter(Boolean))]
}

/** The MAILCERT_ variables each tool was started with: tool, name. */
function loggedEnv(): Array<{tool: string; name: string}> {
  return readFileSync(envLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [tool, name] = line.split('\t')
      return {tool, name}
    })
}

/** The files passed after -w, -k and -f: where the driver put passwords. */
function passwordFilesPassed(): string[] {
  return loggedKinds()
    .filter(({flag}) => flag !== '-i')
    .map(({path}) => path)
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

  it('reaches certutil through a named pipe that is gone afterwards, never in the arguments or a file', async () => {
    const dir = newNssDatabase({password: DB_PASSWORD})
    clearLogs()
    expect(await driver.checkPrimaryPassword(dir, DB_PASSWORD)).toBe(true)
    const [call] = loggedCalls()
    expect(call.tool).toBe('certutil')
    expect(call.args.join('\n')).not.toContain(DB_PASSWORD)
    expect(loggedKinds()).toMatchObject([{flag: '-f', kind: 'fifo'}])
    expect(regularFilesSeen()).toEqual(['.mailcert-owner'])
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
    clearLogs()
    session = await driver.open(profile, {})
    await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
    certificates = await session.listCertificates()
  })

  it('imports the key, the certificate and its chain', () => {
    expect(listing(profile)).toMatch(/Alice Example\s+u,u,u/)
    expect(keyListing(profile)).toContain('Alice Example')
  })

  it('hands pk12util the password through a named pipe and the .p12 as a 0600 file, both gone after the import', () => {
    const kinds = loggedKinds()
    expect(kinds.map(({flag, kind}) => ({flag, kind}))).toEqual([
      {flag: '-i', kind: 'file 600'},
      {flag: '-w', kind: 'fifo'},
    ])
    // The only regular files beside it: the .p12 (encrypted with the password that went through the pipe) and the owner marker.
    expect(regularFilesSeen().sort()).toEqual(['.mailcert-owner', basename(kinds[0].path)])
    for (const {path} of kinds) expect(existsSync(path)).toBe(false)
    expect(statSync(dirname(kinds[0].path)).mode & 0o777).toBe(0o700)
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

describe('deleting a certificate', () => {
  /** A session on a new database holding the identity (key, leaf, intermediate, root). */
  async function sessionWithIdentity(): Promise<{profile: string; session: NssSession; byNickname: (nickname: string) => NssCertificate}> {
    const profile = newNssDatabase({prefix: 'mailcert-profile-delete-'})
    const session = await driver.open(profile, {})
    const p12Password = temporaryPassword()
    await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern', {friendlyName: 'Alice Example'}), p12Password)
    const certificates = await session.listCertificates()
    const byNickname = (nickname: string): NssCertificate => certificates.find((c) => c.nickname === nickname)!
    return {profile, session, byNickname}
  }
  /** A line of `certutil -K` for an RSA key: the leaf's, the only key in the database. */
  const RSA_KEY = /rsa\s+[\da-f]{40}/

  it('without withKey deletes the certificate and keeps its private key', async () => {
    const {profile, session, byNickname} = await sessionWithIdentity()
    try {
      expect(keyListing(profile)).toContain('Alice Example')
      await session.deleteCertificate(byNickname('Alice Example'), {withKey: false})
      expect(listing(profile)).not.toContain('Alice Example')
      expect(keyListing(profile)).toMatch(RSA_KEY)
    } finally {
      await session.close()
    }
  })

  it('with withKey deletes both; and a CA certificate, which has no key, is deleted too', async () => {
    const {profile, session, byNickname} = await sessionWithIdentity()
    try {
      await session.deleteCertificate(byNickname('Alice Example'), {withKey: true})
      expect(listing(profile)).not.toContain('Alice Example')
      expect(keyListing(profile)).not.toMatch(RSA_KEY)
      await session.deleteCertificate(byNickname(ROOT), {withKey: true})
      expect(listing(profile)).not.toContain(ROOT)
    } finally {
      await session.close()
    }
  })

  it('takes a certificate that is already gone as deleted, and one still there under another name as a failure', async () => {
    const {profile, session, byNickname} = await sessionWithIdentity()
    try {
      await session.deleteCertificate(byNickname(INTERMEDIATE), {withKey: false})
      await expect(session.deleteCertificate(byNickname(INTERMEDIATE), {withKey: false})).resolves.toBeUndefined()
      // The same certificate, known by a nickname that no longer names it: certutil finds nothing, and it is still there.
      const error = await session.deleteCertificate({...byNickname(ROOT), nickname: 'Renamed Root'}, {withKey: false}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ExternalError)
      expect(error).toMatchObject({tool: 'certutil', code: 'nss-other', message: expect.stringContaining('Removing "Renamed Root" failed')})
      expect(listing(profile)).toContain(ROOT)
    } finally {
      await session.close()
    }
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
  it('imports with both passwords given through named pipes, never in the arguments or a file', async () => {
    const profile = newNssDatabase({password: DB_PASSWORD, prefix: 'mailcert-profile-pw-'})
    const p12Password = temporaryPassword()
    clearLogs()
    const session = await driver.open(profile, {dbPassword: DB_PASSWORD})
    await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
    expect(keyListing(profile, DB_PASSWORD)).toContain('Alice Example')
    const [call] = loggedCalls()
    expect(call.tool).toBe('pk12util')
    expect(loggedKinds().map(({flag, kind}) => ({flag, kind}))).toEqual([
      {flag: '-i', kind: 'file 600'},
      {flag: '-w', kind: 'fifo'},
      {flag: '-k', kind: 'fifo'},
    ])
    const dbPasswordPipe = call.args[call.args.indexOf('-k') + 1]
    expect(existsSync(dbPasswordPipe)).toBe(false)
    for (const secret of [DB_PASSWORD, p12Password]) expect(call.args.join('\n')).not.toContain(secret)

    // Changing trust needs the database password too, a new pipe for each call (the key IDs come from
    // key4.db through sqlite3, which needs no password: they are not secret there).
    const root = (await session.listCertificates()).find((c) => c.nickname === ROOT)!
    await session.trustForEmail(root)
    expect(listing(profile)).toMatch(new RegExp(`${ROOT}\\s+,C,`))
    for (const {args} of loggedCalls()) expect(args.join('\n')).not.toContain(DB_PASSWORD)
    const dbPasswordArguments = loggedKinds().filter(({flag}) => flag === '-k' || flag === '-f')
    expect(dbPasswordArguments.map(({flag, kind}) => `${flag} ${kind}`)).toEqual(['-k fifo', '-f fifo'])
    expect(new Set(dbPasswordArguments.map(({path}) => path)).size).toBe(2)
    expect(regularFilesSeen().filter((name) => !name.startsWith('identity.p12-'))).toEqual(['.mailcert-owner'])

    await session.close()
    expect(existsSync(dirname(dbPasswordPipe))).toBe(false)
  })

  it('starts the tools without mailcert\'s secret variables, but with its other ones', async () => {
    const variables = {MAILCERT_PASSWORD: 'p12-from-env', MAILCERT_DB_PASSWORD: DB_PASSWORD, MAILCERT_KEYCHAIN_PASSWORD: 'keychain', MAILCERT_PROFILE: 'kept'}
    const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]))
    Object.assign(process.env, variables)
    try {
      const profile = newNssDatabase({password: DB_PASSWORD, prefix: 'mailcert-profile-env-'})
      const p12Password = temporaryPassword()
      clearLogs()
      expect(await driver.checkPrimaryPassword(profile, DB_PASSWORD)).toBe(true)
      const session = await driver.open(profile, {dbPassword: DB_PASSWORD})
      await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern'), p12Password)
      await session.verify(identity.certificate.der, 'signing')
      await session.close()
      const tools = new Set(loggedCalls().map(({tool}) => tool))
      expect([...tools].sort()).toEqual(['certutil', 'modutil', 'pk12util', 'vfychain'])
      const env = loggedEnv()
      // Each call saw MAILCERT_PROFILE, and no call saw a secret.
      expect(env.filter(({name}) => name === 'MAILCERT_PROFILE')).toHaveLength(loggedCalls().length)
      expect(env.filter(({name}) => name !== 'MAILCERT_PROFILE')).toEqual([])
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
    }
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
