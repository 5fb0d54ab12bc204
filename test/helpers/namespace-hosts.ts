/**
 * Hosts for fleet-engine tests (Ansible): each a network namespace of its own, joined to this one by
 * a veth pair (10.199.N.1 here, 10.199.N.2 there), with OpenSSH's sshd listening only there, on its
 * own port, with its own host key, configuration and pid file, and a system user of its own who
 * logs in with a key made here. The namespaces share the file system, so "its own user" is a user
 * with its own home; the mail clients' profiles go in there.
 *
 * Needs root (ip netns, useradd). Everything made is undone by removeNamespaceHosts, which the
 * tests call in afterAll whatever happened.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {connect} from 'node:net'
import {join} from 'node:path'

export interface NamespaceHost {
  /** The inventory name: h1, h2, ... */
  name: string
  netns: string
  address: string
  port: number
  user: string
  home: string
  sshd?: ChildProcess
}

export interface NamespaceHosts {
  hosts: NamespaceHost[]
  /** The private key every host's user accepts. */
  clientKey: string
}

const run = (command: string, ...args: string[]): string => execFileSync(command, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})

function userExists(user: string): boolean {
  try {
    run('id', '-u', user)
    return true
  } catch {
    return false
  }
}

/** Resolves once something accepts TCP connections at address:port (sshd has bound its socket). */
async function listening(address: string, port: number, sshd: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (sshd.exitCode !== null) throw new Error(`sshd for ${address}:${port} exited with ${sshd.exitCode}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({host: address, port}, () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`sshd did not listen on ${address}:${port}`)
}

/** `count` hosts under `dir` (which must be readable by all: the users' homes are in it). */
export async function makeNamespaceHosts(dir: string, count: number): Promise<NamespaceHosts> {
  // A failure, not a skip: the fleet-engine tests must run where the suite runs (as root, as here and in CI containers).
  if (process.getuid?.() !== 0) throw new Error('The fleet-engine tests make network namespaces and users: run them as root.')
  const clientKey = join(dir, 'client-key')
  run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'mailcert-test', '-f', clientKey)
  // sshd insists on its privilege separation folder; Debian's service makes it at start, and no service runs here.
  if (!existsSync('/run/sshd')) mkdirSync('/run/sshd', {mode: 0o755})
  const homes = join(dir, 'home')
  mkdirSync(homes, {mode: 0o755})
  const tag = String(process.pid)
  const made: NamespaceHosts = {hosts: [], clientKey}
  try {
    for (let n = 1; n <= count; n++) {
      const host: NamespaceHost = {name: `h${n}`, netns: `mc-${tag}-h${n}`, address: `10.199.${n}.2`, port: 2200 + n, user: `mc-h${n}-alice`, home: join(homes, `mc-h${n}-alice`)}
      made.hosts.push(host)
      const [here, there] = [`mca${tag}h${n}`, `mcb${tag}h${n}`]
      run('ip', 'netns', 'add', host.netns)
      run('ip', 'link', 'add', here, 'type', 'veth', 'peer', 'name', there)
      run('ip', 'link', 'set', there, 'netns', host.netns)
      run('ip', 'addr', 'add', `10.199.${n}.1/24`, 'dev', here)
      run('ip', 'link', 'set', here, 'up')
      run('ip', 'netns', 'exec', host.netns, 'ip', 'addr', 'add', `${host.address}/24`, 'dev', there)
      run('ip', 'netns', 'exec', host.netns, 'ip', 'link', 'set', there, 'up')
      run('ip', 'netns', 'exec', host.netns, 'ip', 'link', 'set', 'lo', 'up')

      // A user left by a run that was killed before its clean-up would hold another home.
      if (userExists(host.user)) run('userdel', '-r', '-f', host.user)
      // '*': no password to log in with, but not locked (sshd refuses a locked account even with a key).
      run('useradd', '-m', '-d', host.home, '-s', '/bin/sh', '-p', '*', host.user)
      const ssh = join(host.home, '.ssh')
      mkdirSync(ssh, {mode: 0o700})
      writeFileSync(join(ssh, 'authorized_keys'), run('cat', `${clientKey}.pub`), {mode: 0o600})
      run('chown', '-R', `${host.user}:${host.user}`, ssh)

      const own = join(dir, `sshd-${host.name}`)
      mkdirSync(own)
      run('ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', join(own, 'host-key'))
      const config = join(own, 'sshd_config')
      writeFileSync(
        config,
        [
          `Port ${host.port}`,
          `ListenAddress ${host.address}`,
          `HostKey ${join(own, 'host-key')}`,
          `PidFile ${join(own, 'sshd.pid')}`,
          'AuthorizedKeysFile .ssh/authorized_keys',
          'PubkeyAuthentication yes',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'PermitRootLogin no',
          `AllowUsers ${host.user}`,
          'Subsystem sftp internal-sftp',
          'LogLevel ERROR',
          '',
        ].join('\n'),
      )
      chmodSync(config, 0o600)
      // `ip netns exec` runs sshd in the namespace as the same process; -D keeps it ours to end.
      host.sshd = spawn('ip', ['netns', 'exec', host.netns, '/usr/sbin/sshd', '-D', '-e', '-f', config], {stdio: ['ignore', 'ignore', 'pipe']})
      await listening(host.address, host.port, host.sshd)
    }
  } catch (error) {
    // What failed first is the error to see; what the clean-up finds is of its making.
    await removeNamespaceHosts(made).catch(() => {})
    throw error
  }
  return made
}

/** Ends each host's sshd, removes its namespace (the veth pair goes with it) and its user with the home. */
export async function removeNamespaceHosts(made: NamespaceHosts | undefined): Promise<void> {
  const problems: string[] = []
  for (const host of made?.hosts ?? []) {
    const sshd = host.sshd
    if (sshd && sshd.exitCode === null && sshd.signalCode === null) {
      const ended = new Promise((resolve) => sshd.once('exit', resolve))
      sshd.kill('SIGTERM')
      await ended
    }
    for (const step of [
      () => run('ip', 'netns', 'del', host.netns),
      () => userExists(host.user) && run('userdel', '-r', '-f', host.user),
    ]) {
      try {
        step()
      } catch (error) {
        problems.push((error as Error).message)
      }
    }
  }
  if (problems.length > 0) throw new Error(`Cleaning up the test hosts:\n${problems.join('\n')}`)
}
