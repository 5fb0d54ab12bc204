import {describe, expect, it} from 'vitest'

import {decideRunAs, userEnvironment, userLaunch, withoutUserFlag} from '../../src/system/run-as-user.js'
import type {UserAccount} from '../../src/system/user-account.js'

const alice: UserAccount = {name: 'alice', uid: 1001, gid: 1002, home: '/home/alice', shell: '/bin/bash'}
const SECRET = 'p12-secret-Zx81'
/** What an engine's root environment looks like: its own folders, its session, secrets, mailcert's settings. */
const rootEnv = {
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  SHELL: '/bin/bash',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin',
  LANG: 'de_DE.UTF-8',
  LC_TIME: 'C',
  TERM: 'xterm',
  XDG_RUNTIME_DIR: '/run/user/0',
  XDG_DATA_HOME: '/root/.local/share',
  XDG_CONFIG_HOME: '/root/.config',
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/0/bus',
  SSH_AUTH_SOCK: '/tmp/ssh-root/agent',
  MAILCERT_PASSWORD: SECRET,
  MAILCERT_DB_PASSWORD: SECRET,
  MAILCERT_KEYCHAIN_PASSWORD: SECRET,
  MAILCERT_PASSWORD_FILE: '/root/p12.pw',
  MAILCERT_USER: 'alice',
  MAILCERT_YES: '1',
  MAILCERT_SECRETS_FD: '7',
}
const self = {execPath: '/usr/bin/node', execArgv: [], script: '/opt/mailcert/bin/run.js', args: ['install', 'alice.p12', '--user', 'alice', '--yes', '--json']}

describe('whether to switch users', () => {
  it('switches as root, goes on for oneself, refuses another user without root', () => {
    expect(decideRunAs('linux', 'alice', {name: 'root', isRoot: true})).toBe('switch')
    expect(decideRunAs('macos', 'alice', {name: 'root', isRoot: true})).toBe('switch')
    expect(decideRunAs('linux', 'alice', {name: 'alice', isRoot: false})).toBe('here')
    expect(decideRunAs('linux', 'root', {name: 'root', isRoot: true})).toBe('here')
    expect(() => decideRunAs('linux', 'bob', {name: 'alice', isRoot: false})).toThrow(expect.objectContaining({code: 'run-as-user-not-root', exitCode: 2}))
  })

  it('refuses on Windows whoever runs it, naming Intune\'s user install context', () => {
    for (const current of [{name: 'SYSTEM', isRoot: false}, {name: 'alice', isRoot: false}]) {
      expect(() => decideRunAs('windows', 'alice', current)).toThrow(expect.objectContaining({code: 'run-as-user-windows', exitCode: 2, hints: expect.arrayContaining([expect.stringContaining('"Install behavior" to "User"')])}))
    }
  })
})

describe('the command line of the child', () => {
  it('is the same without --user, in both spellings, and leaves what follows -- alone', () => {
    expect(withoutUserFlag(['install', 'a.p12', '--user', 'alice', '--yes'])).toEqual(['install', 'a.p12', '--yes'])
    expect(withoutUserFlag(['check', '--user=alice', '--json'])).toEqual(['check', '--json'])
    expect(withoutUserFlag(['install', '--yes', '--', '--user', 'x'])).toEqual(['install', '--yes', '--', '--user', 'x'])
  })
})

describe('the environment of the child', () => {
  it('is the user\'s: their identity and session, language and PATH, mailcert\'s settings; no secret, nothing of root\'s folders or session', () => {
    const env = userEnvironment(alice, {runtimeDir: '/run/user/1001', bus: '/run/user/1001/bus'}, rootEnv, 3)
    expect(env).toEqual({
      HOME: '/home/alice',
      USER: 'alice',
      LOGNAME: 'alice',
      SHELL: '/bin/bash',
      PATH: rootEnv.PATH,
      LANG: 'de_DE.UTF-8',
      LC_TIME: 'C',
      TERM: 'xterm',
      XDG_RUNTIME_DIR: '/run/user/1001',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1001/bus',
      MAILCERT_PASSWORD_FILE: '/root/p12.pw',
      MAILCERT_YES: '1',
      MAILCERT_SECRETS_FD: '3',
    })
  })

  it('has no runtime folder or bus where the user has no session, and a PATH even when root had none', () => {
    const env = userEnvironment(alice, {runtimeDir: null, bus: null}, {HOME: '/root'}, 3)
    expect(env).toEqual({HOME: '/home/alice', USER: 'alice', LOGNAME: 'alice', SHELL: '/bin/bash', PATH: '/usr/local/bin:/usr/bin:/bin', MAILCERT_SECRETS_FD: '3'})
  })
})

describe('what is started', () => {
  it('on Linux: setpriv with uid, gid and supplementary groups, then the same mailcert, in the user\'s home, the frame on fd 3', () => {
    const launch = userLaunch({os: 'linux', systemRoot: '/', env: rootEnv}, alice, {runtimeDir: null, bus: null}, self)
    expect(launch).toMatchObject({
      file: 'setpriv',
      args: ['--reuid', '1001', '--regid', '1002', '--init-groups', '--', '/usr/bin/node', '/opt/mailcert/bin/run.js', 'install', 'alice.p12', '--yes', '--json'],
      cwd: '/home/alice',
      handOverFd: 3,
    })
    expect(JSON.stringify(launch)).not.toContain(SECRET)
  })

  it('on macOS: into the user\'s session with launchctl asuser, sudo to the user, env -i with the built environment; the frame on stdin (sudo closes the rest)', () => {
    const launch = userLaunch({os: 'macos', systemRoot: '/', env: rootEnv}, {...alice, uid: 501, gid: 20, home: '/Users/alice', shell: '/bin/zsh'}, {runtimeDir: '/run/user/501', bus: null}, self)
    expect(launch.file).toBe('/bin/launchctl')
    expect(launch.args.slice(0, 9)).toEqual(['asuser', '501', '/usr/bin/sudo', '-u', 'alice', '-H', '--', '/usr/bin/env', '-i'])
    expect(launch.args).toContain('HOME=/Users/alice')
    expect(launch.args).toContain('MAILCERT_SECRETS_FD=0')
    expect(launch.args.some((arg) => arg.startsWith('XDG_RUNTIME_DIR='))).toBe(false)
    expect(launch.args.slice(-6)).toEqual(['/usr/bin/node', '/opt/mailcert/bin/run.js', 'install', 'alice.p12', '--yes', '--json'])
    expect(launch).toMatchObject({cwd: '/Users/alice', handOverFd: 0})
    expect(JSON.stringify(launch)).not.toContain(SECRET)
  })

  it('finds the macOS programs under a test\'s system root', () => {
    const launch = userLaunch({os: 'macos', systemRoot: '/sim', env: {}}, alice, {runtimeDir: null, bus: null}, self)
    expect([launch.file, launch.args[2], launch.args[7]]).toEqual(['/sim/bin/launchctl', '/sim/usr/bin/sudo', '/sim/usr/bin/env'])
  })
})
