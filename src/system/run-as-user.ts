/**
 * `--user NAME`: engines (Intune, Jamf, Ansible, a systemd unit) run mailcert as root or SYSTEM,
 * but the certificate stores and mail clients are a person's. Where the OS allows it, the root
 * mailcert starts mailcert again as that person: the same program, script and arguments (without
 * --user), with their uid, gid and supplementary groups, in their home, with an environment built
 * for them. What the decision is and what is started are worked out here, as data; starting it is
 * spawn-as-user.ts.
 *
 * - Linux: `setpriv --reuid UID --regid GID --init-groups` (util-linux) switches all three; Node's
 *   own spawn option sets uid and gid but keeps root's supplementary groups.
 * - macOS: `launchctl asuser UID` puts the program into the user's login session (its bootstrap
 *   namespace: the keychain and other per-session services), and `sudo -u NAME -H` switches the
 *   user inside it; `env -i` then sets exactly the environment built here. Unverified on a real Mac.
 *   sudo closes every descriptor above 2, so there the secrets come on standard input.
 * - Windows: a process running as SYSTEM cannot open another user's CurrentUser store, where
 *   Outlook looks: refused, naming the deployment setting that runs mailcert as the user instead.
 */
import {userInfo} from 'node:os'

import {UsageError} from '../errors.js'
import {isSecretVariable} from './child-environment.js'
import {HAND_OVER_VARIABLE} from './hand-over.js'
import {type Machine, type OperatingSystem, systemPath} from './platform.js'
import type {UserAccount} from './user-account.js'

/** The flag's own variable, which the child must not see (it would ask for the switch again). */
export const USER_VARIABLE = 'MAILCERT_USER'

export interface CurrentUser {
  name: string
  isRoot: boolean
}

export function currentUser(): CurrentUser {
  // os.userInfo asks the user database for the real uid: a USER variable does not fool it.
  let name = ''
  try {
    name = userInfo().username
  } catch {
    // A uid with no entry in the user database (a container's arbitrary uid): no name to match.
  }
  return {name, isRoot: process.getuid?.() === 0}
}

export type RunAsDecision = 'here' | 'switch'

/** Whether mailcert goes on itself (it already runs as NAME) or starts itself again as NAME; a UsageError where it cannot. */
export function decideRunAs(os: OperatingSystem, requested: string, current: CurrentUser): RunAsDecision {
  if (os === 'windows') {
    throw new UsageError(
      `--user cannot work on Windows: a process running as SYSTEM (as Intune runs a Win32 app by default) cannot reach ${requested}'s CurrentUser certificate store, where Outlook reads the key, nor their mail profiles.`,
      [
        'In Intune, set the Win32 app\'s "Install behavior" to "User" (the user install context): Intune then runs mailcert as the signed-in user, without --user.',
        'Run mailcert as the user (a logon script, a scheduled task that runs as the user) and leave out --user.',
      ],
      'run-as-user-windows',
    )
  }
  if (requested === current.name) return 'here'
  if (!current.isRoot) {
    throw new UsageError(`--user ${requested} needs root: this mailcert runs as ${current.name || 'another user'} and cannot act for ${requested}.`, [
      `Run it as root (for example \`sudo mailcert … --user ${requested}\`), as deployment tools do.`,
      `Or run it as ${requested}, without --user.`,
    ], 'run-as-user-not-root')
  }
  return 'switch'
}

/** The arguments without `--user NAME` / `--user=NAME` (before a `--`, after which nothing is a flag). */
export function withoutUserFlag(argv: string[]): string[] {
  const kept: string[] = []
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]
    if (arg === '--') {
      kept.push(...argv.slice(index))
      break
    }
    if (arg === '--user') {
      index++
      continue
    }
    if (arg.startsWith('--user=')) continue
    kept.push(arg)
  }
  return kept
}

/** Variables that say how to talk to the person (language, terminal, colours) rather than who they are. */
const PASSED_ON = /^(?:LANG|LANGUAGE|LC_[A-Z_]+|TZ|TERM|COLORTERM|NO_COLOR|FORCE_COLOR|DEBUG|PATH)$/

export interface UserSession {
  /** /run/user/UID, where systemd-logind keeps the user's runtime folder, when it exists. */
  runtimeDir: string | null
  /** The user's D-Bus session bus socket in it, when it exists (Evolution's data server lives there). */
  bus: string | null
}

/**
 * The complete environment of the child: who the user is (HOME, USER, LOGNAME, SHELL), their runtime
 * folder and session bus, language and terminal, PATH (where root found the programs mailcert uses:
 * not a secret, and an engine may have put Thunderbird or NSS's tools there), and mailcert's own
 * settings. Never a secret variable (those come through the hand-over), never root's XDG_* folders.
 */
export function userEnvironment(account: UserAccount, session: UserSession, env: NodeJS.ProcessEnv, handOverFd: number): Record<string, string> {
  const built: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || isSecretVariable(name) || name === USER_VARIABLE || name === HAND_OVER_VARIABLE) continue
    if (PASSED_ON.test(name) || name.startsWith('MAILCERT_')) built[name] = value
  }
  built.PATH ??= '/usr/local/bin:/usr/bin:/bin'
  Object.assign(built, {HOME: account.home, USER: account.name, LOGNAME: account.name, SHELL: account.shell})
  if (session.runtimeDir) built.XDG_RUNTIME_DIR = session.runtimeDir
  if (session.bus) built.DBUS_SESSION_BUS_ADDRESS = `unix:path=${session.bus}`
  built[HAND_OVER_VARIABLE] = String(handOverFd)
  return built
}

/** What runs this mailcert: Node, its own options, the script (bin/run.js), the arguments. */
export interface SelfCommand {
  execPath: string
  execArgv: string[]
  script: string
  args: string[]
}

export function selfCommand(): SelfCommand {
  return {execPath: process.execPath, execArgv: process.execArgv, script: process.argv[1], args: process.argv.slice(2)}
}

export interface UserLaunch {
  file: string
  args: string[]
  env: Record<string, string>
  cwd: string
  /** The descriptor of the child on which the hand-over frame is written: 3, or 0 (standard input). */
  handOverFd: number
}

export function userLaunch(machine: Pick<Machine, 'os' | 'systemRoot' | 'env'>, account: UserAccount, session: UserSession, self: SelfCommand): UserLaunch {
  const mailcert = [self.execPath, ...self.execArgv, self.script, ...withoutUserFlag(self.args)]
  if (machine.os === 'macos') {
    const env = userEnvironment(account, {runtimeDir: null, bus: null}, machine.env, 0)
    const assignments = Object.entries(env).map(([name, value]) => `${name}=${value}`)
    return {
      file: systemPath(machine, '/bin/launchctl'),
      args: ['asuser', String(account.uid), systemPath(machine, '/usr/bin/sudo'), '-u', account.name, '-H', '--', systemPath(machine, '/usr/bin/env'), '-i', ...assignments, ...mailcert],
      env,
      cwd: account.home,
      handOverFd: 0,
    }
  }
  return {
    file: 'setpriv',
    args: ['--reuid', String(account.uid), '--regid', String(account.gid), '--init-groups', '--', ...mailcert],
    env: userEnvironment(account, session, machine.env, 3),
    cwd: account.home,
    handOverFd: 3,
  }
}
