/**
 * Colours and marks for people at a terminal. oclif's colorize (ansis) already drops colour when
 * output is not a terminal or NO_COLOR is set.
 */
import * as ux from '@oclif/core/ux'

import type {Severity} from '../identity/findings.js'

export const style = {
  heading: (text: string): string => ux.colorize('bold', text),
  dim: (text: string): string => ux.colorize('dim', text),
  ok: (text: string): string => ux.colorize('green', text),
  bad: (text: string): string => ux.colorize('red', text),
  warn: (text: string): string => ux.colorize('yellow', text),
}

export const SEVERITY_MARK: Record<Severity, string> = {
  error: style.bad('✖ error  '),
  warning: style.warn('▲ warning'),
  info: style.dim('ℹ info   '),
}

/** Two aligned columns: label and value, the value's further lines indented under it. */
export function table(rows: Array<[string, string | string[]]>, indent = '  '): string {
  const width = Math.max(...rows.map(([label]) => label.length))
  return rows
    .flatMap(([label, value]) => {
      const values = Array.isArray(value) ? value : [value]
      return values.map((line, index) => `${indent}${(index === 0 ? label : '').padEnd(width)}  ${line}`)
    })
    .join('\n')
}

export function colonHex(hex: string): string {
  return hex.toUpperCase().match(/.{2}/g)?.join(':') ?? hex
}
