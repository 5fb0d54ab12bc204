/** Finding programs on PATH and in well-known places, without running them. */
import {constants} from 'node:fs'
import {access} from 'node:fs/promises'
import {delimiter, join} from 'node:path'

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      const candidate = join(dir, name + extension)
      if (await isExecutable(candidate)) return candidate
    }
  }
  return null
}

export async function firstExecutable(paths: string[]): Promise<string | null> {
  for (const path of paths) {
    if (await isExecutable(path)) return path
  }
  return null
}
