/**
 * NSS's command-line tools (certutil, pk12util, vfychain) and Mozilla's built-in root list
 * (libnssckbi). Thunderbird ships neither: they come from the distribution's NSS tools package or
 * Homebrew. On Windows, `certutil.exe` is an unrelated Microsoft program, so it is never looked for.
 */
import {ExitCode, UserError} from '../../errors.js'
import {hostPlatform} from '../../system/platform.js'
import {findOnPath, firstExecutable} from '../../system/find-program.js'
import {currentPackageFamily, type PackageFamily} from '../../system/os-release.js'

export interface NssTools {
  certutil: string
  pk12util: string
  /** Used to check chains against Mozilla's built-in roots; optional. */
  vfychain: string | null
  modutil: string | null
}

const HOMEBREW_BIN = ['/opt/homebrew/opt/nss/bin', '/usr/local/opt/nss/bin']

async function locate(name: string, platform: NodeJS.Platform): Promise<string | null> {
  const onPath = await findOnPath(name)
  if (onPath) return onPath
  return platform === 'darwin' ? firstExecutable(HOMEBREW_BIN.map((dir) => `${dir}/${name}`)) : null
}

export async function findNssTools(platform: NodeJS.Platform = hostPlatform()): Promise<NssTools | null> {
  if (platform === 'win32') return null
  const [certutil, pk12util, vfychain, modutil] = await Promise.all(['certutil', 'pk12util', 'vfychain', 'modutil'].map((name) => locate(name, platform)))
  if (!certutil || !pk12util) return null
  return {certutil, pk12util, vfychain, modutil}
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

/** Mozilla's built-in root certificates as an NSS module, from the system's NSS. */
export async function findBuiltinRootsModule(platform: NodeJS.Platform = hostPlatform()): Promise<string | null> {
  const candidates =
    platform === 'darwin'
      ? ['/opt/homebrew/opt/nss/lib/libnssckbi.dylib', '/usr/local/opt/nss/lib/libnssckbi.dylib']
      : [
          '/usr/lib/x86_64-linux-gnu/libnssckbi.so',
          '/usr/lib/aarch64-linux-gnu/libnssckbi.so',
          '/usr/lib/x86_64-linux-gnu/nss/libnssckbi.so',
          '/usr/lib64/libnssckbi.so',
          '/usr/lib/libnssckbi.so',
          '/usr/lib64/nss/libnssckbi.so',
        ]
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
