/**
 * Real system users for the tests that act as root for someone else (`--user`): made with useradd
 * (a home of their own), removed with userdel -r. Test processes run side by side, and useradd
 * refuses while another holds /etc/passwd's lock: it is asked again a little later.
 */
import {spawnSync} from 'node:child_process'

export interface SystemUser {
  name: string
  uid: number
  gid: number
  home: string
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

export function makeSystemUser(prefix: string, shell = '/bin/sh'): SystemUser {
  if (process.getuid?.() !== 0) throw new Error('These tests make system users: run them as root (the test machine and CI do).')
  const name = `${prefix}${process.pid}${Math.floor(Math.random() * 1e4)}`
  for (let attempt = 1; ; attempt++) {
    const made = spawnSync('useradd', ['-m', '-s', shell, name], {encoding: 'utf8'})
    if (made.status === 0) break
    // Exit 1: "cannot lock /etc/passwd; try again later".
    if (made.status !== 1 || attempt === 50) throw new Error(`useradd ${name} failed (${made.status}): ${made.stderr}`)
    sleep(200)
  }
  const [, , uid, gid, , home] = spawnSync('getent', ['passwd', name], {encoding: 'utf8'}).stdout.trim().split(':')
  return {name, uid: Number(uid), gid: Number(gid), home}
}

export function removeSystemUser(user: SystemUser): void {
  for (let attempt = 1; attempt <= 50; attempt++) {
    const removed = spawnSync('userdel', ['-r', user.name], {encoding: 'utf8'})
    // 6: no such user (gone already); 12: the home could not be removed entirely (mail spool): the user is gone.
    if (removed.status === 0 || removed.status === 6 || removed.status === 12) return
    sleep(200)
  }
  throw new Error(`userdel ${user.name} kept failing`)
}
