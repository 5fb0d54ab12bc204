/**
 * The guided installer's first question: the certificate files found, as a person reads them
 * (name, size, when), paths under the home folder written with ~, and a typed path: as the person
 * meant it, completed the way they started it, and checked before it is taken.
 */
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CertificateFile} from '../../../src/system/certificate-files.js'
import {ANOTHER_FILE, certificateFileProblem, fileChoices, pathCompletions, tildePath, typedPath} from '../../../src/ui/guided/file-choice.js'
import {FIXTURES} from '../../helpers/fixtures.js'

const HOME = '/home/alice'

// The dates shown are the person's own: test them in a zone whose date differs from UTC's around midnight.
const originalTz = process.env.TZ
beforeAll(() => {
  process.env.TZ = 'Europe/Berlin'
})
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ
  else process.env.TZ = originalTz
})

const certificateFile = (path: string, size: number, modified: string): CertificateFile => ({path, size, modified: new Date(modified)})

describe('tildePath', () => {
  it('writes the home folder and what is under it with ~', () => {
    expect(tildePath('/home/alice/Downloads/alice.p12', HOME)).toBe('~/Downloads/alice.p12')
    expect(tildePath('/home/alice', HOME)).toBe('~')
  })

  it('leaves other paths alone, including a sibling whose name starts like the home folder', () => {
    expect(tildePath('/home/alice2/x.p12', HOME)).toBe('/home/alice2/x.p12')
    expect(tildePath('/tmp/x.p12', HOME)).toBe('/tmp/x.p12')
    expect(tildePath('relative/x.p12', HOME)).toBe('relative/x.p12')
  })
})

describe('fileChoices', () => {
  const now = new Date('2026-03-10T15:00:00+01:00')

  it('offers each file with its size and time, its folder as the description, then "Another file…"', () => {
    const files = [
      certificateFile(join(HOME, 'Downloads', 'alice.p12'), 3277, '2026-03-10T09:05:00+01:00'),
      certificateFile(join(HOME, 'Documents', 'old.pfx'), 900, '2025-07-04T18:30:00+02:00'),
      certificateFile('/media/usb/key.p12', 1024, '2024-01-02T03:04:00+01:00'),
    ]
    const choices = fileChoices(files, HOME, now)
    expect(choices).toEqual([
      {name: 'alice.p12  3.2 KB, today 09:05', value: join(HOME, 'Downloads', 'alice.p12'), description: '~/Downloads'},
      {name: 'old.pfx  900 B, 2025-07-04 18:30', value: join(HOME, 'Documents', 'old.pfx'), description: '~/Documents'},
      {name: 'key.p12  1.0 KB, 2024-01-02 03:04', value: '/media/usb/key.p12', description: '/media/usb'},
      {name: 'Another file…', value: ANOTHER_FILE, description: 'Type its path (Tab completes)'},
    ])
  })

  it('offers only "Another file…" when nothing was found', () => {
    expect(fileChoices([], HOME, now)).toEqual([{name: 'Another file…', value: ANOTHER_FILE, description: 'Type its path (Tab completes)'}])
  })

  it('keeps the order it is given (newest first from findCertificateFiles)', () => {
    const files = [certificateFile('/a/new.p12', 1, '2026-03-09T10:00:00+01:00'), certificateFile('/a/old.p12', 1, '2020-01-01T10:00:00+01:00')]
    expect(fileChoices(files, HOME, now).map((c) => c.value)).toEqual(['/a/new.p12', '/a/old.p12', ANOTHER_FILE])
  })

  it('says "today" by the local date, not by UTC', () => {
    // 00:30 in Berlin on 10 March is still 9 March in UTC.
    const justAfterMidnight = certificateFile('/a/x.p12', 10, '2026-03-10T00:30:00+01:00')
    expect(fileChoices([justAfterMidnight], HOME, now)[0]?.name).toBe('x.p12  10 B, today 00:30')
  })

  it('shows an earlier day\'s date and time both in local time', () => {
    // 00:30 on 1 March in Berlin is 23:30 on 28 February in UTC: the date must be 1 March, like the time.
    const file = certificateFile('/a/x.p12', 10, '2026-03-01T00:30:00+01:00')
    expect(fileChoices([file], HOME, now)[0]?.name).toBe('x.p12  10 B, 2026-03-01 00:30')
  })
})

describe('typedPath', () => {
  const cwd = '/home/alice/work'

  it('reads ~ as the home folder and a relative path from the current folder', () => {
    expect(typedPath('~/Downloads/alice.p12', cwd, HOME)).toBe('/home/alice/Downloads/alice.p12')
    expect(typedPath('certs/alice.p12', cwd, HOME)).toBe('/home/alice/work/certs/alice.p12')
    expect(typedPath('/tmp/alice.p12', cwd, HOME)).toBe('/tmp/alice.p12')
  })

  it('takes off what a file manager adds when a file is dropped or pasted: quotes, spaces, a file:// address', () => {
    expect(typedPath("'/home/alice/My certificates/alice.pfx' ", cwd, HOME)).toBe('/home/alice/My certificates/alice.pfx')
    expect(typedPath('  "/tmp/a b.p12"', cwd, HOME)).toBe('/tmp/a b.p12')
    expect(typedPath(pathToFileURL('/home/alice/My certificates/alice.pfx').href, cwd, HOME)).toBe('/home/alice/My certificates/alice.pfx')
  })

  it('keeps a quote that is part of the name', () => {
    expect(typedPath("/tmp/alice's.p12", cwd, HOME)).toBe("/tmp/alice's.p12")
  })

  it('has no path for an empty answer', () => {
    expect(typedPath('', cwd, HOME)).toBeNull()
    expect(typedPath("  ''  ", cwd, HOME)).toBeNull()
  })
})

describe('pathCompletions and certificateFileProblem, on real folders', () => {
  const home = mkdtempSync(join(tmpdir(), 'mailcert-file-choice-'))
  mkdirSync(join(home, 'Mail certificates'))
  copyFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12'), join(home, 'Mail certificates', 'alice.pfx'))
  writeFileSync(join(home, 'Mail certificates', 'notes.txt'), 'not a certificate')
  writeFileSync(join(home, 'Mail certificates', 'renamed.p12'), 'this is a text file, not a certificate\n')
  afterAll(() => rmSync(home, {recursive: true, force: true}))

  it('writes each candidate the way the person started typing: with ~, relative or absolute', async () => {
    expect(await pathCompletions('~/Mail', '/', home)).toEqual(['~/Mail certificates/'])
    expect(await pathCompletions('~/Mail certificates/', '/', home)).toEqual(['~/Mail certificates/alice.pfx', '~/Mail certificates/renamed.p12'])
    expect(await pathCompletions('Mail certificates/a', home, home)).toEqual(['Mail certificates/alice.pfx'])
    expect(await pathCompletions(join(home, 'Mail'), '/', home)).toEqual([join(home, 'Mail certificates/')])
    expect(await pathCompletions('~', '/', home)).toEqual(['~/'])
  })

  it('takes a certificate file, and says why for a folder, a missing file or a file that is no certificate', async () => {
    expect(await certificateFileProblem(join(home, 'Mail certificates', 'alice.pfx'), home)).toBeNull()
    expect(await certificateFileProblem(join(home, 'Mail certificates'), home)).toBe(`${join(home, 'Mail certificates')} is a folder, not a file.`)
    expect(await certificateFileProblem(join(home, 'alice.pfx'), home)).toBe(`There is no file at ${join(home, 'alice.pfx')}.`)
    expect(await certificateFileProblem(join(home, 'Mail certificates', 'renamed.p12'), home)).toBe(
      '~/Mail certificates/renamed.p12: This is a text file, not a PKCS#12 (.p12/.pfx) file or a certificate.',
    )
  })
})
