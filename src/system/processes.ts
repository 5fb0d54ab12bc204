/** Questions about other processes on this machine. */
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

/** Command lines of running processes (Linux and macOS `ps`); empty when ps is unavailable. */
export async function processCommandLines(): Promise<Array<{pid: number; command: string}>> {
  if (process.platform === 'win32') return []
  const result = await runProgram('ps', ['-A', '-o', 'pid=', '-o', 'args='], {timeoutMs: 10_000})
  if (result.exitCode !== 0) return []
  return result.stdout
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({pid: Number(match[1]), command: match[2]}))
}
