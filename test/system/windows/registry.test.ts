/**
 * src/system/windows/registry.ts for real: Windows Node calls advapi32 (Wine's registry here, the
 * runner's on Windows), and reg.exe in the same user is the independent writer and reader.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO} from '../../helpers/fixtures.js'
import {disposeWindowsUser, reg, runWindowsNode, windowsPath, windowsUser, type WindowsUser} from '../../helpers/windows.js'

const PROFILES = 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles'
const ACCOUNTS = `${PROFILES}\\Work\\9375CFF0413111d3B88A00104B2A6676`
const SCRATCH_KEY = 'Software\\mailcert-registry-test'
const REGISTRY_MODULE = join(REPO, 'dist', 'system', 'windows', 'registry.js')

/** UTF-16LE with its NUL, as hex for reg.exe's REG_BINARY: how Outlook writes `Email`. */
const utf16Hex = (text: string) => Buffer.from(`${text}\0`, 'utf16le').toString('hex')

describe('the registry through advapi32', {timeout: 120_000}, () => {
  let user: WindowsUser
  let scratch: string

  /** Runs `body` (an async function body with `r` = the registry module) in Windows Node; its JSON result. */
  async function inWindows(body: string): Promise<unknown> {
    const script = join(scratch, `script-${Math.random().toString(36).slice(2)}.mjs`)
    const url = `file:///${windowsPath(REGISTRY_MODULE).replaceAll('\\', '/')}`
    await writeFile(script, `const r = await import(${JSON.stringify(url)})\nconst hex = (v) => v && {...v, data: v.data.toString('hex')}\n` +
      `const result = await (async () => {${body}})()\nprocess.stdout.write(JSON.stringify(result ?? null))\n`)
    const run = await runWindowsNode(user, script, [])
    expect(run.code, run.stderr).toBe(0)
    return JSON.parse(run.stdout)
  }

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'mailcert-registry-'))
    user = await windowsUser()
    // An Outlook profile with two accounts, laid out as Outlook 16 does: Account Name as REG_SZ,
    // Email and Display Name as UTF-16 REG_BINARY.
    for (const args of [
      ['add', `${PROFILES}\\Work`, '/f'],
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Account Name', '/t', 'REG_SZ', '/d', 'alice@example.org', '/f'],
      ['add', `${ACCOUNTS}\\00000001`, '/v', 'Email', '/t', 'REG_BINARY', '/d', utf16Hex('alice@example.org'), '/f'],
      ['add', `${ACCOUNTS}\\00000002`, '/v', 'Account Name', '/t', 'REG_BINARY', '/d', utf16Hex('Bob Privat'), '/f'],
      ['add', `${ACCOUNTS}\\00000002`, '/v', 'Email', '/t', 'REG_BINARY', '/d', utf16Hex('bob@example.net'), '/f'],
      ['add', `${ACCOUNTS}\\00000002`, '/v', 'Display Name', '/t', 'REG_BINARY', '/d', utf16Hex('Bob Müller'), '/f'],
      ['add', 'HKCU\\Software\\Microsoft\\Office\\16.0\\Outlook', '/v', 'DefaultProfile', '/t', 'REG_SZ', '/d', 'Work', '/f'],
    ]) {
      const run = await reg(user, args)
      expect(run.code, run.stderr).toBe(0)
    }
  }, 200_000)

  afterAll(async () => {
    if (process.platform === 'win32') {
      await reg(user, ['delete', PROFILES.replace('\\Profiles', '\\Profiles\\Work'), '/f'])
      await reg(user, ['delete', `HKCU\\${SCRATCH_KEY}`, '/f'])
    }
    if (user) await disposeWindowsUser(user)
    await rm(scratch, {recursive: true, force: true})
  })

  it('reads the profile, its accounts and their text values, REG_SZ and UTF-16 REG_BINARY alike', async () => {
    const seen = await inWindows(`
      const key = ${JSON.stringify(ACCOUNTS.replace('HKCU\\', ''))}
      const accounts = r.readSubkeys('HKCU', key)
      return {
        profiles: r.readSubkeys('HKCU', ${JSON.stringify(PROFILES.replace('HKCU\\', ''))}),
        defaultProfile: r.textOf(r.readValue('HKCU', 'Software\\\\Microsoft\\\\Office\\\\16.0\\\\Outlook', 'DefaultProfile')),
        accounts,
        values: accounts.map((account) => r.readValues('HKCU', key + '\\\\' + account).map((v) => [v.name, v.type, r.textOf(v)])),
      }`)
    expect(seen).toEqual({
      profiles: ['Work'],
      defaultProfile: 'Work',
      accounts: ['00000001', '00000002'],
      values: [
        [['Account Name', 'REG_SZ', 'alice@example.org'], ['Email', 'REG_BINARY', 'alice@example.org']],
        [['Account Name', 'REG_BINARY', 'Bob Privat'], ['Display Name', 'REG_BINARY', 'Bob Müller'], ['Email', 'REG_BINARY', 'bob@example.net']],
      ],
    })
  })

  it('says null for a key or value that is not there, and false for deleting one', async () => {
    const seen = await inWindows(`return [
      r.readSubkeys('HKCU', 'Software\\\\mailcert-nothing\\\\here'),
      r.readValues('HKCU', 'Software\\\\mailcert-nothing'),
      r.readValue('HKCU', 'Software\\\\mailcert-nothing', 'x'),
      r.readValue('HKCU', ${JSON.stringify(ACCOUNTS.replace('HKCU\\', ''))} + '\\\\00000001', 'No Such Value'),
      r.deleteValue('HKCU', 'Software\\\\mailcert-nothing', 'x'),
    ]`)
    expect(seen).toEqual([null, null, null, null, false])
  })

  it('writes values (creating the key) that reg.exe reads back, and deletes them', async () => {
    const written = await inWindows(`
      const key = ${JSON.stringify(SCRATCH_KEY)} + '\\\\c02ebc5353d9cd11975200aa004ae40e'
      r.writeValue('HKCU', key, {name: '11020355', type: 'REG_BINARY', data: Buffer.from('0100000000ff', 'hex')})
      r.writeValue('HKCU', key, {name: '00030354', type: 'REG_BINARY', data: Buffer.from('02000000', 'hex')})
      r.writeValue('HKCU', key, {name: 'Big', type: 'REG_BINARY', data: Buffer.alloc(70000, 0xab)})
      r.writeValue('HKCU', key, {name: 'Text', type: 'REG_SZ', data: Buffer.from('héllo\\0', 'utf16le')})
      r.writeValue('HKCU', key, {name: 'Number', type: 'REG_DWORD', data: Buffer.from('07000000', 'hex')})
      return {one: hex(r.readValue('HKCU', key, '11020355')), big: r.readValue('HKCU', key, 'Big').data.length}`)
    expect(written).toEqual({one: {name: '11020355', type: 'REG_BINARY', data: '0100000000ff'}, big: 70000})
    const query = await reg(user, ['query', `HKCU\\${SCRATCH_KEY}\\c02ebc5353d9cd11975200aa004ae40e`])
    expect(query.code, query.stderr).toBe(0)
    expect(query.stdout).toMatch(/11020355\s+REG_BINARY\s+0100000000FF/)
    expect(query.stdout).toMatch(/00030354\s+REG_BINARY\s+02000000/)
    expect(query.stdout).toMatch(/Number\s+REG_DWORD\s+0x7/)

    const deleted = await inWindows(`
      const key = ${JSON.stringify(SCRATCH_KEY)} + '\\\\c02ebc5353d9cd11975200aa004ae40e'
      return [r.deleteValue('HKCU', key, '11020355'), r.deleteValue('HKCU', key, '11020355'), r.readValue('HKCU', key, '11020355')]`)
    expect(deleted).toEqual([true, false, null])
    const after = await reg(user, ['query', `HKCU\\${SCRATCH_KEY}\\c02ebc5353d9cd11975200aa004ae40e`, '/v', '11020355'])
    expect(after.code).not.toBe(0)
  })

  it('reads HKLM in the 32-bit view (WOW6432Node) only when asked', async () => {
    const added = await reg(user, ['add', 'HKLM\\Software\\mailcert-view-test', '/v', 'Bitness', '/t', 'REG_SZ', '/d', 'x86', '/reg:32', '/f'])
    expect(added.code, added.stderr).toBe(0)
    const seen = await inWindows(`return [
      r.textOf(r.readValue('HKLM', 'Software\\\\mailcert-view-test', 'Bitness', {view: 32})),
      r.readValue('HKLM', 'Software\\\\mailcert-view-test', 'Bitness'),
    ]`)
    expect(seen).toEqual(['x86', null])
    if (process.platform === 'win32') await reg(user, ['delete', 'HKLM\\Software\\mailcert-view-test', '/reg:32', '/f'])
  })

  it('names the call and the key when Windows refuses', async () => {
    // HKLM\HARDWARE is volatile: a non-volatile key cannot be created below it (ERROR_CHILD_MUST_BE_VOLATILE, 1021).
    const seen = await inWindows(`
      try { r.writeValue('HKLM', 'HARDWARE\\\\mailcert', {name: 'x', type: 'REG_SZ', data: Buffer.alloc(2)}); return 'written' }
      catch (error) { return {name: error.name, message: error.message, call: error.call} }`)
    expect(seen).toMatchObject({name: 'Win32Error', call: 'RegCreateKeyExW(HKLM\\HARDWARE\\mailcert)'})
    expect((seen as {message: string}).message).toMatch(/^RegCreateKeyExW\(HKLM\\HARDWARE\\mailcert\) failed: .*\(\d+\)\.$/)
  })
})
