/** Types for the TypeScript tests that check mailcert's quoting against the simulator's split_line(). */
export const MAX_LINE_LEN: number
export const MAX_ARGS: number
export function readLines(bytes: Buffer): {lines: Buffer[]; events: Array<{kind: 'unterminated' | 'split'; bytes?: number; line?: number}>}
export function splitLine(line: string): {args: string[]; truncated: boolean}
