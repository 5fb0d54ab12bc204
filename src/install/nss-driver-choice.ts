/**
 * How to reach Thunderbird's NSS databases: NSS's own tools when they are installed, else the
 * user's Thunderbird itself; `--nss-driver` forces one. The report says which was used.
 */
import type {DiscoveryOptions, ThunderbirdProfile} from '../clients/thunderbird/discovery.js'
import {findThunderbird, type ThunderbirdProgram} from '../clients/thunderbird/program.js'
import {ExitCode, UserError} from '../errors.js'
import type {NssDriver, NssDriverName} from '../stores/nss/nss-driver.js'
import {nssToolsInstallHint, nssToolsMissing} from '../stores/nss/nss-tools.js'
import {ThunderbirdDriver} from '../stores/nss/thunderbird-driver.js'
import {ToolsDriver} from '../stores/nss/tools-driver.js'

export async function thunderbirdFor(profile: ThunderbirdProfile | undefined, machine: DiscoveryOptions): Promise<ThunderbirdProgram | null> {
  return findThunderbird({...machine, root: profile?.root, lastAppDir: profile?.lastAppDir ?? undefined})
}

function programResolver(profiles: ThunderbirdProfile[], machine: DiscoveryOptions): (dir: string) => Promise<ThunderbirdProgram> {
  return async (dir) => {
    const program = await thunderbirdFor(profiles.find((p) => p.dir === dir), machine)
    if (!program) throw new UserError(`The Thunderbird program for the profile in ${dir} cannot be found.`, {code: 'thunderbird-not-found', exitCode: ExitCode.unexpected})
    return program
  }
}

/** Seconds a headless Thunderbird may take to open its remote-control port (slow disks, first start). */
function startTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = Number(env.MAILCERT_THUNDERBIRD_TIMEOUT)
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000
}

export async function chooseNssDriver(choice: NssDriverName | 'auto', profiles: ThunderbirdProfile[], machine: DiscoveryOptions): Promise<NssDriver> {
  if (choice !== 'thunderbird') {
    const tools = await ToolsDriver.locate()
    if (tools) return tools
    if (choice === 'tools') throw await nssToolsMissing(machine.platform)
  }
  if (await thunderbirdFor(profiles[0], machine)) return new ThunderbirdDriver(programResolver(profiles, machine), machine.env, startTimeoutMs(machine.env))
  if (choice === 'thunderbird') {
    throw new UserError('The Thunderbird program cannot be found, so it cannot do the certificate work (--nss-driver thunderbird).', {
      code: 'thunderbird-not-found',
      exitCode: ExitCode.unexpected,
      hints: ['Install Thunderbird in its usual place, or leave out --nss-driver to use NSS\'s tools.'],
    })
  }
  throw new UserError("Thunderbird's certificate database cannot be reached: NSS's tools (certutil, pk12util) are not installed, and the Thunderbird program was not found.", {
    code: 'nss-tools-missing',
    exitCode: ExitCode.unexpected,
    hints: [await nssToolsInstallHint(machine.platform)],
  })
}
