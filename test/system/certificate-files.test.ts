/**
 * Finding the person's certificate file: a sandbox HOME with Downloads, Desktop and Documents (and a
 * localised download folder from ~/.config/user-dirs.dirs), real files with chosen modification times.
 */
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, sep} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {candidateFolders, completePath, findCertificateFiles, parseUserDirs} from '../../src/system/certificate-files.js'

const scratch: string[] = []

afterAll(() => {
  for (const dir of scratch) rmSync(dir, {recursive: true, force: true})
})

function sandboxHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'mailcert-certfiles-'))
  scratch.push(home)
  for (const name of ['Downloads', 'Desktop', 'Documents']) mkdirSync(join(home, name))
  return home
}

/** A file with these bytes, last modified at `modified`. */
function file(path: string, modified: Date, content = 'x'): string {
  writeFileSync(path, content)
  utimesSync(path, modified, modified)
  return path
}

const at = (iso: string): Date => new Date(iso)

describe('parseUserDirs', () => {
  it('reads the download, desktop and documents folders, with $HOME expanded', () => {
    const text = [
      '# This file is written by xdg-user-dirs-update',
      '# If you want to change or add directories, just edit the line you\'re',
      'XDG_DESKTOP_DIR="$HOME/Bureau"',
      'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"',
      'XDG_TEMPLATES_DIR="$HOME/Modèles"',
      'XDG_MUSIC_DIR="$HOME/Musique"',
      'XDG_DOCUMENTS_DIR="/srv/docs/alice"',
      '',
    ].join('\n')
    expect(parseUserDirs(text, '/home/alice')).toEqual(['/home/alice/Bureau', '/home/alice/Téléchargements', '/srv/docs/alice'])
  })

  it('ignores commented-out lines and anything it does not know', () => {
    expect(parseUserDirs('#XDG_DOWNLOAD_DIR="$HOME/Old"\nXDG_VIDEOS_DIR="$HOME/Videos"\nnot a line\n', '/home/alice')).toEqual([])
  })
})

describe('candidateFolders', () => {
  it('puts the localised folders first, then Downloads, Desktop, Documents and the current folder', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, '.config'))
    writeFileSync(join(home, '.config', 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n')
    const cwd = join(home, 'work')
    expect(await candidateFolders(home, cwd, {})).toEqual([
      join(home, 'Téléchargements'),
      join(home, 'Downloads'),
      join(home, 'Desktop'),
      join(home, 'Documents'),
      cwd,
    ])
  })

  it('ignores a user-dirs.dirs that is a link to /dev/zero instead of reading it for ever', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, '.config'))
    symlinkSync('/dev/zero', join(home, '.config', 'user-dirs.dirs'))
    expect(await candidateFolders(home, home, {})).toEqual([join(home, 'Downloads'), join(home, 'Desktop'), join(home, 'Documents'), home])
  })

  it('reads user-dirs.dirs from XDG_CONFIG_HOME when it is set', async () => {
    const home = sandboxHome()
    const config = join(home, 'elsewhere')
    mkdirSync(config)
    writeFileSync(join(config, 'user-dirs.dirs'), 'XDG_DESKTOP_DIR="$HOME/Schreibtisch"\n')
    // The one in ~/.config is not the one in use.
    mkdirSync(join(home, '.config'))
    writeFileSync(join(home, '.config', 'user-dirs.dirs'), 'XDG_DESKTOP_DIR="$HOME/Wrong"\n')
    const folders = await candidateFolders(home, home, {XDG_CONFIG_HOME: config})
    expect(folders[0]).toBe(join(home, 'Schreibtisch'))
    expect(folders).not.toContain(join(home, 'Wrong'))
  })

  it('lists each folder once: a user dir that is the default name, or a current folder that is Downloads', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, '.config'))
    writeFileSync(join(home, '.config', 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME/Downloads"\n')
    const folders = await candidateFolders(home, join(home, 'Downloads') + sep, {})
    expect(folders).toEqual([join(home, 'Downloads'), join(home, 'Desktop'), join(home, 'Documents')])
  })

  it('does without user-dirs.dirs', async () => {
    const home = sandboxHome()
    expect(await candidateFolders(home, '/', {})).toEqual([join(home, 'Downloads'), join(home, 'Desktop'), join(home, 'Documents'), '/'])
  })
})

describe('findCertificateFiles', () => {
  it('finds the .p12 and .pfx files of every folder, newest first, with size and time', async () => {
    const home = sandboxHome()
    const localised = join(home, 'Téléchargements')
    mkdirSync(localised)
    const old = file(join(home, 'Documents', 'old.p12'), at('2024-05-01T10:00:00Z'), 'abc')
    const newest = file(join(localised, 'alice 2026.pfx'), at('2026-03-01T09:30:00Z'), 'a'.repeat(2500))
    const middle = file(join(home, 'Desktop', 'CERT.P12'), at('2025-11-20T08:00:00Z'))
    const files = await findCertificateFiles([localised, join(home, 'Downloads'), join(home, 'Desktop'), join(home, 'Documents')])
    expect(files.map((f) => f.path)).toEqual([newest, middle, old])
    expect(files[0]).toEqual({path: newest, size: 2500, modified: at('2026-03-01T09:30:00Z')})
    expect(files[2]).toMatchObject({size: 3})
  })

  it('ignores other files, folders named like certificates, and what is in subfolders', async () => {
    const home = sandboxHome()
    const downloads = join(home, 'Downloads')
    const wanted = file(join(downloads, 'mine.p12'), at('2026-01-01T00:00:00Z'))
    for (const name of ['mine.pem', 'mine.crt', 'mine.p12.zip', 'notes.txt', 'p12']) file(join(downloads, name), at('2026-02-01T00:00:00Z'))
    mkdirSync(join(downloads, 'folder.p12'))
    mkdirSync(join(downloads, 'sub'))
    file(join(downloads, 'sub', 'deeper.p12'), at('2026-02-01T00:00:00Z'))
    expect((await findCertificateFiles([downloads])).map((f) => f.path)).toEqual([wanted])
  })

  it('follows a symlink to a certificate file', async () => {
    const home = sandboxHome()
    const target = file(join(home, 'real.pfx'), at('2026-01-01T00:00:00Z'))
    symlinkSync(target, join(home, 'Desktop', 'link.pfx'))
    expect((await findCertificateFiles([join(home, 'Desktop')])).map((f) => f.path)).toEqual([join(home, 'Desktop', 'link.pfx')])
  })

  it('lists a file once when the current folder is Downloads', async () => {
    const home = sandboxHome()
    const only = file(join(home, 'Downloads', 'alice.p12'), at('2026-01-01T00:00:00Z'))
    const folders = await candidateFolders(home, join(home, 'Downloads'), {})
    expect((await findCertificateFiles(folders)).map((f) => f.path)).toEqual([only])
    // Even when the caller repeats a folder itself.
    expect(await findCertificateFiles([join(home, 'Downloads'), join(home, 'Downloads')])).toHaveLength(1)
  })

  it('skips folders that do not exist', async () => {
    const home = sandboxHome()
    const found = file(join(home, 'Documents', 'a.p12'), at('2026-01-01T00:00:00Z'))
    expect((await findCertificateFiles([join(home, 'missing'), join(home, 'Documents')])).map((f) => f.path)).toEqual([found])
  })

  it('finds them through the whole chain: user-dirs.dirs, default folders, current folder', async () => {
    const home = sandboxHome()
    mkdirSync(join(home, '.config'))
    writeFileSync(join(home, '.config', 'user-dirs.dirs'), 'XDG_DOWNLOAD_DIR="$HOME/Téléchargements"\n')
    mkdirSync(join(home, 'Téléchargements'))
    const cwd = join(home, 'project')
    mkdirSync(cwd)
    const a = file(join(home, 'Téléchargements', 'a.p12'), at('2026-04-01T00:00:00Z'))
    const b = file(join(cwd, 'b.pfx'), at('2026-03-01T00:00:00Z'))
    const c = file(join(home, 'Documents', 'c.p12'), at('2026-02-01T00:00:00Z'))
    const files = await findCertificateFiles(await candidateFolders(home, cwd, {}))
    expect(files.map((f) => f.path)).toEqual([a, b, c])
  })
})

describe('completePath', () => {
  /** home with: Downloads/ (alice.p12, notes.txt, .hidden.p12, sub/), Documents/, .config/, cert.pem, key.txt */
  function completionHome(): string {
    const home = sandboxHome()
    const when = at('2026-01-01T00:00:00Z')
    file(join(home, 'Downloads', 'alice.p12'), when)
    file(join(home, 'Downloads', 'notes.txt'), when)
    file(join(home, 'Downloads', '.hidden.p12'), when)
    mkdirSync(join(home, 'Downloads', 'sub'))
    mkdirSync(join(home, '.config'))
    file(join(home, 'cert.pem'), when)
    file(join(home, 'bundle.CRT'), when)
    file(join(home, 'key.txt'), when)
    return home
  }

  it('expands ~ and lists folders with a trailing separator and certificate-looking files', async () => {
    const home = completionHome()
    expect(await completePath('~/', '/', home)).toEqual([
      join(home, 'Desktop') + sep,
      join(home, 'Documents') + sep,
      join(home, 'Downloads') + sep,
      join(home, 'bundle.CRT'),
      join(home, 'cert.pem'),
    ])
  })

  it('completes a prefix in a folder', async () => {
    const home = completionHome()
    expect(await completePath('~/Do', '/', home)).toEqual([join(home, 'Documents') + sep, join(home, 'Downloads') + sep])
    expect(await completePath('~/Downloads/', '/', home)).toEqual([join(home, 'Downloads', 'alice.p12'), join(home, 'Downloads', 'sub') + sep])
    expect(await completePath('~/Downloads/al', '/', home)).toEqual([join(home, 'Downloads', 'alice.p12')])
  })

  it('completes relative to the current folder, and lists it for an empty path', async () => {
    const home = completionHome()
    expect(await completePath('Downloads/a', home, '/nowhere')).toEqual([join(home, 'Downloads', 'alice.p12')])
    expect(await completePath('', join(home, 'Downloads'), '/nowhere')).toEqual([join(home, 'Downloads', 'alice.p12'), join(home, 'Downloads', 'sub') + sep])
  })

  it('shows hidden entries only when the prefix starts with a dot', async () => {
    const home = completionHome()
    expect(await completePath('~/Downloads/', '/', home)).not.toContain(join(home, 'Downloads', '.hidden.p12'))
    expect(await completePath('~/Downloads/.h', '/', home)).toEqual([join(home, 'Downloads', '.hidden.p12')])
    expect(await completePath('~/.c', '/', home)).toEqual([join(home, '.config') + sep])
  })

  it('shows the hidden entries of a folder for a prefix that is just a dot', async () => {
    const home = completionHome()
    // What a person types to see hidden files: "~/." and "Downloads/." (bash and zsh list .config/ and .hidden.p12 here).
    expect(await completePath('~/.', '/', home)).toEqual([join(home, '.config') + sep])
    expect(await completePath('Downloads/.', home, '/nowhere')).toEqual([join(home, 'Downloads', '.hidden.p12')])
  })

  it('treats a symlink to a folder as a folder (a Downloads moved to another disk)', async () => {
    const home = sandboxHome()
    const elsewhere = mkdtempSync(join(tmpdir(), 'mailcert-certfiles-disk-'))
    scratch.push(elsewhere)
    symlinkSync(elsewhere, join(home, 'Archive'))
    expect(await completePath('~/Arch', '/', home)).toEqual([join(home, 'Archive') + sep])
  })

  it('finds nothing in a folder that does not exist', async () => {
    const home = completionHome()
    expect(await completePath('~/missing/', '/', home)).toEqual([])
    expect(await completePath('~/missing/x', '/', home)).toEqual([])
  })

  it('gives at most 50 entries', async () => {
    const home = sandboxHome()
    const many = join(home, 'many')
    mkdirSync(many)
    for (let n = 0; n < 60; n++) file(join(many, `c${String(n).padStart(2, '0')}.p12`), at('2026-01-01T00:00:00Z'))
    const entries = await completePath(`${many}/`, '/', home)
    expect(entries).toHaveLength(50)
    expect(entries[0]).toBe(join(many, 'c00.p12'))
  })
})
