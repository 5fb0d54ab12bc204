/**
 * Where a person's new certificate file probably is: the .p12/.pfx files in Downloads, Desktop,
 * Documents (also under their localised names from ~/.config/user-dirs.dirs) and the current
 * folder, newest first. Only the top level of each folder is looked at: quick, and no surprises.
 */
import {readdir, stat} from 'node:fs/promises'
import path from 'node:path'

import {MiB, readBoundedFile} from './bounded-read.js'

export interface CertificateFile {
  path: string
  size: number
  modified: Date
}

const EXTENSIONS = /\.(p12|pfx)$/i

/** XDG user folders (`XDG_DOWNLOAD_DIR="$HOME/Downloads"`), which desktops localise. */
export function parseUserDirs(text: string, home: string): string[] {
  const dirs: string[] = []
  for (const match of text.matchAll(/^XDG_(DOWNLOAD|DESKTOP|DOCUMENTS)_DIR="([^"]+)"/gm)) {
    dirs.push(match[2].replace(/^\$HOME/, home))
  }
  return dirs
}

export async function candidateFolders(home: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  // Bounded: a user-dirs.dirs that is a link to /dev/zero must not stall the guided installer.
  const userDirs = await readBoundedFile(path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'user-dirs.dirs'), MiB).then(
    (bytes) => parseUserDirs(bytes.toString('utf8'), home),
    () => [],
  )
  const folders = [...userDirs, ...['Downloads', 'Desktop', 'Documents'].map((name) => path.join(home, name)), cwd]
  return [...new Set(folders.map((folder) => path.resolve(folder)))]
}

export async function findCertificateFiles(folders: string[]): Promise<CertificateFile[]> {
  const found = new Map<string, CertificateFile>()
  for (const folder of folders) {
    const names = await readdir(folder).catch(() => [] as string[])
    for (const name of names.filter((n) => EXTENSIONS.test(n))) {
      const file = path.join(folder, name)
      const info = await stat(file).catch(() => null)
      if (info?.isFile()) found.set(file, {path: file, size: info.size, modified: info.mtime})
    }
  }
  return [...found.values()].sort((a, b) => b.modified.getTime() - a.modified.getTime())
}

/** Folder entries for completing a typed path: directories (with a trailing separator) and certificate-looking files. */
export async function completePath(typed: string, cwd: string, home: string): Promise<string[]> {
  const expanded = typed === '~' || typed.startsWith(`~${path.sep}`) ? home + typed.slice(1) : typed
  // Split where the person typed the last separator: normalising first would drop a trailing "." they typed.
  const cut = expanded.lastIndexOf(path.sep)
  const folder = path.resolve(cwd, expanded.slice(0, cut + 1) || '.')
  const prefix = expanded.slice(cut + 1)
  const entries = await readdir(folder, {withFileTypes: true}).catch(() => [])
  const results: string[] = []
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix) || (entry.name.startsWith('.') && !prefix.startsWith('.'))) continue
    const full = path.join(folder, entry.name)
    // A folder reached through a symlink (Downloads moved to another disk) is still a folder.
    const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(full).then((info) => info.isDirectory(), () => false)))
    if (isDirectory) results.push(full + path.sep)
    else if (/\.(p12|pfx|pem|crt|cer|der)$/i.test(entry.name)) results.push(full)
  }
  return results.sort().slice(0, 50)
}
