/** The macOS version (`sw_vers -productVersion`), for reports and for what each version's tools do. */
import {type Machine, systemPath} from './platform.js'
import {runProgram} from './run-program.js'

export async function macosVersion(machine: Machine): Promise<string | null> {
  const result = await runProgram(systemPath(machine, '/usr/bin/sw_vers'), ['-productVersion'], {timeoutMs: 15_000})
  const version = result.exitCode === 0 ? result.stdout.trim() : ''
  return /^\d+(\.\d+)*$/.test(version) ? version : null
}
