/**
 * NSS's command-line tools (certutil, pk12util, vfychain) and Mozilla's built-in root list
 * (libnssckbi). Thunderbird ships neither: they come from the distribution's NSS tools package or
 * Homebrew. On Windows, `certutil.exe` is an unrelated Microsoft program, so it is never looked for.
 *
 * On a Mac, Homebrew's own folder for the nss formula comes first, then PATH: mailcert is often run
 * by Jamf, Intune or launchd, whose PATH (/usr/bin:/bin:/usr/sbin:/sbin) has no Homebrew in it, and
 * `opt/nss/bin` is where the formula's tools are whether or not they are linked into Homebrew's bin.
 * The tools are taken from one folder, so that certutil and pk12util are of one NSS. PATH then
 * serves MacPorts, Nix and the rest, and on Linux it is the only place looked at (the package puts
 * the tools in /usr/bin).
 */
import path from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import {hostPlatform, type Machine, systemPath} from '../../system/platform.js'
import {findOnPath, isExecutable} from '../../system/find-program.js'
import {currentPackageFamily, type PackageFamily} from '../../system/os-release.js'

export interface NssTools {
  certutil: string
  pk12util: string
  /** Used to check chains against Mozilla's built-in roots; optional. */
  vfychain: string | null
  modutil: string | null
}

/** Where to look: the OS mailcert acts for, its PATH, and the folder system paths resolve under (tests). */
export type ToolsMachine = Pick<Machine, 'platform' | 'env'> & {systemRoot?: string}

/** The machine mailcert runs on, as found without being told (for callers that act only on Linux). */
function hostMachine(): ToolsMachine {
  return {platform: hostPlatform(), env: process.env}
}

/** Homebrew's prefixes: Apple silicon, then Intel. */
const HOMEBREW_PREFIXES = ['/opt/homebrew', '/usr/local']

/** Homebrew's nss folders (bin/, lib/) on this machine. */
function homebrewNssDirs(machine: ToolsMachine): string[] {
  return HOMEBREW_PREFIXES.map((prefix) => systemPath({systemRoot: machine.systemRoot ?? '/'}, `${prefix}/opt/nss`))
}

const TOOL_NAMES = ['certutil', 'pk12util', 'vfychain', 'modutil'] as const

async function toolsIn(bin: string): Promise<NssTools | null> {
  const [certutil, pk12util, vfychain, modutil] = await Promise.all(
    TOOL_NAMES.map(async (name) => ((await isExecutable(path.join(bin, name))) ? path.join(bin, name) : null)),
  )
  return certutil && pk12util ? {certutil, pk12util, vfychain, modutil} : null
}

async function toolsOnPath(env: NodeJS.ProcessEnv): Promise<NssTools | null> {
  const [certutil, pk12util, vfychain, modutil] = await Promise.all(TOOL_NAMES.map((name) => findOnPath(name, env)))
  return certutil && pk12util ? {certutil, pk12util, vfychain, modutil} : null
}

export async function findNssTools(machine: ToolsMachine = hostMachine()): Promise<NssTools | null> {
  if (machine.platform === 'win32') return null
  if (machine.platform === 'darwin') {
    for (const dir of homebrewNssDirs(machine)) {
      const tools = await toolsIn(path.join(dir, 'bin'))
      if (tools) return tools
    }
  }
  return toolsOnPath(machine.env)
}

const INSTALL_COMMAND: Record<PackageFamily, string | null> = {
  debian: 'sudo apt-get install libnss3-tools',
  fedora: 'sudo dnf install nss-tools',
  suse: 'sudo zypper install mozilla-nss-tools',
  arch: 'sudo pacman -S nss',
  alpine: 'sudo apk add nss-tools',
  unknown: null,
}

export async function nssToolsInstallHint(platform: NodeJS.Platform = hostPlatform()): Promise<string> {
  // mailcert looks in Homebrew's own nss folder, so the tools need not be on PATH.
  if (platform === 'darwin') return 'Install them with Homebrew: brew install nss'
  if (platform === 'win32') return 'NSS tools do not exist for Windows.'
  const command = INSTALL_COMMAND[await currentPackageFamily()]
  return command ? `Install them: ${command}` : 'Install your distribution\'s NSS tools package (it provides certutil and pk12util).'
}

export async function nssToolsMissing(platform: NodeJS.Platform = hostPlatform()): Promise<UserError> {
  return new UserError('NSS\'s certutil and pk12util are needed to put the certificate into the mail client\'s certificate database, and they are not installed.', {
    code: 'nss-tools-missing',
    // What was asked for cannot be done on this machine as it is (like a missing Thunderbird): not a bug.
    exitCode: ExitCode.usage,
    hints: [await nssToolsInstallHint(platform)],
  })
}

/** Where an NSS's libraries sit beside its bin/ folder: Homebrew's lib/, MacPorts' lib/nss/. */
function librariesBeside(tool: string): string[] {
  const prefix = path.dirname(path.dirname(tool))
  return [path.join(prefix, 'lib'), path.join(prefix, 'lib', 'nss')]
}

const LINUX_LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib/x86_64-linux-gnu/nss', '/usr/lib64', '/usr/lib', '/usr/lib64/nss']

/**
 * Mozilla's built-in root certificates as an NSS module, from the system's NSS. On a Mac, the one of
 * the NSS whose tools are used (`certutil`), so that modutil loads a module of its own version.
 */
export async function findBuiltinRootsModule(machine: ToolsMachine = hostMachine(), certutil?: string): Promise<string | null> {
  const system = (absolute: string) => systemPath({systemRoot: machine.systemRoot ?? '/'}, absolute)
  const candidates =
    machine.platform === 'darwin'
      ? [...(certutil ? librariesBeside(certutil) : []), ...homebrewNssDirs(machine).map((dir) => path.join(dir, 'lib'))].map((dir) => path.join(dir, 'libnssckbi.dylib'))
      : LINUX_LIBRARY_DIRS.map((dir) => system(`${dir}/libnssckbi.so`))
  const {access} = await import('node:fs/promises')
  for (const candidate of candidates) {
    try {
      await access(candidate)
      return candidate
    } catch {
      // Not here.
    }
  }
  return null
}
