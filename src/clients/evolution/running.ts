/**
 * Whether Evolution's sources may be rewritten under mailcert's feet. evolution-source-registry is
 * the one process that writes ~/.config/evolution/sources: it keeps every source in memory and
 * writes a whole file back when any client (Evolution's window, its account editor) changes that
 * source through it. Evolution itself writes only through the registry, and starts it; it is
 * named as well because it is what the user sees and closes. The other EDS processes
 * (evolution-alarm-notify, the calendar and address-book factories) only read sources, although
 * as registry clients they keep D-Bus starting it again.
 */
import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {ExitCode, UserError} from '../../errors.js'
import {processesNamed} from '../../system/process-list.js'

export const SOURCE_WRITERS = ['evolution', 'evolution-source-registry'] as const

/**
 * The configuration folder a process works in: its XDG_CONFIG_HOME, else its HOME's .config; null
 * when its environment cannot be read (then it is taken to be one of ours).
 */
async function configHomeOf(pid: number): Promise<string | null> {
  let environ: string
  try {
    environ = await readFile(`/proc/${pid}/environ`, 'latin1')
  } catch {
    return null
  }
  const vars = new Map(environ.split('\0').filter(Boolean).map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)] as const))
  const xdg = vars.get('XDG_CONFIG_HOME')
  if (xdg) return path.resolve(xdg)
  const home = vars.get('HOME')
  return home ? path.join(path.resolve(home), '.config') : null
}

/**
 * The names of those that run for this user, each once, Evolution first. With `configHome`, only
 * those working on that configuration folder count (a registry watches the sources under its own
 * XDG_CONFIG_HOME: another session's, or a sandbox's, does not write these).
 */
export async function evolutionProcesses(configHome?: string): Promise<string[]> {
  const mine = []
  for (const entry of await processesNamed(SOURCE_WRITERS)) {
    const theirs = configHome === undefined ? null : await configHomeOf(entry.pid)
    if (configHome === undefined || theirs === null || theirs === path.resolve(configHome)) mine.push(entry)
  }
  const running = new Set(mine.map((entry) => entry.name))
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
