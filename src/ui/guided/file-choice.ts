/**
 * Step 1 of the guided installer: which file. The certificate files found in the usual folders,
 * newest first with size and date, then "Another file…" with path completion.
 */
import path from 'node:path'

import {candidateFolders, completePath, type CertificateFile, findCertificateFiles} from '../../system/certificate-files.js'

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

export async function chooseFile(home: string, cwd: string): Promise<string> {
  const {search, select} = await import('@inquirer/prompts')
  const files = await findCertificateFiles(await candidateFolders(home, cwd))
  if (files.length > 0) {
    const chosen = await select<string | typeof ANOTHER_FILE>({
      message: 'Which certificate file? (the .p12 or .pfx your certificate authority gave you)',
      choices: fileChoices(files, home, new Date()),
      pageSize: 12,
    })
    if (chosen !== ANOTHER_FILE) return chosen
  }
  return search<string>({
    message: files.length > 0 ? 'Path of the certificate file:' : 'No .p12 or .pfx file in Downloads, Desktop or Documents. Path of the certificate file:',
    // Tab puts the highlighted entry's name into the input: names are paths, so Tab completes.
    source: async (term) => {
      const typed = term ?? ''
      const matches = (await completePath(typed, cwd, home)).map((m) => ({name: tildePath(m, home), value: m}))
      const typedIsListed = matches.some((m) => m.name === typed || m.value === typed)
      return typed === '' || typedIsListed ? matches : [...matches, {name: typed, value: typed, description: 'use what you typed'}]
    },
  })
}
