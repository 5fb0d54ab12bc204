/** Where a Linux user's login session keeps its runtime folder and D-Bus session bus, when they have one. */
import {stat} from 'node:fs/promises'
import {join} from 'node:path'

import type {UserSession} from './run-as-user.js'
import type {UserAccount} from './user-account.js'

async function exists(path: string, kind: 'folder' | 'socket'): Promise<boolean> {
  const info = await stat(path).catch(() => null)
  return info !== null && (kind === 'folder' ? info.isDirectory() : info.isSocket())
}

export async function userSession(account: UserAccount, runRoot = '/run/user'): Promise<UserSession> {
  const runtimeDir = join(runRoot, String(account.uid))
  if (!(await exists(runtimeDir, 'folder'))) return {runtimeDir: null, bus: null}
  const bus = join(runtimeDir, 'bus')
  return {runtimeDir, bus: (await exists(bus, 'socket')) ? bus : null}
}
