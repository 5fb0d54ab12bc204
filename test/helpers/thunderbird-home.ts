/**
 * A sandbox HOME with a real Thunderbird profile: Thunderbird itself creates the profile (-CreateProfile),
 * then runs once headless to create its certificate database and prefs.js, and adds the mail accounts
 * through its own account manager. The result is made once per test run and copied for each test.
 */
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {findThunderbird, type ThunderbirdProgram} from '../../src/clients/thunderbird/program.js'

export interface TestAccount {
  email: string
  name: string
  host?: string
}

export interface ThunderbirdHome {
  home: string
  profileDir: string
  /** Identity keys by address, as Thunderbird assigned them. */
  identityKeys: Record<string, string>
}

const PROFILE_FOLDER = 'mc7test1.default-release'

export async function thunderbirdProgram(): Promise<ThunderbirdProgram> {
  const program = await findThunderbird({platform: process.platform, home: process.env.HOME ?? '/root', env: process.env})
  if (!program) throw new Error('Thunderbird is not installed: run `npm run test:setup` (the tests need the real program).')
  return program
}

const ADD_ACCOUNTS = `
  const {MailServices} = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const keys = {};
  for (const a of arguments[0]) {
    const server = MailServices.accounts.createIncomingServer(a.email.split("@")[0], a.host, "imap");
    const identity = MailServices.accounts.createIdentity();
    identity.email = a.email;
    identity.fullName = a.name;
    const account = MailServices.accounts.createAccount();
    account.incomingServer = server;
    account.addIdentity(identity);
    keys[a.email] = identity.key;
  }
  Services.prefs.savePrefFile(null);
  return keys;
`

async function build(dir: string, accounts: TestAccount[]): Promise<ThunderbirdHome> {
  const program = await thunderbirdProgram()
  const profileDir = join(dir, '.thunderbird', PROFILE_FOLDER)
  const env = {...process.env, HOME: dir}
  execFileSync(program.command, [...program.prefixArgs, '--headless', '-CreateProfile', `default-release ${profileDir}`], {env, stdio: 'ignore'})
  const thunderbird = await startHeadlessThunderbird(program, profileDir, {env})
  let identityKeys: Record<string, string>
  try {
    identityKeys = await thunderbird.client.execute<Record<string, string>>(
      ADD_ACCOUNTS,
      [accounts.map((a) => ({host: 'imap.example.com', ...a}))],
    )
  } finally {
    await thunderbird.stop()
  }
  return {home: dir, profileDir, identityKeys}
}

const templates = new Map<string, Promise<ThunderbirdHome>>()
const made: string[] = []
// Sandbox homes hold NSS databases and profiles: gone when the test process ends.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true})
})

/** A fresh copy of a Thunderbird home with these accounts. */
export async function thunderbirdHome(accounts: TestAccount[]): Promise<ThunderbirdHome> {
  const key = JSON.stringify(accounts)
  if (!templates.has(key)) {
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-tb-template-'))
    made.push(dir)
    templates.set(key, build(dir, accounts))
  }
  const template = await templates.get(key)!
  const home = mkdtempSync(join(tmpdir(), 'mailcert-tb-home-'))
  rmSync(home, {recursive: true})
  cpSync(template.home, home, {recursive: true, verbatimSymlinks: true})
  made.push(home)
  const profileDir = join(home, '.thunderbird', PROFILE_FOLDER)
  if (!existsSync(join(profileDir, 'cert9.db'))) throw new Error(`Thunderbird did not create its certificate database in ${profileDir}`)
  return {home, profileDir, identityKeys: template.identityKeys}
}

export function prefsOf(home: ThunderbirdHome): string {
  return readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')
}
