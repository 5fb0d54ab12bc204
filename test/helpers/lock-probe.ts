/** A LockProbe that answers from tables and records what it was asked, for the lock and discovery tests. */
import type {LockProbe} from '../../src/clients/thunderbird/profile-lock.js'

export interface LockProbeAnswers {
  /** Symlink targets by path; a path not listed has no symlink. */
  links?: Record<string, string>
  alive?: number[]
  /** Programs by PID; a PID not listed has an unknown program (null). */
  commands?: Record<number, string>
  /** `lsof -t` by path, or null for "lsof is not available". A path not listed has no openers. */
  openers?: Record<string, number[]> | null
  /** tryOpen by path; a path not listed is missing. */
  open?: Record<string, 'free' | 'busy'>
  thunderbirdProcesses?: number[]
}

export interface FakeLockProbe extends LockProbe {
  /** Every question asked, in order, as `method(argument)`. */
  readonly calls: string[]
}

export function fakeLockProbe(answers: LockProbeAnswers = {}): FakeLockProbe {
  const calls: string[] = []
  return {
    calls,
    async readlink(path) {
      calls.push(`readlink(${path})`)
      return answers.links?.[path] ?? null
    },
    isAlive(pid) {
      calls.push(`isAlive(${pid})`)
      return answers.alive?.includes(pid) ?? false
    },
    async programOf(pid) {
      calls.push(`programOf(${pid})`)
      return answers.commands?.[pid] ?? null
    },
    async openers(path) {
      calls.push(`openers(${path})`)
      if (answers.openers === null) return null
      return answers.openers?.[path] ?? []
    },
    async tryOpen(path) {
      calls.push(`tryOpen(${path})`)
      return answers.open?.[path] ?? 'missing'
    },
    async thunderbirdProcesses() {
      calls.push('thunderbirdProcesses()')
      return answers.thunderbirdProcesses ?? []
    },
  }
}
