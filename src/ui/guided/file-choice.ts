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

function when(date: Date, now: Date): string {
  const sameDay = date.toDateString() === now.toDateString()
  const time = date.toTimeString().slice(0, 5)
  return sameDay ? `today ${time}` : `${date.toISOString().slice(0, 10)} ${time}`
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
    source: async (term) => {
      const typed = term ?? ''
      const matches = await completePath(typed, cwd, home)
      const typedChoice = typed === '' ? [] : [{name: typed, value: typed, description: 'use what you typed'}]
      return [...typedChoice, ...matches.filter((m) => m !== typed).map((m) => ({name: tildePath(m, home), value: m}))]
    },
  })
}
