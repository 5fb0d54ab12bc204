/**
 * Evolution's mail identities, from the registry's source files (~/.config/evolution/sources/<uid>.source,
 * research/thunderbird-nss.md §7.2-7.3), and the edit that points one at a certificate. The S/MIME
 * settings live on the identity source, in the group ESourceSMIME names `Secure MIME (S/MIME)`;
 * the certificates are NSS nicknames, which Camel looks up in the shared NSS database when it signs.
 */
import {readdir} from 'node:fs/promises'
import path from 'node:path'

import {FileRefused, KiB, readBoundedFile} from '../../system/bounded-read.js'
import {type KeyFile, keyFileBoolean, keyFileBooleanText, keyFileValue, KeyFileSyntaxError, parseKeyFile, setKeyFileValues} from './key-file.js'

export const DATA_SOURCE_GROUP = 'Data Source'
export const MAIL_IDENTITY_GROUP = 'Mail Identity'
export const SMIME_GROUP = 'Secure MIME (S/MIME)'

/** A source file is a few hundred bytes; the largest EDS ships (with translations) under 4 KiB. */
export const SOURCE_FILE_LIMIT = 256 * KiB

export interface EvolutionSmimeSettings {
  /** NSS nickname; null when none is set (absent or empty). */
  signingCertificate: string | null
  encryptionCertificate: string | null
  signByDefault: boolean
  encryptByDefault: boolean
  encryptToSelf: boolean
}

export interface EvolutionIdentity {
  /** The file name without `.source`: the uid other sources refer to. */
  uid: string
  file: string
  address: string | null
  name: string | null
  displayName: string | null
  enabled: boolean
  /** The uid of the account (or collection) source this identity belongs to. */
  parent: string | null
  smime: EvolutionSmimeSettings
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value
}

/**
 * The identity described by a source file's text, or null when the source is not a mail identity.
 * Defaults are ESource's and ESourceSMIME's: enabled, encrypt to self, nothing else.
 */
export function identityFromSource(uid: string, file: string, keyFile: KeyFile): EvolutionIdentity | null {
  if (!keyFile.groups.some((group) => group.name === MAIL_IDENTITY_GROUP)) return null
  return {
    uid,
    file,
    address: nonEmpty(keyFileValue(keyFile, MAIL_IDENTITY_GROUP, 'Address')),
    name: nonEmpty(keyFileValue(keyFile, MAIL_IDENTITY_GROUP, 'Name')),
    displayName: nonEmpty(keyFileValue(keyFile, DATA_SOURCE_GROUP, 'DisplayName')),
    enabled: keyFileBoolean(keyFile, DATA_SOURCE_GROUP, 'Enabled') ?? true,
    parent: nonEmpty(keyFileValue(keyFile, DATA_SOURCE_GROUP, 'Parent')),
    smime: {
      signingCertificate: nonEmpty(keyFileValue(keyFile, SMIME_GROUP, 'SigningCertificate')),
      encryptionCertificate: nonEmpty(keyFileValue(keyFile, SMIME_GROUP, 'EncryptionCertificate')),
      signByDefault: keyFileBoolean(keyFile, SMIME_GROUP, 'SignByDefault') ?? false,
      encryptByDefault: keyFileBoolean(keyFile, SMIME_GROUP, 'EncryptByDefault') ?? false,
      encryptToSelf: keyFileBoolean(keyFile, SMIME_GROUP, 'EncryptToSelf') ?? true,
    },
  }
}

function describeProblem(file: string, error: unknown): string {
  if (error instanceof FileRefused) return error.message
  if (error instanceof KeyFileSyntaxError) return `${file} is not a key file GLib can read (${error.message}).`
  if (error instanceof TypeError) return `${file} is not UTF-8 text.`
  return `${file} could not be read (${(error as Error).message}).`
}

/**
 * The mail identities among the `*.source` files of `sourcesDir`, by file name. A missing folder
 * means no identities; a file that cannot be read or parsed is a problem, and the others still count.
 */
export async function readEvolutionIdentities(sourcesDir: string): Promise<{identities: EvolutionIdentity[]; problems: string[]}> {
  let names: string[]
  try {
    names = await readdir(sourcesDir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {identities: [], problems: []}
    return {identities: [], problems: [`${sourcesDir} could not be listed (${code ?? (error as Error).message}).`]}
  }
  const identities: EvolutionIdentity[] = []
  const problems: string[] = []
  for (const name of names.filter((candidate) => candidate.endsWith('.source')).sort()) {
    const file = path.join(sourcesDir, name)
    try {
      const text = new TextDecoder('utf-8', {fatal: true}).decode(await readBoundedFile(file, SOURCE_FILE_LIMIT))
      const identity = identityFromSource(name.slice(0, -'.source'.length), file, parseKeyFile(text))
      if (identity) identities.push(identity)
    } catch (error) {
      problems.push(describeProblem(file, error))
    }
  }
  return {identities, problems}
}

export interface SmimeChoice {
  /** NSS nicknames. */
  signingCertificate: string
  encryptionCertificate: string
  /** Left as they are when undefined. */
  signByDefault?: boolean
  encryptByDefault?: boolean
}

/** What it takes to put a source's S/MIME settings back as they were before identitySmimeEdit. */
export interface SmimeUndo {
  /** Each key that was set, with its value before (null: it was not there). */
  previous: Record<string, string | null>
  /** The S/MIME group did not exist before: undo removes it again if nothing else was put in it. */
  groupAdded: boolean
  /** Whether the text ended with a newline before the group was added after its last line. */
  endedWithNewline: boolean
}

export const SMIME_KEYS = ['SigningCertificate', 'EncryptionCertificate', 'SignByDefault', 'EncryptByDefault'] as const

/** The source's text with the identity pointed at the chosen certificates, and how to undo it. Pure. */
export function identitySmimeEdit(text: string, choice: SmimeChoice): {text: string; undo: SmimeUndo} {
  const before = parseKeyFile(text)
  const values: Record<string, string> = {
    SigningCertificate: choice.signingCertificate,
    EncryptionCertificate: choice.encryptionCertificate,
  }
  if (choice.signByDefault !== undefined) values.SignByDefault = keyFileBooleanText(choice.signByDefault)
  if (choice.encryptByDefault !== undefined) values.EncryptByDefault = keyFileBooleanText(choice.encryptByDefault)
  const previous: Record<string, string | null> = {}
  for (const key of Object.keys(values)) previous[key] = keyFileValue(before, SMIME_GROUP, key) ?? null
  return {
    text: setKeyFileValues(text, SMIME_GROUP, values),
    undo: {previous, groupAdded: !before.groups.some((group) => group.name === SMIME_GROUP), endedWithNewline: text === '' || /\n$/.test(text)},
  }
}

/** The source's text with identitySmimeEdit undone; every other line, including later changes by Evolution, kept. */
export function identitySmimeUndo(text: string, undo: SmimeUndo): string {
  const restored = setKeyFileValues(text, SMIME_GROUP, undo.previous)
  if (!undo.groupAdded) return restored
  return removeEmptyGroup(restored, SMIME_GROUP, undo.endedWithNewline)
}

/**
 * Removes a group that has no keys left: its header, the comments and blank lines under it, and
 * the blank line setKeyFileValues put before it; a file that ended without a newline before the
 * group was added ends without one again.
 */
function removeEmptyGroup(text: string, group: string, endedWithNewline: boolean): string {
  const keyFile = parseKeyFile(text)
  if (keyFile.groups.find((candidate) => candidate.name === group)?.entries.length !== 0) return text
  const kept = keyFile.lines.filter((line) => line.group !== group)
  const firstHeader = keyFile.lines.findIndex((line) => line.kind === 'group' && line.group === group)
  const before = keyFile.lines[firstHeader - 1]
  const wasLast = keyFile.lines.slice(firstHeader).every((line) => line.group === group)
  // The blank separator added with the group: only when the group was at the end, as identitySmimeEdit puts it.
  if (wasLast && before !== undefined && before.text === '' && before.kind === 'comment') kept.splice(kept.lastIndexOf(before), 1)
  if (wasLast && !endedWithNewline && kept.length > 0) kept[kept.length - 1] = {...kept.at(-1)!, ending: ''}
  return kept.map((line) => line.text + line.ending).join('')
}
