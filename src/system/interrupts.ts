/**
 * Ctrl+C (and SIGTERM) while mailcert holds something open or is changing the machine.
 * - Registered clean-ups (a headless Thunderbird, a changed user.js) run, then mailcert exits 130.
 * - While changes are being applied, the first Ctrl+C only asks to stop: the current step finishes,
 *   the target's finished steps are undone, and mailcert stops; a second Ctrl+C stops at once.
 * Without registrations or a deferral the signals keep their default behaviour.
 */
type Cleanup = () => Promise<void>

const cleanups = new Set<Cleanup>()
let deferrals = 0
let stopRequested = false
let exiting = false
let onRequest: (() => void) | null = null

async function exitNow(): Promise<void> {
  if (exiting) return
  exiting = true
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup()
    } catch {
      // Keep cleaning up the rest.
    }
  }
  process.exit(130)
}

function onSignal(): void {
  if (deferrals > 0 && !stopRequested) {
    stopRequested = true
    onRequest?.()
    return
  }
  void exitNow()
}

function updateListeners(): void {
  const active = cleanups.size > 0 || deferrals > 0
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.off(signal, onSignal)
    if (active) process.on(signal, onSignal)
  }
}

/** Run `cleanup` if mailcert is interrupted before the returned function is called. */
export function cleanupOnInterrupt(cleanup: Cleanup): () => void {
  cleanups.add(cleanup)
  updateListeners()
  return () => {
    cleanups.delete(cleanup)
    updateListeners()
  }
}

export interface Deferral {
  /** True once the user asked to stop. */
  requested(): boolean
  release(): void
}

/** Turn the first Ctrl+C into a request to stop at the next safe point. */
export function deferInterrupts(announce?: () => void): Deferral {
  deferrals++
  onRequest = announce ?? null
  updateListeners()
  let released = false
  return {
    requested: () => stopRequested,
    release() {
      if (released) return
      released = true
      deferrals--
      if (deferrals === 0) onRequest = null
      updateListeners()
    },
  }
}
