/**
 * How to reach Thunderbird's NSS databases: NSS's own tools when they are installed, else the
 * user's Thunderbird itself; `--nss-driver` forces one. The report says which was used.
 */
import type {DiscoveryOptions, ThunderbirdProfile} from './discovery.js'
import {DEFAULT_TIMEOUT_MS} from './headless.js'
import {findThunderbird, type ThunderbirdProgram} from './program.js'
import {ExitCode, UserError} from '../../errors.js'
import type {NssDriver, NssDriverName} from '../../stores/nss/nss-driver.js'
import {nssToolsInstallHint, nssToolsMissing} from '../../stores/nss/nss-tools.js'
import {ThunderbirdDriver} from './thunderbird-nss-driver.js'
import {ToolsDriver} from '../../stores/nss/tools-driver.js'

export async function thunderbirdFor(profile: ThunderbirdProfile | undefined, machine: DiscoveryOptions): Promise<ThunderbirdProgram | null> {
  return findThunderbird({...machine, root: profile?.root, lastAppDir: profile?.lastAppDir ?? undefined})
}

const INSTALL_THUNDERBIRD_HINT = 'Install Thunderbird in its usual place, or install NSS\'s tools and leave out --nss-driver, so that mailcert uses them instead.'

function programResolver(profiles: ThunderbirdProfile[], machine: DiscoveryOptions): (dir: string) => Promise<ThunderbirdProgram> {
  return async (dir) => {
    const program = await thunderbirdFor(profiles.find((p) => p.dir === dir), machine)
    if (!program) {
      throw new UserError(`The Thunderbird program for the profile in ${dir} cannot be found, so it cannot do the certificate work.`, {
        code: 'thunderbird-not-found',
        exitCode: ExitCode.usage,
        hints: [INSTALL_THUNDERBIRD_HINT],
      })
    }
    return program
  }
}

/** Seconds a headless Thunderbird may take to start, and then to answer each request (slow disks, first start). */
function timeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.MAILCERT_THUNDERBIRD_TIMEOUT)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_MS
}

/** For a Thunderbird that fails: NSS's tools do the same work without it, where they exist. */
async function insteadHint(platform: NodeJS.Platform): Promise<string | null> {
  if (platform === 'win32') return null
  return `NSS's tools let mailcert do this without starting Thunderbird. ${await nssToolsInstallHint(platform)}`
}

export async function chooseNssDriver(choice: NssDriverName | 'auto', profiles: ThunderbirdProfile[], machine: DiscoveryOptions): Promise<NssDriver> {
  if (choice !== 'thunderbird') {
    const tools = await ToolsDriver.locate(machine)
    if (tools) return tools
    if (choice === 'tools') throw await nssToolsMissing(machine.platform)
  }
  if (await thunderbirdFor(profiles[0], machine)) {
    return new ThunderbirdDriver(programResolver(profiles, machine), machine.env, timeoutMs(machine.env), await insteadHint(machine.platform))
  }
  if (choice === 'thunderbird') {
    // Like `check --deep` without Thunderbird: what was asked for cannot be done on this machine.
    throw new UserError('The Thunderbird program cannot be found, so it cannot do the certificate work (--nss-driver thunderbird).', {
      code: 'thunderbird-not-found',
      exitCode: ExitCode.usage,
      hints: ['Install Thunderbird in its usual place, or leave out --nss-driver to use NSS\'s tools.'],
    })
  }
  throw new UserError("Thunderbird's certificate database cannot be reached: NSS's tools (certutil, pk12util) are not installed, and the Thunderbird program was not found.", {
    code: 'nss-tools-missing',
    // What was asked for cannot be done on this machine as it is (like a missing Thunderbird): not a bug.
    exitCode: ExitCode.usage,
    hints: [await nssToolsInstallHint(machine.platform)],
  })
}
