/**
 * "Did you mean …?" for a mistyped command: the command closest by edit distance, when it is close
 * enough that the guess is likely right (a typo, a letter missing or swapped), and none otherwise.
 */

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/**
 * `typed` is oclif's id for the words typed, joined by ":" (the arguments too: oclif cannot tell
 * them from the words of a command), so each command is compared with as many words as it has.
 */
export function closestCommand(typed: string, commands: readonly string[]): string | null {
  const words = typed.toLowerCase().split(':')
  let best: {command: string; distance: number} | null = null
  for (const command of commands) {
    const candidate = words.slice(0, command.split(':').length).join(':')
    // Two edits always count (a swapped pair of letters is two); longer words may be a little further off.
    const tolerance = Math.max(2, Math.floor(candidate.length / 3))
    const distance = editDistance(candidate, command.toLowerCase())
    if (distance <= tolerance && (best === null || distance < best.distance)) best = {command, distance}
  }
  return best?.command ?? null
}
