/**
 * How `security -i` reads its standard input (SecurityTool security.c and readline.c): one command
 * per line, read into a 4096-byte buffer, each line split into at most 32 arguments by split_line().
 */
export const MAX_LINE_LEN = 4096
export const MAX_ARGS = 32

/**
 * The lines readline() returns, in order. A line longer than MAX_LINE_LEN - 1 bytes comes back in
 * pieces (the rest is read as the next line); text after the last newline is never returned,
 * because readline() gives NULL at EOF even when it has read something.
 */
export function readLines(bytes) {
  const lines = []
  const events = []
  const limit = MAX_LINE_LEN - 1
  let position = 0
  while (position < bytes.length) {
    const window = bytes.subarray(position, position + limit)
    const newline = window.indexOf(0x0a)
    if (newline !== -1) {
      lines.push(window.subarray(0, newline))
      position += newline + 1
      continue
    }
    if (window.length < limit) {
      events.push({kind: 'unterminated', bytes: window.length})
      break
    }
    // The buffer is full: what it holds is a line, and the rest is read as the next one.
    lines.push(window)
    position += limit
    if (position < bytes.length) events.push({kind: 'split', line: lines.length - 1})
  }
  return {lines, events}
}

const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'

/** split_line(): arguments separated by white space, '…' and "…" quoting, backslash escapes. */
export function splitLine(line) {
  const args = []
  let current = ''
  let state = 'skip'
  let quote = ''
  let truncated = false
  const characters = [...line]
  for (let index = 0; index < characters.length; index++) {
    const c = characters[index]
    if (state === 'skip') {
      if (isSpace(c)) continue
      if (c === '"' || c === "'") {
        quote = c
        state = 'quoted'
        current = ''
        continue
      }
      state = 'arg'
      current = ''
    }
    if (state === 'arg') {
      if (c === '\\') {
        state = 'arg-escaped'
        continue
      } else if (isSpace(c)) {
        args.push(current)
        state = 'skip'
        if (args.length >= MAX_ARGS) {
          truncated = characters.slice(index + 1).some((rest) => !isSpace(rest))
          break
        }
      } else {
        current += c
      }
    }
    if (state === 'quoted') {
      if (c === '\\') {
        state = 'quoted-escaped'
        continue
      }
      if (c === quote) {
        args.push(current)
        state = 'skip'
        if (args.length >= MAX_ARGS) {
          truncated = characters.slice(index + 1).some((rest) => !isSpace(rest))
          break
        }
      } else {
        current += c
      }
    }
    if (state === 'arg-escaped') {
      current += c
      state = 'arg'
    }
    if (state === 'quoted-escaped') {
      current += c
      state = 'quoted'
    }
  }
  if (state !== 'skip' && !truncated) args.push(current)
  return {args, truncated}
}
