import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {evolutionProcesses} from '../../../src/clients/evolution/running.js'
import {processesNamed} from '../../../src/system/process-list.js'
import {startSourceRegistry} from '../../helpers/evolution-home.js'
import {until} from '../../helpers/poll.js'

async function registryPids(): Promise<number[]> {
  return (await processesNamed(['evolution-source-registry'])).map((entry) => entry.pid)
}

describe('evolutionProcesses', () => {
  it('names the real evolution-source-registry while it runs, and no longer once it has stopped', async () => {
    // Other test files start registries of their own (each stops its own): only this one's process is judged.
    const before = new Set(await registryPids())
    const home = mkdtempSync(join(tmpdir(), 'mailcert-registry-'))
    const registry = await startSourceRegistry(home)
    let ours: number[] = []
    try {
      ours = (await until(registryPids, (pids) => pids.some((pid) => !before.has(pid)))).filter((pid) => !before.has(pid))
      expect(ours.length).toBe(1)
      expect(await evolutionProcesses()).toContain('evolution-source-registry')
      // It watches the sources under its own XDG_CONFIG_HOME: for another configuration folder it does not count.
      expect(await evolutionProcesses(join(home, '.config'))).toContain('evolution-source-registry')
      // Every registry (this one, other tests', a desktop session's) has its own configuration folder, none this new one.
      expect(await evolutionProcesses(mkdtempSync(join(tmpdir(), 'mailcert-other-config-')))).not.toContain('evolution-source-registry')
    } finally {
      await registry.stop()
    }
    const after = await until(registryPids, (pids) => !pids.includes(ours[0]))
    expect(after).not.toContain(ours[0])
    if (after.length === 0) expect(await evolutionProcesses()).not.toContain('evolution-source-registry')
  })
})
