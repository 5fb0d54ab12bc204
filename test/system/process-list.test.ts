import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, copyFileSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {processesNamed} from '../../src/system/process-list.js'
import {until} from '../helpers/poll.js'

const started: ChildProcess[] = []
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL')
})

function start(program: string, args: string[]): ChildProcess {
  const child = spawn(program, args, {stdio: 'ignore'})
  started.push(child)
  return child
}

describe('processesNamed', () => {
  it('finds this user\'s processes by the program\'s file name, however long, and not other users\'', async () => {
    // A name longer than the 15 bytes of /proc/PID/comm.
    const dir = mkdtempSync(join(tmpdir(), 'mailcert-proc-'))
    // The other user must be able to run it.
    chmodSync(dir, 0o755)
    const program = join(dir, 'mailcert-long-program-name')
    copyFileSync('/bin/sleep', program)
    const mine = start(program, ['30'])
    const others = start('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', program, '30'])
    const found = await until(
      () => processesNamed(['mailcert-long-program-name']),
      (list) => list.length > 0,
    )
    expect(found).toEqual([{pid: mine.pid, name: 'mailcert-long-program-name'}])
    // The other user's is there (all users' view), and is left out of this user's.
    const everyone = await until(
      () => processesNamed(['mailcert-long-program-name'], 'anyone'),
      (list) => list.length === 2,
    )
    expect(everyone.map((entry) => entry.pid).sort()).toEqual([mine.pid, others.pid].sort())
  })

  it('a program that has ended, or one never started, is not found', async () => {
    const child = start('sleep', ['30'])
    await until(() => processesNamed(['sleep']), (list) => list.some((entry) => entry.pid === child.pid))
    const ended = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await ended
    expect((await processesNamed(['sleep'])).some((entry) => entry.pid === child.pid)).toBe(false)
    expect(await processesNamed(['mailcert-no-such-program'])).toEqual([])
  })
})
