#!/usr/bin/env node
import {readFileSync} from 'node:fs'
import {arch, platform} from 'node:os'

const args = process.argv.slice(2)
const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))

/** WSL kernels name themselves; oclif then reports the platform as `wsl`, so there oclif answers. */
function onWsl() {
  if (process.platform !== 'linux') return false
  try {
    return readFileSync('/proc/sys/kernel/osrelease', 'utf8').toLowerCase().includes('microsoft')
  } catch {
    return false
  }
}

if (['--version', ...(pjson.oclif.additionalVersionFlags ?? [])].includes(args[0]) && !onWsl()) {
  // oclif's own answer (its user agent, for the same first arguments), without loading oclif: its
  // configuration, plugins and manifests are most of a start-up that prints one line.
  const cpu = arch() === 'ia32' ? 'x86' : arch()
  process.stdout.write(`${pjson.name}/${pjson.version} ${platform()}-${cpu} node-${process.version}\n`)
} else {
  // The execute entry alone: --help needs nothing else of oclif's index.
  const {execute} = await import('@oclif/core/execute')
  // `mailcert` on its own is the guided installer: the command a person who just bought a
  // certificate types. Everything else is oclif's usual dispatch.
  await execute({dir: import.meta.url, args: args.length === 0 ? ['install'] : args})
}
