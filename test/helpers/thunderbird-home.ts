/**
 * A sandbox HOME with a real Thunderbird profile: Thunderbird itself creates the profile (-CreateProfile),
 * then runs once headless to create its certificate database and prefs.js, and adds the mail accounts
 * through its own account manager the way its account wizard does (CreateInBackend.sys.mjs): an IMAP
 * server that checks for mail at start-up and every 10 minutes, a remembered password, an SMTP
 * server, Local Folders. The servers are on loopback and unusable (unreachable-mail-servers.ts): the
 * first account's drops every connection, the others' never answer. The result is made once per test
 * process and copied for each test.
 */
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

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

async function build(dir: string, accounts: TestAccount[]): Promise<ThunderbirdHome> {
  const program = await thunderbirdProgram()
  const profileDir = join(dir, '.thunderbird', PROFILE_FOLDER)
  const env = {...process.env, HOME: dir}
  execFileSync(program.command, [...program.prefixArgs, '--headless', '-CreateProfile', `default-release ${profileDir}`], {env, stdio: 'ignore'})
  const servers = await unreachableServers()
  const thunderbird = await startHeadlessThunderbird(program, profileDir, {env})
  let identityKeys: Record<string, string>
  try {
    identityKeys = await thunderbird.execute<Record<string, string>>('add the test accounts', ADD_ACCOUNTS, [accounts, {dropping: servers.dropping.port, silent: servers.silent.port}])
  } finally {
    await thunderbird.stop()
  }
  return {home: dir, profileDir, identityKeys, servers}
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
  return {home, profileDir, identityKeys: template.identityKeys, servers: template.servers}
}

export function prefsOf(home: ThunderbirdHome): string {
  return readFileSync(join(home.profileDir, 'prefs.js'), 'utf8')
}
