/**
 * The Ansible module and the example playbook (platforms/ansible/), run by Debian's real
 * ansible-playbook against four hosts this test makes: each a network namespace with its own sshd,
 * reached over SSH with a key made here, logging in as a system user of its own whose home holds a
 * real Thunderbird profile (namespace-hosts.ts). The password comes from an Ansible Vault file;
 * mailcert is the built bin/run.js. Four runs: the first changes every host but one whose password
 * is wrong (it fails alone), the second changes that one and no other, --check changes nothing,
 * state=absent undoes.
 */
import {execFileSync, spawn, spawnSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cliForAllUsers, type CliForAllUsers} from '../helpers/cli-for-all-users.js'
import {FIXTURES, REPO} from '../helpers/fixtures.js'
import {makeNamespaceHosts, type NamespaceHost, type NamespaceHosts, removeNamespaceHosts} from '../helpers/namespace-hosts.js'
import {thunderbirdHome} from '../helpers/thunderbird-home.js'

const ACCOUNTS = [{email: 'alice@example.com', name: 'Alice Example'}]
// Not ASCII, and found nowhere else: it must reach mailcert intact, and appear in no output.
const P12 = join(FIXTURES, 'p12', 'ec-nonascii.p12')
const PASSWORD = 'pässwörd'
const PLAYBOOK = join(REPO, 'platforms', 'ansible', 'install-smime.yml')
const TEMPFILE_TASK = 'Make a temporary file for the certificate, readable by the user only'
const COPY_TASK = 'Copy the certificate there'
const MAILCERT_TASK = 'Install it and set up the mail accounts'
const REMOVE_TASK = 'Undo what mailcert set up'
const FIRST_THREE = 'h1,h2,h3'

interface TaskResult {
  changed?: boolean
  failed?: boolean
  skipped?: boolean
  rc?: number
  msg?: string
  code?: string
  hints?: string[]
  plan?: string[]
  targets?: Array<{status: string; changed: boolean; accounts: string[]}>
  /** What the tempfile and copy tasks return. */
  path?: string
  dest?: string
  mode?: string
  owner?: string
}

interface PlaybookRun {
  code: number | null
  output: string
  /** Per task name, per host, what the task returned. */
  tasks: Record<string, Record<string, TaskResult>>
  stats: Record<string, {changed: number; failures: number; ok: number}>
}

let dir: string
let made: NamespaceHosts | undefined
/** mailcert where the hosts' users can run it (the checkout may be in a folder only root can enter). */
let cli: CliForAllUsers | undefined
let hosts: NamespaceHost[]
/** Thunderbird's key for alice's identity (the same in every copy of the template). */
let identity: string
const profileOf = (host: NamespaceHost) => join(host.home, '.thunderbird', 'mc7test1.default-release')
const prefsOf = (host: NamespaceHost) => readFileSync(join(profileOf(host), 'prefs.js'), 'latin1')
const certificatesOf = (host: NamespaceHost) => execFileSync('certutil', ['-L', '-d', `sql:${profileOf(host)}`], {encoding: 'utf8'})
const uidOf = (host: NamespaceHost) => statSync(host.home).uid
const hostVars = () => join(dir, 'inventory', 'host_vars')

function ansibleEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_HOME: join(dir, 'ansible-home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'ansible-local'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_PIPELINING: 'True',
    // One connection per host for the whole run (afterAll ends them); nothing of root's own ssh configuration.
    ANSIBLE_SSH_ARGS: '-F /dev/null -o ControlMaster=auto -o ControlPersist=60s',
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'ssh-control'),
    ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.json',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
  }
}

function playbook(...args: string[]): Promise<PlaybookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('ansible-playbook', ['-i', join(dir, 'inventory'), '--vault-password-file', join(dir, 'vault-pass'), '-f', '5', ...args, PLAYBOOK], {
      cwd: dir,
      env: ansibleEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('close', (code) => {
      let report: {plays: Array<{tasks: Array<{task: {name: string}; hosts: Record<string, TaskResult>}>}>; stats: PlaybookRun['stats']}
      try {
        report = JSON.parse(stdout)
      } catch {
        reject(new Error(`ansible-playbook gave no JSON (exit ${code}):\n${stdout}\n${stderr}`))
        return
      }
      const tasks: PlaybookRun['tasks'] = {}
      for (const task of report.plays.flatMap((play) => play.tasks)) tasks[task.task.name] = {...tasks[task.task.name], ...task.hosts}
      resolve({code, output: `${stdout}\n${stderr}`, tasks, stats: report.stats})
    })
  })
}

/** The playbook copied the .p12 to each host for its user alone, and removed it again. */
function expectCopiesRemoved(run: PlaybookRun, names: string[]): void {
  for (const host of hosts.filter((h) => names.includes(h.name))) {
    const copy = run.tasks[TEMPFILE_TASK][host.name].path
    expect(copy, host.name).toMatch(/\.p12$/)
    expect(run.tasks[COPY_TASK][host.name]).toMatchObject({mode: '0600', owner: host.user, dest: copy})
    expect(existsSync(copy!), `${copy} is left on ${host.name}`).toBe(false)
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailcert-ansible-'))
  // The hosts' users read mailcert's wrapper from here and have their homes below it.
  chmodSync(dir, 0o755)
  made = await makeNamespaceHosts(dir, 4)
  hosts = made.hosts
  for (const host of hosts) {
    const template = await thunderbirdHome(ACCOUNTS)
    identity = template.identityKeys['alice@example.com']
    cpSync(template.home, host.home, {recursive: true, verbatimSymlinks: true})
    execFileSync('chown', ['-R', `${host.user}:${host.user}`, host.home])
  }

  // mailcert as the hosts have it: a program on a path every user can read, here a copy of the built CLI.
  mkdirSync(join(dir, 'bin'), {mode: 0o755})
  cli = cliForAllUsers()
  writeFileSync(join(dir, 'bin', 'mailcert'), `#!/bin/sh\nexec ${process.execPath} ${cli.entry} "$@"\n`, {mode: 0o755})

  const inventory = join(dir, 'inventory')
  mkdirSync(join(inventory, 'group_vars', 'mail_users'), {recursive: true})
  mkdirSync(hostVars())
  writeFileSync(
    join(inventory, 'hosts.yml'),
    JSON.stringify({
      mail_users: {
        hosts: Object.fromEntries(hosts.map((host) => [host.name, {ansible_host: host.address, ansible_port: host.port, ansible_user: host.user}])),
        vars: {
          ansible_ssh_private_key_file: made.clientKey,
          ansible_ssh_common_args: `-o UserKnownHostsFile=${join(dir, 'known_hosts')} -o StrictHostKeyChecking=no`,
          ansible_python_interpreter: '/usr/bin/python3',
          mailcert_executable: join(dir, 'bin', 'mailcert'),
          smime_p12_file: P12,
          smime_trust_root: true,
          smime_sign_by_default: true,
        },
      },
    }),
  )
  // The password as the README says to keep it: a group variable in a file Ansible Vault encrypted.
  writeFileSync(join(dir, 'vault-pass'), 'a vault password of this test\n', {mode: 0o600})
  const vault = join(inventory, 'group_vars', 'mail_users', 'vault.yml')
  writeFileSync(vault, `smime_password: "${PASSWORD}"\n`, {mode: 0o600})
  execFileSync('ansible-vault', ['encrypt', '--vault-password-file', join(dir, 'vault-pass'), vault], {env: ansibleEnv(), stdio: 'ignore'})
  expect(readFileSync(vault, 'utf8')).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n/)
}, 240_000)

/** Ends the master connections ansible's ssh keeps (ControlPersist), one socket per host it reached. */
function endMasterConnections(): void {
  const sockets = join(dir, 'ssh-control')
  if (!existsSync(sockets)) return
  // The socket names are ansible's own hash; with the path given, ssh needs a host name but does not use it.
  for (const socket of readdirSync(sockets)) spawnSync('ssh', ['-F', '/dev/null', '-o', `ControlPath=${join(sockets, socket)}`, '-O', 'exit', 'any'], {stdio: 'ignore'})
}

afterAll(async () => {
  try {
    endMasterConnections()
    await removeNamespaceHosts(made)
  } finally {
    cli?.remove()
    if (dir) rmSync(dir, {recursive: true, force: true})
  }
}, 60_000)

describe('the Ansible module against hosts reached over SSH', () => {
  let installed: Record<string, string>
  const untouched: Record<string, string> = {}

  // Two runs cover first run, re-run and a wrong password: h2's password is wrong in the first, so it
  // fails alone while h1 and h3 change; in the second h2 changes and h1 and h3 change nothing.
  it('first run: h1 and h3 change, as their own users, with the password only on stdin; a wrong password fails h2 alone, with mailcert\'s message and exit code', async () => {
    for (const host of hosts) untouched[host.name] = prefsOf(host)
    writeFileSync(join(hostVars(), 'h2.yml'), 'smime_password: "not the password"\n')
    let run: PlaybookRun
    try {
      run = await playbook('--limit', FIRST_THREE)
    } finally {
      rmSync(join(hostVars(), 'h2.yml'))
    }
    // ansible-playbook's exit code when a host failed.
    expect(run.code, run.output).toBe(2)
    for (const host of [hosts[0], hosts[2]]) {
      const result = run.tasks[MAILCERT_TASK][host.name]
      expect(result, host.name).toMatchObject({changed: true, rc: 0, targets: [{status: 'done', changed: true, accounts: ['alice@example.com']}]})
      // Only the mailcert task counts as a change; copying the file there and away does not.
      expect(run.stats[host.name]).toMatchObject({changed: 1, failures: 0})
      // The certificate's NSS nickname, and its dbKey (issuer and serial number), name it in prefs.js.
      expect(prefsOf(host)).toContain(`user_pref("mail.identity.${identity}.signing_cert_name", "Alice Example EC");\n`)
      expect(prefsOf(host)).toMatch(new RegExp(`^user_pref\\("mail\\.identity\\.${identity}\\.signing_cert_dbkey", "[A-Za-z0-9+/=]{40,}"\\);$`, 'm'))
      expect(prefsOf(host)).toContain(`user_pref("mail.identity.${identity}.sign_mail", true);\n`)
      expect(certificatesOf(host)).toMatch(/^Alice Example\s+u,u,u\s*$/m)
      // mailcert ran as the host's user: what it wrote is the user's.
      expect(statSync(join(profileOf(host), 'prefs.js')).uid).toBe(uidOf(host))
    }
    expect(run.tasks[MAILCERT_TASK].h2).toMatchObject({failed: true, changed: false, rc: 3, code: 'wrong-password', msg: 'The password is wrong.'})
    expect(run.tasks[MAILCERT_TASK].h2.hints?.length).toBeGreaterThan(0)
    expect(run.stats.h2).toMatchObject({failures: 1, changed: 0})
    expect(prefsOf(hosts[1])).toBe(untouched.h2)
    expect(prefsOf(hosts[3])).toBe(untouched.h4)
    // The copy is removed on the failed host too.
    expectCopiesRemoved(run, ['h1', 'h2', 'h3'])
    expect(run.output).not.toContain(PASSWORD)
    installed = Object.fromEntries([hosts[0], hosts[2]].map((host) => [host.name, prefsOf(host)]))
  }, 180_000)

  it('second run: h2 changes with the right password, h1 and h3 change nothing', async () => {
    const run = await playbook('--limit', FIRST_THREE)
    expect(run.code, run.output).toBe(0)
    expect(run.tasks[MAILCERT_TASK].h2).toMatchObject({changed: true, rc: 0, targets: [{status: 'done', changed: true}]})
    expect(prefsOf(hosts[1])).toContain(`user_pref("mail.identity.${identity}.signing_cert_name", "Alice Example EC");\n`)
    for (const host of [hosts[0], hosts[2]]) {
      expect(run.tasks[MAILCERT_TASK][host.name], host.name).toMatchObject({changed: false, rc: 0, targets: [{status: 'unchanged', changed: false}]})
      expect(run.stats[host.name]).toMatchObject({changed: 0, failures: 0})
      expect(prefsOf(host)).toBe(installed[host.name])
    }
    expect(run.output).not.toContain(PASSWORD)
  }, 180_000)

  it('--check changes nothing, and says a fresh host would change', async () => {
    const certificates = certificatesOf(hosts[3])
    const run = await playbook('--check', '--limit', 'h4')
    expect(run.code, run.output).toBe(0)
    expect(run.tasks[MAILCERT_TASK].h4).toMatchObject({changed: true, rc: 0, targets: []})
    expect(run.tasks[MAILCERT_TASK].h4.plan?.some((line) => line.startsWith('  - Import the certificate'))).toBe(true)
    expect(prefsOf(hosts[3])).toBe(untouched.h4)
    expect(certificatesOf(hosts[3])).toBe(certificates)
    // Made and removed in check mode too: mailcert's dry run reads the file.
    expectCopiesRemoved(run, ['h4'])
  }, 180_000)

  it('state=absent puts the settings back', async () => {
    const run = await playbook('--limit', 'h1', '-e', 'smime_state=absent')
    expect(run.code, run.output).toBe(0)
    expect(run.tasks[REMOVE_TASK].h1).toMatchObject({changed: true, rc: 0, targets: [{status: 'done', changed: true}]})
    expect(prefsOf(hosts[0])).not.toMatch(/signing_cert_name/)
  }, 180_000)
})
