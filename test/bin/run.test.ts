import {execFileSync} from 'node:child_process'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'

import {REPO} from '../helpers/fixtures.js'

const BIN = `${REPO}bin/run.js`

function run(args: string[]): string {
  return execFileSync(process.execPath, [BIN, ...args], {encoding: 'utf8'})
}

/** What oclif itself prints for these arguments, through the path bin/run.js skips for --version. */
function oclif(args: string[]): string {
  const script = `import('@oclif/core/execute').then(({execute}) => execute({dir: ${JSON.stringify(pathToFileURL(BIN).href)}, args: ${JSON.stringify(args)}}))`
  return execFileSync(process.execPath, ['-e', script], {cwd: REPO, encoding: 'utf8'})
}

describe('bin/run.js --version', () => {
  it.each([{args: ['--version']}, {args: ['-v']}, {args: ['--version', 'inspect']}])('prints what oclif prints for $args', ({args}) => {
    expect(run(args)).toBe(oclif(args))
  })

  it('loads no part of oclif to do it (its configuration is most of the start-up)', () => {
    const script = `process.argv.splice(1, 1, ${JSON.stringify(BIN)}, '--version'); await import(${JSON.stringify(pathToFileURL(BIN).href)}); console.error(JSON.stringify(Object.keys(require.cache)))`
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', `import {createRequire} from 'node:module'; const require = createRequire(import.meta.url); ${script}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    expect(JSON.parse(output)).not.toEqual(expect.arrayContaining([expect.stringContaining('@oclif')]))
  })
})
