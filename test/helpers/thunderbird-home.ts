/**
 * A sandbox HOME with a real Thunderbird profile: Thunderbird itself creates the profile (-CreateProfile),
 * then runs once headless to create its certificate database and prefs.js, and adds the mail accounts
 * through its own account manager the way its account wizard does (CreateInBackend.sys.mjs): an IMAP
 * server that checks for mail at start-up and every 10 minutes, a remembered password, an SMTP
 * server, Local Folders. The servers are on loopback and unusable (unreachable-mail-servers.ts): the
 * first account's drops every connection, the others' never answer.
 *
 * The result (a template) is made once per test run for each list of accounts, by the first test
 * process that asks, in the run's folder (test/global-setup.ts); the other processes wait for it.
 * Each test gets a copy, its accounts pointed at the servers of its own test process.
 */
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {inject} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {findThunderbird, type ThunderbirdProgram} from '../../src/clients/thunderbird/program.js'
import {type UnreachableServers, unreachableServers} from './unreachable-mail-servers.js'

export interface TestAccount {
  email: string
  name: string
}

export interface ThunderbirdHome {
  home: string
  profileDir: string
  /** Identity keys by address, as Thunderbird assigned them. */
  identityKeys: Record<string, string>
  /** Where the accounts' servers are: a test can tell from their connections whether Thunderbird went online. */
  servers: UnreachableServers
}

const PROFILE_FOLDER = 'mc7test1.default-release'

export async function thunderbirdProgram(): Promise<ThunderbirdProgram> {
  const program = await findThunderbird({platform: process.platform, home: process.env.HOME ?? '/root', env: process.env})
  if (!program) throw new Error('Thunderbird is not installed: run `npm run test:setup` (the tests need the real program).')
  return program
}

const ADD_ACCOUNTS = `
  const {MailServices} = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const [accounts, ports] = arguments;
  const uuid = () => Services.uuid.generateUUID().toString().replace(/[{}]/g, "");
  const keys = {};
  for (const [index, a] of accounts.entries()) {
    const user = a.email.split("@")[0];
    const port = index === 0 ? ports.dropping : ports.silent;
    const server = MailServices.accounts.createIncomingServer(user, "127.0.0.1", "imap");
    server.port = port;
    server.authMethod = Ci.nsMsgAuthMethod.passwordCleartext;
    server.clientid = uuid();
    const login = Cc["@mozilla.org/login-manager/loginInfo;1"].createInstance(Ci.nsILoginInfo);
    login.init("imap://127.0.0.1", null, "imap://127.0.0.1", user, "not-a-real-password", "", "");
    try {
      await Services.logins.addLoginAsync(login);
    } catch (e) {
      if (!e.message.includes("This login already exists")) throw e;
    }
    server.socketType = Ci.nsMsgSocketType.plain;
    server.prettyName = a.email;
    server.doBiff = true;
    server.biffMinutes = 10;
    server.setBoolValue("login_at_startup", true);
    server.valid = true;

    const outgoing = MailServices.outgoingServer.createServer("smtp");
    const smtp = outgoing.QueryInterface(Ci.nsISmtpServer);
    smtp.hostname = "127.0.0.1";
    smtp.port = ports.silent;
    smtp.clientid = uuid();
    outgoing.socketType = Ci.nsMsgSocketType.plain;
    outgoing.authMethod = Ci.nsMsgAuthMethod.passwordCleartext;
    outgoing.username = user;
    outgoing.description = a.name;
    if (!MailServices.outgoingServer.defaultServer || !MailServices.outgoingServer.defaultServer.serverURI.host) {
      MailServices.outgoingServer.defaultServer = outgoing;
    }

    const identity = MailServices.accounts.createIdentity();
    identity.fullName = a.name;
    identity.email = a.email;
    identity.replyOnTop = 1;
    identity.valid = true;
    identity.smtpServerKey = outgoing.key;
    const account = MailServices.accounts.createAccount();
    account.addIdentity(identity);
    account.incomingServer = server;
    if (!MailServices.accounts.defaultAccount || !MailServices.accounts.defaultAccount.incomingServer.canBeDefaultServer) {
      MailServices.accounts.defaultAccount = account;
    }
    try {
      MailServices.accounts.localFoldersServer;
    } catch (e) {
      MailServices.accounts.createLocalMailAccount();
    }
    const base = server.serverURI + "/";
    identity.draftsFolderURI = base + "Drafts";
    identity.templatesFolderURI = base + "Templates";
    identity.fccFolderURI = base + "Sent";
    identity.fccFolderPickerMode = 0;
    identity.draftsFolderPickerMode = 0;
    identity.templatesFolderPickerMode = 0;
    keys[a.email] = identity.key;
  }
  MailServices.accounts.saveAccountInfo();
  Services.prefs.savePrefFile(null);
  return keys;
`

/** A template profile: where it is, and what the test processes that copy it need to know. */
interface Template {
  home: string
  identityKeys: Record<string, string>
  /** The ports of the servers the accounts were set up with (those of the process that built it). */
  ports: {dropping: number; silent: number}
}

async function build(dir: string, accounts: TestAccount[]): Promise<Template> {
  const program = await thunderbirdProgram()
  const profileDir = join(dir, '.thunderbird', PROFILE_FOLDER)
  const env = {...process.env, HOME: dir}
  execFileSync(program.command, [...program.prefixArgs, '--headless', '-CreateProfile', `default-release ${profileDir}`], {env, stdio: 'ignore'})
  const servers = await unreachableServers()
  const ports = {dropping: servers.dropping.port, silent: servers.silent.port}
  const thunderbird = await startHeadlessThunderbird(program, profileDir, {env})
  let identityKeys: Record<string, string>
  try {
    identityKeys = await thunderbird.execute<Record<string, string>>('add the test accounts', ADD_ACCOUNTS, [accounts, ports])
  } finally {
    await thunderbird.stop()
  }
  return {home: dir, identityKeys, ports}
}

/** How long a test process waits for another to build a template (two Thunderbird runs on a busy machine). */
const BUILD_WAIT_MS = 240_000

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Waits for the process that claimed `folder` to finish the template there, or to fail. */
async function templateBuiltElsewhere(folder: string): Promise<Template> {
  const deadline = Date.now() + BUILD_WAIT_MS
  for (;;) {
    if (existsSync(join(folder, 'template.json'))) return JSON.parse(readFileSync(join(folder, 'template.json'), 'utf8')) as Template
    if (existsSync(join(folder, 'failed'))) throw new Error(`Another test process failed to build the Thunderbird template in ${folder}:\n${readFileSync(join(folder, 'failed'), 'utf8')}`)
    // The builder's pid is written just after it claimed the folder.
    const builder = existsSync(join(folder, 'builder')) ? Number(readFileSync(join(folder, 'builder'), 'utf8')) : 0
    if (builder > 0 && !alive(builder)) throw new Error(`The test process ${builder} that was building the Thunderbird template in ${folder} ended before it was done.`)
    if (Date.now() > deadline) throw new Error(`The Thunderbird template in ${folder} was not built within ${BUILD_WAIT_MS / 1000} s.`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The run's template for these accounts: the first process to claim its folder (mkdir is atomic) builds it. */
async function sharedTemplate(accounts: TestAccount[]): Promise<Template> {
  const name = createHash('sha256').update(JSON.stringify(accounts)).digest('hex').slice(0, 16)
  const folder = join(inject('thunderbirdTemplates'), name)
  try {
    mkdirSync(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return templateBuiltElsewhere(folder)
  }
  writeFileSync(join(folder, 'builder'), String(process.pid))
  try {
    const home = join(folder, 'home')
    mkdirSync(home)
    const template = await build(home, accounts)
    writeFileSync(join(folder, 'template.json.tmp'), JSON.stringify(template))
    renameSync(join(folder, 'template.json.tmp'), join(folder, 'template.json'))
    return template
  } catch (error) {
    writeFileSync(join(folder, 'failed'), error instanceof Error ? (error.stack ?? error.message) : String(error))
    throw error
  }
}

/**
 * The copy's accounts still name the servers of the process that built the template: its IMAP and
 * SMTP ports in prefs.js become those of this process's servers, so that this process counts every
 * connection made to them. Two per account (its IMAP server and its SMTP server).
 */
function pointAtServers(profileDir: string, built: Template['ports'], servers: UnreachableServers, accounts: number): void {
  if (built.dropping === servers.dropping.port && built.silent === servers.silent.port) return
  const ports = new Map([
    [built.dropping, servers.dropping.port],
    [built.silent, servers.silent.port],
  ])
  const file = join(profileDir, 'prefs.js')
  let changed = 0
  // latin1: every byte stays as it was.
  const prefs = readFileSync(file, 'latin1').replace(/^(user_pref\("mail\.(?:server\.server|smtpserver\.smtp)\d+\.port", )(\d+)(\);)$/gm, (line, head: string, port: string, tail: string) => {
    const mine = ports.get(Number(port))
    if (mine === undefined) return line
    changed++
    return `${head}${mine}${tail}`
  })
  if (changed !== 2 * accounts) throw new Error(`Expected ${2 * accounts} server ports in ${file}, found ${changed}: has Thunderbird changed how it writes them?`)
  writeFileSync(file, prefs, 'latin1')
}

const templates = new Map<string, Promise<Template>>()
const made: string[] = []
// Sandbox homes hold NSS databases and profiles: gone when the test process ends (the templates when the run ends).
process.once('exit', () => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true})
})

/** A fresh copy of a Thunderbird home with these accounts. */
export async function thunderbirdHome(accounts: TestAccount[]): Promise<ThunderbirdHome> {
  const key = JSON.stringify(accounts)
  if (!templates.has(key)) templates.set(key, sharedTemplate(accounts))
  const template = await templates.get(key)!
  const servers = await unreachableServers()
  const home = mkdtempSync(join(tmpdir(), 'mailcert-tb-home-'))
  rmSync(home, {recursive: true})
  cpSync(template.home, home, {recursive: true, verbatimSymlinks: true})
  made.push(home)
  const profileDir = join(home, '.thunderbird', PROFILE_FOLDER)
  if (!existsSync(join(profileDir, 'cert9.db'))) throw new Error(`Thunderbird did not create its certificate database in ${profileDir}`)
  pointAtServers(profileDir, template.ports, servers, accounts.length)
  return {home, profileDir, identityKeys: template.identityKeys, servers}
}

export function prefsOf(home: ThunderbirdHome): string {
  return readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')
}
