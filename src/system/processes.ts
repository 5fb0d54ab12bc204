/** Questions about other processes on this machine. */
import {readdir, readFile, readlink} from 'node:fs/promises'

import {runProgram} from './run-program.js'

export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * When a process started (milliseconds since the epoch, to 10 ms), to tell it from a later process
 * that got the same PID; null where that cannot be known, and for a zombie. Linux: its start in clock ticks after boot (/proc/PID/stat, field 22; the tick is 1/100 s
 * for every program outside the kernel) plus the boot time (/proc/stat, btime).
 */
export async function processStartTime(pid: number): Promise<number | null> {
  if (process.platform !== 'linux') return null
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The program's name comes second, in parentheses, and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // A zombie has ended; only its parent has not collected it yet.
    if (fields[0] === 'Z' || fields[0] === 'X') return null
    const ticks = Number(fields[19])
    const booted = Number(/^btime (\d+)$/m.exec(await readFile('/proc/stat', 'utf8'))?.[1])
    if (!Number.isFinite(ticks) || !booted) return null
    return booted * 1000 + ticks * 10
  } catch {
    return null
  }
}

/** The PID namespace this process lives in (Linux), so that PIDs from another container are not judged. */
export async function pidNamespace(): Promise<string | null> {
  return readlink('/proc/self/ns/pid').catch(() => null)
}

/** The program a process runs: the first argument of its command line, exactly (paths may hold spaces). */
export async function programOf(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] ?? null
  } catch {
    return null
  }
}

/**
 * The programs of running processes. Linux: /proc, exact; elsewhere `ps -o comm=`, which on macOS
 * is the executable's full path. Empty when neither is available.
 */
export async function runningPrograms(): Promise<Array<{pid: number; program: string}>> {
  if (process.platform === 'win32') return []
  if (process.platform === 'linux') {
    const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).map(Number)
    const programs = await Promise.all(pids.map(async (pid) => ({pid, program: await programOf(pid)})))
    return programs.filter((p): p is {pid: number; program: string} => p.program !== null && p.program !== '')
  }
  const result = await runProgram('ps', ['-A', '-o', 'pid=', '-o', 'comm='], {timeoutMs: 10_000})
  if (result.exitCode !== 0) return []
  return result.stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*?)\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({pid: Number(match[1]), program: match[2]}))
}
