/**
 * Why a profile's prefs.js (or user.js) cannot be read, in words a person can act on, and what to do
 * about it. What Thunderbird 153 itself does with such a file (tried by hand on the Debian package):
 * - a statement it cannot parse (a file cut short, junk): it copies the file to `Invalidprefs.js`,
 *   keeps every other setting it could read and writes prefs.js again without the damaged one;
 * - a NUL byte: it reads nothing from there on (also copying the file to `Invalidprefs.js` when the
 *   NUL is inside a statement), so every setting after it is lost at the next save;
 * - an empty file: it starts as a new profile (no accounts) and writes a fresh prefs.js.
 * mailcert refuses all of these rather than guess at what the file meant (see prefs-js.ts).
 */
import path from 'node:path'

import {FileRefused} from '../../system/bounded-read.js'
import {PrefsSyntaxError} from './prefs-js.js'

export type PrefsFileName = 'prefs.js' | 'user.js'

/** What is wrong with the file, which decides what to do about it. */
export type PrefsDamage = 'cut-short' | 'nul-byte' | 'empty' | 'syntax' | 'folder' | 'permission' | 'other'

export interface PrefsFailure {
  damage: PrefsDamage
  /** After "cannot be read: ". */
  why: string
  /** 1-based line from which the file is damaged, when known. */
  line?: number
}

/** An error from reading the file (not from parsing it). */
export function readFailure(error: unknown): PrefsFailure {
  // The bounded reader's refusals: a folder, no permission, or not a regular file (a link to /dev/zero), too large.
  if (error instanceof FileRefused) {
    if (error.reason === 'folder') return {damage: 'folder', why: 'it is a folder, not a file'}
    if (error.reason === 'no-access') return {damage: 'permission', why: 'your user may not read it (permission denied)'}
    return {damage: 'other', why: `it ${error.what}`}
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EISDIR') return {damage: 'folder', why: 'it is a folder, not a file'}
  if (code === 'EACCES' || code === 'EPERM') return {damage: 'permission', why: 'your user may not read it (permission denied)'}
  return {damage: 'other', why: error instanceof Error ? error.message : String(error)}
}

/** A file that was read but does not parse, or is empty. */
export function contentFailure(bytes: Buffer, error: PrefsSyntaxError | null): PrefsFailure {
  if (error === null) return {damage: 'empty', why: 'it is empty (0 bytes): the file was cut short, since Thunderbird always writes at least a header'}
  const at = `line ${error.line}, column ${error.column}`
  if (error.reason.startsWith('NUL byte')) {
    if (bytes.every((byte) => byte === 0)) return {damage: 'nul-byte', why: `it holds nothing but NUL bytes (${bytes.length} bytes): its content was lost, as after a crash`, line: 1}
    return {damage: 'nul-byte', why: `it is damaged: it holds a NUL byte at ${at}, and Thunderbird reads nothing from there on`, line: error.line}
  }
  const end = bytes.toString('latin1').trimEnd().length
  if (error.offset >= end || error.reason.startsWith('unterminated')) {
    return {damage: 'cut-short', why: `it ends in the middle of a setting (${at}): the file was cut short, as by a crash or a full disk while it was written`, line: error.line}
  }
  return {damage: 'syntax', why: `it is damaged at ${at} (${error.reason})`, line: error.line}
}

export interface RepairContext {
  dir: string
  file: PrefsFileName
  platform: NodeJS.Platform
  /** The newest copy mailcert kept before changing prefs.js that can itself be read, if any. */
  backup: string | null
  /** Whether Thunderbird already moved a damaged prefs.js aside once. */
  hasInvalidPrefs: boolean
}

const quoted = (file: string): string => `"${file}"`

function copyCommand(platform: NodeJS.Platform, from: string, to: string): string {
  return `${platform === 'win32' ? 'copy' : 'cp'} ${quoted(from)} ${quoted(to)}`
}

/** What Thunderbird does when it starts with this file, as advice. */
function startOnce(failure: PrefsFailure): string {
  switch (failure.damage) {
    case 'empty': {
      return 'Or start Thunderbird once: it starts like a new profile, so add your mail account again, then run mailcert again.'
    }
    case 'nul-byte': {
      return `Or start Thunderbird once: it keeps only the settings before line ${failure.line ?? 1} and writes prefs.js again, so check that your accounts are still there, then run mailcert again.`
    }
    case 'folder': {
      return 'Or start Thunderbird once after moving it aside: it writes a new prefs.js, and your mail account must be added again.'
    }
    default: {
      return 'Or start Thunderbird once: it keeps a copy of the damaged file as Invalidprefs.js and writes prefs.js again with every setting it could read, so check that your accounts are still there, then run mailcert again.'
    }
  }
}

/** What to do, most useful first: each line a complete instruction. */
export function repairHints(failure: PrefsFailure, context: RepairContext): string[] {
  const file = (context.platform === 'win32' ? path.win32 : path.posix).join(context.dir, context.file)
  if (failure.damage === 'permission') {
    return [
      context.platform === 'win32'
        ? `Give your user access to ${quoted(file)} again (its Properties > Security), then run mailcert again.`
        : `Give your user access to it again: ls -l ${quoted(file)} shows its owner; chmod u+rw ${quoted(file)} if it is yours. Then run mailcert again.`,
    ]
  }
  if (context.file === 'user.js') {
    // user.js is written by a person or an administrator's tool, never by Thunderbird.
    const moveAside = `${context.platform === 'win32' ? 'move' : 'mv'} ${quoted(file)} ${quoted(`${file}.broken`)}`
    return [`Correct user.js${failure.line ? ` at line ${failure.line}` : ''}, or move it aside (${moveAside}), then run mailcert again.`]
  }
  const hints: string[] = []
  if (failure.damage === 'folder') {
    hints.push(`Close Thunderbird and move the folder aside: ${context.platform === 'win32' ? 'move' : 'mv'} ${quoted(file)} ${quoted(`${file}.folder`)}`)
  }
  if (context.backup) {
    hints.push(`${failure.damage === 'folder' ? 'Then' : 'Close Thunderbird, then'} put back the copy mailcert kept before its last change: ${copyCommand(context.platform, context.backup, file)}`)
  } else {
    hints.push(`${failure.damage === 'folder' ? 'Then restore' : 'Close Thunderbird and restore'} prefs.js from a backup of the profile folder, if you have one.`)
  }
  hints.push(startOnce(failure))
  if (context.hasInvalidPrefs) {
    hints.push(`Invalidprefs.js in the same folder is a copy Thunderbird kept of an earlier damaged prefs.js: it may hold settings that are missing now.`)
  }
  return hints
}

/** "prefs.js in DIR cannot be read: WHY" */
export function prefsProblemText(dir: string, file: PrefsFileName, failure: PrefsFailure): string {
  return `${file} in ${dir} cannot be read: ${failure.why}`
}
