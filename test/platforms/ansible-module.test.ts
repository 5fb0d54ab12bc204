/**
 * The Ansible module's pure parts (argument list, reading mailcert's reports), tested in Python with
 * the system python3, the one Debian's ansible runs with (ansible_module_test.py). The module as a
 * whole runs against real hosts in ansible.test.ts.
 */
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import {expect, it} from 'vitest'

const TESTS = fileURLToPath(new URL('ansible_module_test.py', import.meta.url))

it('builds mailcert argument lists without the password and turns its reports into Ansible results', () => {
  const run = spawnSync('/usr/bin/python3', ['-B', TESTS, '-v'], {encoding: 'utf8', env: {...process.env, PYTHONDONTWRITEBYTECODE: '1'}})
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
  expect(run.stderr).toMatch(/^Ran 10 tests in .*\n\nOK\n$/m)
})
