/**
 * Which processes of one user run a given program (Linux, from /proc). A program is known by the
 * file name of the first argument of its command line, not by /proc/PID/comm, which the kernel
 * cuts to 15 bytes (`evolution-sourc`); a process whose command line is empty (a kernel thread, a
 * zombie) falls back to comm. Other users' processes, and zombies, are not counted.
 */
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

export interface NamedProcess {
  pid: number
  /** The program's file name: `evolution-source-registry`. */
  name: string
}

async function programName(pid: number): Promise<string | null> {
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  const first = commandLine.split('\0')[0]
  if (first) return path.basename(first)
  const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => null)
  return comm === null ? null : comm.replace(/\n$/, '')
}

/**
 * The user a process runs for: the real uid of /proc/PID/status. Not the owner of /proc/PID, which
 * is root while a process that changed its user has not yet run its new program.
 */
async function realUid(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null)
  const uid = status === null ? undefined : /^Uid:\s+(\d+)/m.exec(status)?.[1]
  return uid === undefined ? null : Number(uid)
}

async function isZombie(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  if (status === null) return true
  const state = status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X'
}

/** The processes of user `uid` (default: this one; 'anyone': all users) whose program is one of `names`; empty where there is no /proc. */
export async function processesNamed(names: readonly string[], uid: number | 'anyone' = process.getuid?.() ?? 'anyone'): Promise<NamedProcess[]> {
  const wanted = new Set(names)
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((entry) => /^\d+$/.test(entry)).map(Number)
  const found = await Promise.all(
    pids.map(async (pid): Promise<NamedProcess | null> => {
      const owner = await realUid(pid)
      if (owner === null || (uid !== 'anyone' && owner !== uid)) return null
      const name = await programName(pid)
      if (name === null || !wanted.has(name) || (await isZombie(pid))) return null
      return {pid, name}
    }),
  )
  return found.filter((entry): entry is NamedProcess => entry !== null).sort((a, b) => a.pid - b.pid)
}
