/**
 * Whether Evolution's sources may be rewritten under mailcert's feet. evolution-source-registry is
 * the one process that writes ~/.config/evolution/sources: it keeps every source in memory and
 * writes a whole file back when any client (Evolution's window, its account editor) changes that
 * source through it. Evolution itself writes only through the registry, and starts it; it is
 * named as well because it is what the user sees and closes. The other EDS processes
 * (evolution-alarm-notify, the calendar and address-book factories) only read sources, although
 * as registry clients they keep D-Bus starting it again.
 */
import {ExitCode, UserError} from '../../errors.js'
import {processesNamed} from '../../system/process-list.js'

export const SOURCE_WRITERS = ['evolution', 'evolution-source-registry'] as const

/** The names of those that run for this user, each once, Evolution first. */
export async function evolutionProcesses(): Promise<string[]> {
  const running = new Set((await processesNamed(SOURCE_WRITERS)).map((entry) => entry.name))
  return SOURCE_WRITERS.filter((name) => running.has(name))
}

/** Evolution or its source registry runs: its settings must not be changed now (exit 6). */
export function evolutionRunning(): UserError {
  return new UserError('Evolution (or its account service, evolution-source-registry) is running, and it rewrites its account settings while it runs. Nothing was changed.', {
    code: 'client-running',
    exitCode: ExitCode.busy,
    hints: ['Quit Evolution and stop its services (evolution --force-shutdown), then run mailcert again.'],
  })
}
