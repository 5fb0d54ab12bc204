/**
 * Step 1 of the guided installer: which file. The certificate files found in the usual folders,
 * newest first with size and date, then "Another file…": a typed path, completed with Tab. A file
 * that cannot be the certificate is explained and the question asked again.
 */
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {UserError} from '../../errors.js'
import {decodeInput} from '../../identity/input.js'
import {candidateFolders, completePath, type CertificateFile, findCertificateFiles} from '../../system/certificate-files.js'
import {readInputFile} from '../../system/input-file.js'
import {style} from '../style.js'
import {askPath} from './path-prompt.js'

export const ANOTHER_FILE = Symbol('another file')

function size(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`
}

/** Local date and time, as the person's clock shows them. */
function when(date: Date, now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  const time = `${two(date.getHours())}:${two(date.getMinutes())}`
  if (date.toDateString() === now.toDateString()) return `today ${time}`
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${time}`
}

export function tildePath(file: string, home: string): string {
  return file === home || file.startsWith(home + path.sep) ? `~${file.slice(home.length)}` : file
}

export interface FileChoice {
  name: string
  value: string | typeof ANOTHER_FILE
  description?: string
}

export function fileChoices(files: CertificateFile[], home: string, now: Date): FileChoice[] {
  return [
    ...files.map((file) => ({
      name: `${path.basename(file.path)}  ${size(file.size)}, ${when(file.modified, now)}`,
      value: file.path,
      description: tildePath(path.dirname(file.path), home),
    })),
    {name: 'Another file…', value: ANOTHER_FILE, description: 'Type its path (Tab completes)'},
  ]
}

/**
 * The path as the person meant it: what a file manager pastes or drops into a terminal (quotes
 * around it, a trailing space, a file:// address) is taken off, ~ is the home folder, and a relative
 * path is from the current folder. Null for an empty answer.
 */
export function typedPath(typed: string, cwd: string, home: string): string | null {
  let text = typed.trim()
  const quoted = /^(['"])(.*)\1$/.exec(text)
  if (quoted) text = quoted[2]
  if (text.startsWith('file://')) {
    try {
      text = fileURLToPath(text)
    } catch {
      // Not a local file's address: let the file checks say what is wrong with it.
    }
  }
  if (text === '') return null
  if (text === '~' || text.startsWith(`~${path.sep}`)) text = home + text.slice(1)
  return path.resolve(cwd, text)
}

/** Tab's candidates for a typed path, each written the way the person started it (~, relative or absolute). */
export async function pathCompletions(typed: string, cwd: string, home: string): Promise<string[]> {
  if (typed === '~') return [`~${path.sep}`]
  const typedFolder = typed.slice(0, typed.lastIndexOf(path.sep) + 1)
  return (await completePath(typed, cwd, home)).map((entry) => {
    const isFolder = entry.endsWith(path.sep)
    return `${typedFolder}${path.basename(entry)}${isFolder ? path.sep : ''}`
  })
}

/** Why this file cannot be the certificate (missing, a folder, not a certificate file), or null. */
export async function certificateFileProblem(file: string, home: string): Promise<string | null> {
  let bytes: Buffer
  try {
    bytes = await readInputFile(file)
  } catch (error) {
    if (error instanceof UserError) return error.message
    throw error
  }
  try {
    decodeInput(bytes)
    return null
  } catch (error) {
    if (error instanceof UserError) return `${tildePath(file, home)}: ${error.message}`
    throw error
  }
}

export async function chooseFile(home: string, cwd: string): Promise<string> {
  const {select} = await import('@inquirer/prompts')
  const files = await findCertificateFiles(await candidateFolders(home, cwd))
  while (files.length > 0) {
    const chosen = await select<string | typeof ANOTHER_FILE>({
      message: 'Which certificate file? (the .p12 or .pfx your certificate authority gave you)',
      choices: fileChoices(files, home, new Date()),
      pageSize: 12,
    })
    if (chosen === ANOTHER_FILE) break
    const problem = await certificateFileProblem(chosen, home)
    if (problem === null) return chosen
    process.stdout.write(`${style.bad('✖')} ${problem}\n`)
  }
  const answer = await askPath({
    message: files.length > 0 ? 'Path of the certificate file (Tab completes):' : 'No .p12 or .pfx file in Downloads, Desktop or Documents. Path of the certificate file (Tab completes):',
    complete: (typed) => pathCompletions(typed, cwd, home),
    check: async (typed) => {
      const file = typedPath(typed, cwd, home)
      return file === null ? 'Type the path of the .p12 or .pfx file, or press Ctrl+C to stop.' : certificateFileProblem(file, home)
    },
  })
  return typedPath(answer, cwd, home)!
}
