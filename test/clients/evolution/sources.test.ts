import {cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {identitySmimeEdit, identitySmimeUndo, readEvolutionIdentities, SOURCE_FILE_LIMIT} from '../../../src/clients/evolution/sources.js'
import {makeEvolutionHome, readSmimeThroughEds} from '../../helpers/evolution-home.js'
import {FIXTURES} from '../../helpers/fixtures.js'

const FIXTURE = join(FIXTURES, 'evolution')
const made = JSON.parse(readFileSync(join(FIXTURE, 'accounts.json'), 'utf8')) as Array<{address: string; account: string; identity: string; transport: string}>
const [alice, bob] = made

function sourcesCopy(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'mailcert-evolution-')), 'sources')
  cpSync(join(FIXTURE, 'sources'), dir, {recursive: true})
  return dir
}

describe('readEvolutionIdentities', () => {
  it('finds the identities EDS wrote, with their account, and no S/MIME settings yet', async () => {
    const dir = sourcesCopy()
    const {identities, problems} = await readEvolutionIdentities(dir)
    expect(problems).toEqual([])
    const noSmime = {signingCertificate: null, encryptionCertificate: null, signByDefault: false, encryptByDefault: false, encryptToSelf: true}
    expect(identities.sort((a, b) => a.address!.localeCompare(b.address!))).toEqual([
      {uid: alice.identity, file: join(dir, `${alice.identity}.source`), address: 'alice@example.org', name: 'Alice Example', displayName: 'alice@example.org', enabled: true, parent: alice.account, smime: noSmime},
      {uid: bob.identity, file: join(dir, `${bob.identity}.source`), address: 'bob@example.net', name: 'Bob Builder', displayName: 'bob@example.net', enabled: true, parent: bob.account, smime: noSmime},
    ])
  })

  it('reads the S/MIME group as EDS wrote it', async () => {
    const dir = sourcesCopy()
    cpSync(join(FIXTURE, 'smime-set-by-eds.source'), join(dir, `${bob.identity}.source`))
    const {identities} = await readEvolutionIdentities(dir)
    expect(identities.find((identity) => identity.uid === bob.identity)?.smime).toEqual({
      signingCertificate: " Bob\\\\Builder's S/MIME #1",
      encryptionCertificate: 'Bob Builder',
      signByDefault: true,
      encryptByDefault: false,
      encryptToSelf: true,
    })
  })

  it('a file it cannot read or parse is a problem, and the other identities still count', async () => {
    const dir = sourcesCopy()
    writeFileSync(join(dir, 'broken.source'), '[Mail Identity]\nAddress=x@example.org\nnot a key file line\n')
    writeFileSync(join(dir, 'latin1.source'), Buffer.from('[Mail Identity]\nName=J\xfcrgen\n', 'latin1'))
    writeFileSync(join(dir, 'huge.source'), `[Mail Identity]\nName=${'x'.repeat(SOURCE_FILE_LIMIT)}\n`)
    mkdirSync(join(dir, 'folder.source'))
    writeFileSync(join(dir, 'notes.txt'), 'not a source, not looked at')
    const {identities, problems} = await readEvolutionIdentities(dir)
    expect(identities.map((identity) => identity.address).sort()).toEqual(['alice@example.org', 'bob@example.net'])
    expect(problems).toEqual([
      `${join(dir, 'broken.source')} is not a key file GLib can read (line 3: not a key-value pair, group, or comment).`,
      `${join(dir, 'folder.source')} is a folder, not a file.`,
      `${join(dir, 'huge.source')} is larger than 256 KiB.`,
      `${join(dir, 'latin1.source')} is not UTF-8 text.`,
    ])
  })

  it('no sources folder: no identities and no problem', async () => {
    expect(await readEvolutionIdentities(join(tmpdir(), 'mailcert-no-such-folder', 'sources'))).toEqual({identities: [], problems: []})
  })
})

describe('identitySmimeEdit', () => {
  const aliceText = readFileSync(join(FIXTURE, 'sources', `${alice.identity}.source`), 'utf8')
  const bobWithSmime = readFileSync(join(FIXTURE, 'smime-set-by-eds.source'), 'utf8')

  it('adds the S/MIME group to an identity without one, and its undo gives back the same bytes', () => {
    const {text, undo} = identitySmimeEdit(aliceText, {signingCertificate: 'Alice Example', encryptionCertificate: 'Alice Example', signByDefault: true})
    expect(text).toBe(`${aliceText}\n[Secure MIME (S/MIME)]\nSigningCertificate=Alice Example\nEncryptionCertificate=Alice Example\nSignByDefault=true\n`)
    expect(undo).toEqual({previous: {SigningCertificate: null, EncryptionCertificate: null, SignByDefault: null}, groupAdded: true, endedWithNewline: true})
    expect(identitySmimeUndo(text, undo)).toBe(aliceText)
  })

  it('a file without a final newline gets it back that way', () => {
    const text = aliceText.trimEnd()
    const {text: edited, undo} = identitySmimeEdit(text, {signingCertificate: 'A', encryptionCertificate: 'A'})
    expect(identitySmimeUndo(edited, undo)).toBe(text)
  })

  it('changes the EDS-written group in place and records the values before, which its undo puts back', () => {
    const {text, undo} = identitySmimeEdit(bobWithSmime, {signingCertificate: 'Bob New', encryptionCertificate: 'Bob New', encryptByDefault: true})
    expect(text).toBe(
      bobWithSmime
        .replace('EncryptionCertificate=Bob Builder', 'EncryptionCertificate=Bob New')
        .replace('EncryptByDefault=false', 'EncryptByDefault=true')
        .replace("SigningCertificate=\\sBob\\\\\\\\Builder's S/MIME #1", 'SigningCertificate=Bob New'),
    )
    expect(undo).toEqual({
      previous: {SigningCertificate: " Bob\\\\Builder's S/MIME #1", EncryptionCertificate: 'Bob Builder', EncryptByDefault: 'false'},
      groupAdded: false,
      endedWithNewline: true,
    })
    expect(identitySmimeUndo(text, undo)).toBe(bobWithSmime)
  })

  it('undo keeps what changed in the file since, and leaves a group that gained other keys', () => {
    const {text, undo} = identitySmimeEdit(aliceText, {signingCertificate: 'A', encryptionCertificate: 'A'})
    const laterByEvolution = text.replace('Name=Alice Example', 'Name=Alice E.').replace('EncryptionCertificate=A\n', 'EncryptionCertificate=A\nEncryptToSelf=false\n')
    expect(identitySmimeUndo(laterByEvolution, undo)).toBe(`${aliceText.replace('Name=Alice Example', 'Name=Alice E.')}\n[Secure MIME (S/MIME)]\nEncryptToSelf=false\n`)
  })
})

describe('identitySmimeEdit through the real evolution-data-server', () => {
  it('what mailcert writes, the source registry reads as the S/MIME settings chosen', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-eds-'))
    const sandbox = await makeEvolutionHome(home, [
      {address: 'carol@example.org', name: 'Carol'},
      {address: 'dave@example.org', name: 'Dave'},
    ])
    const [carol, dave] = sandbox.accounts
    const file = join(sandbox.sourcesDir, `${carol.identity}.source`)
    // A nickname with what the escaping must carry: a leading space, a backslash, a ';'.
    const nickname = " Carol's \\ S/MIME; 2025"
    writeFileSync(file, identitySmimeEdit(readFileSync(file, 'utf8'), {signingCertificate: nickname, encryptionCertificate: 'Carol', signByDefault: true, encryptByDefault: true}).text)

    expect(await readSmimeThroughEds(home)).toEqual([
      {uid: carol.identity, address: 'carol@example.org', signingCertificate: nickname, encryptionCertificate: 'Carol', signByDefault: true, encryptByDefault: true},
      {uid: dave.identity, address: 'dave@example.org', signingCertificate: null, encryptionCertificate: null, signByDefault: false, encryptByDefault: false},
    ])
  })
})
