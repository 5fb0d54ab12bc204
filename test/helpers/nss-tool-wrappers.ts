/**
 * Stand-ins for NSS's tools, first on PATH, that run the real tool and then count the call. At the
 * call named by CRASH_KILL_AT (its number) or CRASH_KILL_ON (how the call begins: `certutil -F`)
 * they kill the program that ran them (mailcert's node) with SIGKILL, as a crash or `kill -9` would;
 * at CRASH_PAUSE_AT (a number) or the first CRASH_PAUSE_ON (how the call begins) they hold mailcert
 * there until the test says go.
 * Each run gets its own counter file, so runs with their own counters can go at the same time.
 */
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'

const TOOLS = ['certutil', 'pk12util', 'vfychain', 'modutil'] as const

function realTool(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name)
    if (existsSync(candidate)) return candidate
  }
  throw new Error(`${name} is not installed: run \`npm run test:setup\` (the crash tests need NSS's real tools).`)
}

const script = (tool: string, real: string) => `#!/bin/sh
'${real}' "$@"
status=$?
if [ -n "$CRASH_COUNTER" ]; then
  n=$(( $(cat "$CRASH_COUNTER" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$CRASH_COUNTER"
  printf '%s %s\\n' '${tool}' "$*" >> "$CRASH_COUNTER.log"
  if [ "$n" = "\${CRASH_KILL_AT:-}" ]; then kill -9 "$PPID"; fi
  case "${tool} $*" in "\${CRASH_KILL_ON:-?}"*) kill -9 "$PPID" ;; esac
  pause=
  if [ "$n" = "\${CRASH_PAUSE_AT:-}" ]; then pause=1; fi
  # The first call that begins as CRASH_PAUSE_ON says (it has run when mailcert is held).
  case "${tool} $*" in "\${CRASH_PAUSE_ON:-?}"*) [ -e "$CRASH_COUNTER.paused" ] || pause=1 ;; esac
  if [ -n "$pause" ]; then
    : > "$CRASH_COUNTER.paused"
    i=0
    # Bounded, so that a failed test cannot leave it waiting for ever.
    while [ ! -e "$CRASH_COUNTER.go" ] && [ "$i" -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
  fi
fi
exit $status
`

export interface ToolCounter {
  /** The environment for one mailcert run: the wrappers on PATH, this counter, and what to do when. */
  env(options?: {killAt?: number; killOn?: string; pauseAt?: number; pauseOn?: string}): Record<string, string>
  /** The calls made so far, in order: `certutil -L -d sql:…`. */
  calls(): string[]
  /** Resolves once the run reached the call named by pauseAt. */
  paused(): Promise<void>
  /** Lets the paused run go on. */
  resume(): void
}

export interface ToolWrappers {
  bin: string
  /** A new counter, its files in `dir`. */
  counter(dir: string, name?: string): ToolCounter
}

export function nssToolWrappers(dir: string): ToolWrappers {
  const bin = join(dir, 'nss-tool-wrappers')
  mkdirSync(bin, {recursive: true})
  for (const tool of TOOLS) {
    const path = join(bin, tool)
    writeFileSync(path, script(tool, realTool(tool)))
    chmodSync(path, 0o755)
  }
  return {
    bin,
    counter(folder, name = 'tool-calls') {
      const file = join(folder, name)
      return {
        env: (options = {}) => ({
          PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
          CRASH_COUNTER: file,
          ...(options.killAt === undefined ? {} : {CRASH_KILL_AT: String(options.killAt)}),
          ...(options.killOn === undefined ? {} : {CRASH_KILL_ON: options.killOn}),
          ...(options.pauseAt === undefined ? {} : {CRASH_PAUSE_AT: String(options.pauseAt)}),
          ...(options.pauseOn === undefined ? {} : {CRASH_PAUSE_ON: options.pauseOn}),
        }),
        calls: () => (existsSync(`${file}.log`) ? readFileSync(`${file}.log`, 'utf8').trim().split('\n').filter(Boolean) : []),
        async paused() {
          for (let i = 0; !existsSync(`${file}.paused`); i++) {
            if (i > 1200) throw new Error(`mailcert never reached tool call ${name} was to pause at`)
            await new Promise((resolve) => setTimeout(resolve, 50))
          }
        },
        resume: () => writeFileSync(`${file}.go`, ''),
      }
    },
  }
}
