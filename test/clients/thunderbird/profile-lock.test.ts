import {type ChildProcess, spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {
  isThunderbirdProgram,
  linuxLockState,
  macLockState,
  parseLockTarget,
  profileLockState,
  systemLockProbe,
  windowsLockState,
} from '../../../src/clients/thunderbird/profile-lock.js'
import {fakeLockProbe} from '../../helpers/lock-probe.js'

const PROFILE = '/home/alice/.thunderbird/ab12cd34.default-release'
const LOCK = `${PROFILE}/lock`

describe('parseLockTarget', () => {
  it('reads the PID from the <ip>:+<pid> target Gecko writes', () => {
    expect(parseLockTarget('127.0.1.1:+23117')).toBe(23117)
    expect(parseLockTarget('192.168.10.4:+1')).toBe(1)
  })

  it('reads the PID without the + (a lock held by the symlink alone)', () => {
    expect(parseLockTarget('127.0.0.1:4242')).toBe(4242)
  })

  it('gives null for a target that holds no PID', () => {
    for (const target of ['', '127.0.0.1', '127.0.0.1:+', 'host:+12ab', '/some/other/file']) expect(parseLockTarget(target)).toBeNull()
  })
})

describe('isThunderbirdProgram', () => {
  it.each([
    '/usr/lib/thunderbird/thunderbird-bin',
    '/usr/lib/thunderbird/thunderbird',
    'thunderbird',
    '/opt/thunderbird/thunderbird',
    '/opt/Mozilla Apps/thunderbird/thunderbird',
    '/snap/thunderbird/632/thunderbird-bin',
    '/app/lib/thunderbird/thunderbird',
    '/Applications/Thunderbird.app/Contents/MacOS/thunderbird',
    '/Users/alice/Applications/Thunderbird Daily.app/Contents/MacOS/thunderbird',
    'C:\\Program Files\\Mozilla Thunderbird\\thunderbird.exe',
  ])('%s is Thunderbird', (program) => {
    expect(isThunderbirdProgram(program)).toBe(true)
  })

  it.each([
    // mailcert's own process mentions Thunderbird in its arguments, never as its program.
    'node',
    '/usr/bin/node',
    'vim',
    'tail',
    '/usr/lib/thunderbird/thunderbird-wrapper.sh',
    '/usr/bin/thunderbird-backup',
    'bash',
    '',
  ])('%s is not Thunderbird', (program) => {
    expect(isThunderbirdProgram(program)).toBe(false)
  })
})

describe('linuxLockState', () => {
  it('is not busy without a lock symlink, and asks nothing more', async () => {
    const probe = fakeLockProbe()
    expect(await linuxLockState(PROFILE, false, probe)).toEqual({busy: false})
    expect(probe.calls).toEqual([`readlink(${LOCK})`])
  })

  it('is not busy when the lock was left by a Thunderbird that died (stale lock)', async () => {
    const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+4242'}, alive: []})
    expect(await linuxLockState(PROFILE, false, probe)).toEqual({busy: false})
    expect(probe.calls).toEqual([`readlink(${LOCK})`, 'isAlive(4242)'])
  })

  it('is not busy when the PID is alive but now belongs to another program', async () => {
    const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+4242'}, alive: [4242], commands: {4242: '/usr/bin/python3'}})
    expect(await linuxLockState(PROFILE, false, probe)).toEqual({busy: false})
  })

  it('is busy while the Thunderbird that wrote the lock runs', async () => {
    const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+4242'}, alive: [4242], commands: {4242: '/usr/lib/thunderbird/thunderbird-bin'}})
    expect(await linuxLockState(PROFILE, false, probe)).toEqual({busy: true, pid: 4242, evidence: 'the profile is locked by process 4242'})
  })

  it('errs on the safe side (busy) when the command line of the live PID cannot be read', async () => {
    const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+4242'}, alive: [4242]})
    expect(await linuxLockState(PROFILE, false, probe)).toMatchObject({busy: true, pid: 4242})
  })

  it('is not busy when the lock target holds no PID', async () => {
    expect(await linuxLockState(PROFILE, false, fakeLockProbe({links: {[LOCK]: 'garbage'}}))).toEqual({busy: false})
  })

  describe('in a Snap or Flatpak root, where the PID is from another namespace', () => {
    it('is busy when any Thunderbird runs, without looking at the PID', async () => {
      const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+2'}, thunderbirdProcesses: [9001, 9002]})
      expect(await linuxLockState(PROFILE, true, probe)).toEqual({busy: true, pid: 9001, evidence: 'a sandboxed Thunderbird is running and the profile is locked'})
      expect(probe.calls).not.toContain('isAlive(2)')
    })

    it('is not busy when no Thunderbird runs, even though PID 2 is alive here', async () => {
      const probe = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+2'}, alive: [2], commands: {2: '/app/lib/thunderbird/thunderbird'}})
      expect(await linuxLockState(PROFILE, true, probe)).toEqual({busy: false})
    })

    it('is not busy without a lock symlink, even with a Thunderbird running (on another profile)', async () => {
      const probe = fakeLockProbe({thunderbirdProcesses: [9001]})
      expect(await linuxLockState(PROFILE, true, probe)).toEqual({busy: false})
    })
  })
})

describe('macLockState', () => {
  const parentLock = `${PROFILE}/.parentlock`

  it('is not busy when nobody has .parentlock open', async () => {
    const probe = fakeLockProbe({openers: {}})
    expect(await macLockState(PROFILE, probe)).toEqual({busy: false})
    expect(probe.calls).toEqual([`openers(${parentLock})`])
  })

  it('is busy when a process has .parentlock open', async () => {
    const probe = fakeLockProbe({openers: {[parentLock]: [501, 502]}})
    expect(await macLockState(PROFILE, probe)).toEqual({busy: true, pid: 501, evidence: 'process 501 holds the profile lock'})
  })

  it('without lsof, is busy when any Thunderbird runs', async () => {
    const probe = fakeLockProbe({openers: null, thunderbirdProcesses: [640]})
    expect(await macLockState(PROFILE, probe)).toEqual({busy: true, pid: 640, evidence: 'Thunderbird is running'})
    expect(probe.calls).toEqual([`openers(${parentLock})`, 'thunderbirdProcesses()'])
  })

  it('without lsof, is not busy when no Thunderbird runs', async () => {
    expect(await macLockState(PROFILE, fakeLockProbe({openers: null}))).toEqual({busy: false})
  })
})

describe('windowsLockState', () => {
  const parentLock = `${PROFILE}/parent.lock`

  it('is busy when parent.lock cannot be opened', async () => {
    const probe = fakeLockProbe({open: {[parentLock]: 'busy'}})
    expect(await windowsLockState(PROFILE, probe)).toEqual({busy: true, evidence: 'parent.lock is held by a running Thunderbird'})
    expect(probe.calls).toEqual([`tryOpen(${parentLock})`])
  })

  it('is not busy when parent.lock opens (left behind by a Thunderbird that quit) or is missing', async () => {
    expect(await windowsLockState(PROFILE, fakeLockProbe({open: {[parentLock]: 'free'}}))).toEqual({busy: false})
    expect(await windowsLockState(PROFILE, fakeLockProbe())).toEqual({busy: false})
  })
})

describe('profileLockState', () => {
  it('asks the question of each platform', async () => {
    const windows = fakeLockProbe()
    await profileLockState(PROFILE, {platform: 'win32', sandboxed: false, probe: windows})
    expect(windows.calls).toEqual([`tryOpen(${PROFILE}/parent.lock)`])

    const mac = fakeLockProbe()
    await profileLockState(PROFILE, {platform: 'darwin', sandboxed: false, probe: mac})
    expect(mac.calls).toEqual([`openers(${PROFILE}/.parentlock)`])

    const linux = fakeLockProbe({links: {[LOCK]: '127.0.0.1:+7'}, thunderbirdProcesses: [8]})
    expect(await profileLockState(PROFILE, {platform: 'linux', sandboxed: true, probe: linux})).toMatchObject({busy: true, pid: 8})
  })
})

describe('systemLockProbe on this machine', () => {
  const work = mkdtempSync(join(tmpdir(), 'mailcert-lock-'))
  const children: ChildProcess[] = []

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL')
  })

  /** A long-running process that is not Thunderbird, unless argv0 says it is. */
  function startSleeper(options: {argv0?: string; stdout?: number} = {}): number {
    const child = spawn('sleep', ['60'], {argv0: options.argv0, stdio: ['ignore', options.stdout ?? 'ignore', 'ignore']})
    children.push(child)
    if (child.pid === undefined) throw new Error('sleep did not start')
    return child.pid
  }

  async function deadPid(): Promise<number> {
    const child = spawn('true')
    const pid = child.pid!
    await new Promise((resolve) => child.on('exit', resolve))
    return pid
  }

  /** A profile folder whose `lock` symlink names this PID, the way Gecko makes it. */
  function profileLockedBy(pid: number): string {
    const profile = mkdtempSync(join(work, 'profile-'))
    symlinkSync(`127.0.0.1:+${pid}`, join(profile, 'lock'))
    return profile
  }

  it('reads a lock symlink, and gives null for a regular file or nothing', async () => {
    const profile = profileLockedBy(12345)
    expect(await systemLockProbe.readlink(join(profile, 'lock'))).toBe('127.0.0.1:+12345')
    writeFileSync(join(profile, '.parentlock'), '')
    expect(await systemLockProbe.readlink(join(profile, '.parentlock'))).toBeNull()
    expect(await systemLockProbe.readlink(join(profile, 'missing'))).toBeNull()
  })

  it('is not busy when the lock names a live process that is not Thunderbird', async () => {
    const profile = profileLockedBy(startSleeper())
    expect(await linuxLockState(profile, false, systemLockProbe)).toEqual({busy: false})
  })

  it('is not busy when the lock names a PID that has exited', async () => {
    const pid = await deadPid()
    expect(systemLockProbe.isAlive(pid)).toBe(false)
    expect(await linuxLockState(profileLockedBy(pid), false, systemLockProbe)).toEqual({busy: false})
  })

  it('is busy when the lock names a live process whose command line is Thunderbird', async () => {
    const pid = startSleeper({argv0: '/usr/lib/thunderbird/thunderbird-bin'})
    expect(await linuxLockState(profileLockedBy(pid), false, systemLockProbe)).toEqual({busy: true, pid, evidence: `the profile is locked by process ${pid}`})
  })

  it('is busy for a Thunderbird installed in a folder whose name has a space', async () => {
    // Tarball installs go anywhere, e.g. /opt/Mozilla Apps/thunderbird; missing it would let mailcert edit a live profile.
    const pid = startSleeper({argv0: '/opt/Mozilla Apps/thunderbird/thunderbird'})
    expect(await linuxLockState(profileLockedBy(pid), false, systemLockProbe)).toMatchObject({busy: true, pid})
  })

  it('reads the program from /proc exactly, and null for a process that does not exist', async () => {
    const pid = startSleeper({argv0: '/opt/Mozilla Apps/thunderbird/thunderbird'})
    expect(await systemLockProbe.programOf(pid)).toBe('/opt/Mozilla Apps/thunderbird/thunderbird')
    expect(await systemLockProbe.programOf(await deadPid())).toBeNull()
  })

  it('lists running Thunderbirds by their command line', async () => {
    const thunderbird = startSleeper({argv0: '/usr/lib/thunderbird/thunderbird-bin'})
    const other = startSleeper()
    const running = await systemLockProbe.thunderbirdProcesses()
    expect(running).toContain(thunderbird)
    expect(running).not.toContain(other)
  })

  it('finds the process that holds a file open with lsof, and nobody for a file nobody holds', async () => {
    const profile = mkdtempSync(join(work, 'mac-'))
    const parentLock = join(profile, '.parentlock')
    writeFileSync(parentLock, '')
    const fd = openSync(parentLock, 'r+')
    const holder = startSleeper({stdout: fd})
    closeSync(fd)
    expect(await systemLockProbe.openers(parentLock)).toEqual([holder])
    expect(await macLockState(profile, systemLockProbe)).toEqual({busy: true, pid: holder, evidence: `process ${holder} holds the profile lock`})

    const free = join(profile, 'free.lock')
    writeFileSync(free, '')
    expect(await systemLockProbe.openers(free)).toEqual([])
  })

  it('tells a missing file from one that opens', async () => {
    const profile = mkdtempSync(join(work, 'win-'))
    expect(await systemLockProbe.tryOpen(join(profile, 'parent.lock'))).toBe('missing')
    writeFileSync(join(profile, 'parent.lock'), '')
    expect(await systemLockProbe.tryOpen(join(profile, 'parent.lock'))).toBe('free')
    expect(await windowsLockState(profile, systemLockProbe)).toEqual({busy: false})
  })
})
