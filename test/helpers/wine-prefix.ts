/**
 * Wine prefixes for the Windows tests, without vitest (global-setup.ts makes the run's template in
 * vitest's main process; test/helpers/windows.ts copies it in the test processes).
 *
 * Costs, measured on the 2-core development machine (Wine 8.0, Debian):
 * - the template: `wineboot -i` 5.6 s, `winecfg /v win10` 0.4 s, ending its wineserver 0.8 s: about
 *   7 s on an idle machine (up to some 15 s beside a busy run), made once per run in the background of
 *   global setup while the first files run (windows.ts waits for it);
 * - a full copy (`cp -a`, 695 MB, 812 files): 1.2 s of system time and 695 MB written per test file;
 * - the copy made here: 0.09 s. drive_c/windows and the Program Files folders (693 MB of DLLs and
 *   programs that Wine only rewrites in place when wineboot updates a prefix for a new Wine, which a
 *   copy of an up-to-date template never asks for) are hard links; the registry files (*.reg, which
 *   wineserver rewrites), drive_c/users (the profile: AppData, Temp) and drive_c/ProgramData are real
 *   copies. A fresh wineboot per file would cost the template's 8-15 s each time.
 * - the first wine call in a copy starts its wineserver (node.exe --version: 1.9 s); later calls
 *   (reg.exe) 0.15 s; the built CLI about 3 s.
 * That a run in a copy leaves the template alone is checked by test/windows/harness.test.ts with
 * {@link prefixFingerprint} (sizes, times and modes of every file, the registry files' contents).
 */
import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync} from 'node:fs'
import {lstat, mkdir, readdir, readFile, readlink, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

const run = promisify(execFile)

/** The Windows user name in every prefix (Wine takes it from USER): fixed, so that paths are the same everywhere. */
export const WINE_USER = 'mailcert'

/** The environment of every wine call: nothing of the test process (no secrets, no NODE_OPTIONS). */
export function wineEnvironment(prefix: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: WINE_USER,
    LOGNAME: WINE_USER,
    LANG: 'C.UTF-8',
    WINEPREFIX: prefix,
    WINEDEBUG: '-all',
    // No Mono or Gecko installer (there is no display, and nothing here needs them).
    WINEDLLOVERRIDES: 'mscoree,mshtml=',
    NO_COLOR: '1',
    ...extra,
  }
}

/** The run's layout under its folder (global-setup.ts provides the folder as `windowsRun`). */
export function runLayout(runFolder: string) {
  return {
    template: join(runFolder, 'template'),
    templateHome: join(runFolder, 'template-home'),
    ready: join(runFolder, 'template.ready'),
    failed: join(runFolder, 'template.failed'),
    users: join(runFolder, 'users'),
  }
}

/** Ends the wineserver of a prefix (and with it every Windows process in it); it writes the registry out first. */
export async function killWineserver(prefix: string): Promise<void> {
  await run('wineserver', ['-k'], {env: wineEnvironment(prefix, '/nonexistent'), timeout: 30_000}).catch(() => {})
}

/** Makes the run's template: a win10 prefix, its wineserver ended, its profile folders real folders. */
export async function makeTemplate(runFolder: string, signal?: AbortSignal): Promise<void> {
  const layout = runLayout(runFolder)
  try {
    await mkdir(layout.templateHome, {recursive: true})
    await mkdir(layout.users, {recursive: true})
    const env = wineEnvironment(layout.template, layout.templateHome)
    await run('wineboot', ['-i'], {env, timeout: 120_000, signal})
    // Node refuses Wine's default Windows 7.
    await run('wine', ['winecfg', '/v', 'win10'], {env, timeout: 60_000, signal})
    // Its registry written out (wineserver writes it as it ends; -k fails when it has ended already).
    await run('wineserver', ['-k'], {env, timeout: 30_000, signal}).catch(() => {})
    await run('wineserver', ['-w'], {env, timeout: 30_000, signal})
    // wineboot links Desktop, Documents and the like to $HOME: every copy would share that folder.
    const profile = join(layout.template, 'drive_c', 'users', WINE_USER)
    for (const entry of await readdir(profile)) {
      const path = join(profile, entry)
      if ((await lstat(path)).isSymbolicLink()) {
        await rm(path)
        await mkdir(path)
      }
    }
    // The name of the wineserver's socket folder: each copy's server writes its own.
    await rm(join(layout.template, 'wineserver'), {force: true})
    await writeFile(layout.ready, '')
  } catch (error) {
    await killWineserver(layout.template)
    await writeFile(layout.failed, `The Wine prefix template could not be made: ${(error as Error).message}`)
  }
}

/** Waits for global setup's template; throws what went wrong if it could not be made. */
export async function waitForTemplate(runFolder: string, timeoutMs = 180_000): Promise<string> {
  const layout = runLayout(runFolder)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (existsSync(layout.ready)) return layout.template
    if (existsSync(layout.failed)) throw new Error(await readFile(layout.failed, 'utf8'))
    if (Date.now() > deadline) throw new Error(`The Wine prefix template was not ready after ${timeoutMs / 1000} s.`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Shared with the template as hard links: what Wine never rewrites in place. */
const LINKED = ['drive_c/windows', 'drive_c/Program Files', 'drive_c/Program Files (x86)']
/** Real copies: what Wine and the tests write. */
const COPIED = ['drive_c/users', 'drive_c/ProgramData', 'dosdevices', 'system.reg', 'user.reg', 'userdef.reg', '.update-timestamp']

/** A private prefix made from the template at `prefix` (which must not exist yet). */
export async function copyTemplate(template: string, prefix: string): Promise<void> {
  await mkdir(join(prefix, 'drive_c'), {recursive: true})
  const options = {timeout: 30_000}
  await run('cp', ['-al', ...LINKED.map((part) => join(template, part)), join(prefix, 'drive_c')], options)
  await run('cp', ['-a', ...COPIED.filter((part) => part.startsWith('drive_c/')).map((part) => join(template, part)), join(prefix, 'drive_c')], options)
  await run('cp', ['-a', ...COPIED.filter((part) => !part.startsWith('drive_c/')).map((part) => join(template, part)), prefix], options)
}

/** What would show a change to a prefix: every file's path, size, modification time and mode, and the registry's contents. */
export async function prefixFingerprint(prefix: string): Promise<string> {
  const hash = createHash('sha256')
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir)).sort()) {
      const path = join(dir, entry)
      const stat = await lstat(path)
      if (stat.isDirectory()) {
        hash.update(`d ${path}\n`)
        await walk(path)
      } else if (stat.isSymbolicLink()) {
        hash.update(`l ${path} ${await readlink(path)}\n`)
      } else {
        hash.update(`f ${path} ${stat.size} ${stat.mtimeMs} ${stat.mode}\n`)
        if (path.endsWith('.reg')) hash.update(await readFile(path))
      }
    }
  }
  await walk(prefix)
  return hash.digest('hex')
}
