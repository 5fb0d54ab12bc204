/**
 * Ctrl+C (and SIGTERM) while mailcert holds something open: a headless Thunderbird, a changed
 * user.js. The registered clean-ups run first, then mailcert exits with 130, so an interruption
 * leaves nothing behind. Without registrations the signals keep their default behaviour.
 */
type Cleanup = () => Promise<void>

const cleanups = new Set<Cleanup>()
let interrupted = false

async function onSignal(): Promise<void> {
  if (interrupted) return
  interrupted = true
  for (const cleanup of [...cleanups].reverse()) {
    try {
      await cleanup()
    } catch {
      // Keep cleaning up the rest.
    }
  }
  process.exit(130)
}

function listen(active: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (active) process.on(signal, onSignal)
    else process.off(signal, onSignal)
  }
}

/** Run `cleanup` if mailcert is interrupted before the returned function is called. */
export function cleanupOnInterrupt(cleanup: Cleanup): () => void {
  if (cleanups.size === 0) listen(true)
  cleanups.add(cleanup)
  return () => {
    cleanups.delete(cleanup)
    if (cleanups.size === 0) listen(false)
  }
}

export function wasInterrupted(): boolean {
  return interrupted
}
