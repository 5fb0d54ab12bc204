/**
 * GNOME Evolution: found by its program or its account sources (~/.config/evolution/sources).
 * mailcert reports it and shows the steps to set it up by hand; configuring it is future work
 * (research/thunderbird-nss.md §7).
 */
import {stat} from 'node:fs/promises'
import path from 'node:path'

import {findOnPath} from '../../system/find-program.js'

export async function findEvolution(home: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const program = await findOnPath('evolution', env)
  if (program) return program
  const sources = path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'evolution', 'sources')
  return (await stat(sources).then(() => true, () => false)) ? sources : null
}
