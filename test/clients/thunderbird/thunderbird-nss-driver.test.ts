/**
 * Deleting with the Thunderbird driver, the real Thunderbird doing it: as with NSS's tools
 * (tools-driver.test.ts), withKey deletes the certificate and its private key, without it the key
 * stays; a certificate already gone is deleted, one still there afterwards is Thunderbird's failure.
 * NSS's own certutil, run by the test, has the last word.
 */
import {createHash, X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'

import {ExternalError} from '../../../src/errors.js'
import type {Identity} from '../../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../../src/identity/input.js'
import {reencodeIdentity, temporaryPassword} from '../../../src/identity/reencode.js'
import type {NssCertificate, NssSession} from '../../../src/stores/nss/nss-driver.js'
import {ThunderbirdDriver} from '../../../src/clients/thunderbird/thunderbird-nss-driver.js'
import {fixture} from '../../helpers/fixtures.js'
import {nssTool} from '../../helpers/nss.js'
import {thunderbirdHome, thunderbirdProgram, type ThunderbirdHome} from '../../helpers/thunderbird-home.js'

/** A line of `certutil -K` for an RSA key: the leaf's, the only key in the profile. */
const RSA_KEY = /rsa\s+[\da-f]{40}/
/** A root that Thunderbird has built in (Mozilla's list, which Debian's ca-certificates also ships). */
const BUILTIN_ROOT = '/usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt'

let identity: Identity

beforeAll(async () => {
  const input = decodeInput(fixture('p12/mailbox-rsa.p12'))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  identity = (await openPkcs12(input, 'test')).identity
})

const certutil = (home: ThunderbirdHome, list: '-L' | '-K') => nssTool('certutil', [list, '-d', `sql:${home.profileDir}`]).output

/** A session of the Thunderbird driver on the profile, with the identity imported; its certificates by nickname. */
async function sessionWithIdentity(home: ThunderbirdHome): Promise<{session: NssSession; certificates: NssCertificate[]}> {
  const driver = new ThunderbirdDriver(() => thunderbirdProgram(), {...process.env, HOME: home.home})
  const session = await driver.open(home.profileDir, {})
  const p12Password = temporaryPassword()
  await session.importPkcs12(reencodeIdentity(identity, p12Password, 'modern', {friendlyName: 'Alice Example'}), p12Password)
  return {session, certificates: await session.listCertificates()}
}

const leaf = (certificates: NssCertificate[]) => certificates.find((c) => c.hasKey)!
const intermediate = (certificates: NssCertificate[]) => certificates.find((c) => c.isCa && c.nickname.includes('Intermediate'))!

describe('deleting a certificate through Thunderbird', () => {
  it('without withKey deletes the certificate and keeps its private key', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const {session, certificates} = await sessionWithIdentity(home)
    const nickname = leaf(certificates).nickname
    try {
      expect(nssTool('certutil', ['-L', '-d', `sql:${home.profileDir}`, '-n', nickname]).status).toBe(0)
      await session.deleteCertificate(leaf(certificates), {withKey: false})
      expect((await session.listCertificates()).map((c) => c.sha256)).not.toContain(leaf(certificates).sha256)
    } finally {
      await session.close()
    }
    expect(nssTool('certutil', ['-L', '-d', `sql:${home.profileDir}`, '-n', nickname]).output).toMatch(/could not find cert/i)
    expect(certutil(home, '-K')).toMatch(RSA_KEY)
  }, 120_000)

  it('with withKey deletes both; a certificate already gone is deleted; a built-in root that stays is a failure', async () => {
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const {session, certificates} = await sessionWithIdentity(home)
    const rootDer = new X509Certificate(readFileSync(BUILTIN_ROOT)).raw
    const builtin: NssCertificate = {nickname: 'ISRG Root X1', trust: 'C,,', der: rootDer, sha256: createHash('sha256').update(rootDer).digest('hex'), hasKey: false, isCa: true}
    let failure: unknown
    try {
      await session.deleteCertificate(leaf(certificates), {withKey: true})
      await session.deleteCertificate(leaf(certificates), {withKey: true})
      await session.deleteCertificate(intermediate(certificates), {withKey: false})
      // Thunderbird only distrusts a root it has built in: it is still there.
      failure = await session.deleteCertificate(builtin, {withKey: false}).catch((e: unknown) => e)
    } finally {
      await session.close()
    }
    expect(failure).toBeInstanceOf(ExternalError)
    expect(failure).toMatchObject({tool: 'Thunderbird', code: 'thunderbird-not-deleted', exitCode: 9})
    expect(nssTool('certutil', ['-L', '-d', `sql:${home.profileDir}`, '-n', leaf(certificates).nickname]).output).toMatch(/could not find cert/i)
    expect(certutil(home, '-L')).not.toContain('Intermediate')
    expect(certutil(home, '-L')).toContain('Root CA')
    expect(certutil(home, '-K')).not.toMatch(RSA_KEY)
  }, 120_000)
})
