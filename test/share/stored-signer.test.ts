/**
 * The parts of `share --from-store` that the command's runs cannot reach: reading back whose
 * signature NSS made (and refusing another certificate of the same nickname), and the chain walk.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import type {Certificate} from '../../src/identity/certificate-types.js'
import {cmsSignedData, namesCertificate, signerIdentifiers} from '../../src/identity/cms-signed-data.js'
import type {Identity} from '../../src/identity/identity.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {chainIn, signInStore, type StoredSigner} from '../../src/share/stored-signer.js'
import {NSS_STORE_KIND} from '../../src/stores/nss/nss-store.js'
import {machineFor} from '../../src/system/platform.js'
import {fixture} from '../helpers/fixtures.js'
import {importP12, makeNssDb} from '../helpers/nss-db.js'

const made: string[] = []
afterAll(() => {
  for (const dir of made) rmSync(dir, {recursive: true, force: true})
})

async function identityOf(name: string): Promise<Identity> {
  const input = decodeInput(fixture(name))
  if (input.kind === 'certificate') return input.identity
  return (await openPkcs12(input, 'test')).identity
}

const certificate = (pem: string): Certificate => certificatesFromPem(fixture(pem).toString('utf8')).map((der) => parseCertificate(der))[0]!

describe('signerIdentifiers', () => {
  it('names the certificate that signed, and no other', async () => {
    const alice = await identityOf('p12/mailbox-rsa.p12')
    const signature = cmsSignedData(Buffer.from('content'), alice, {now: new Date(), detached: true})
    const [signer, ...more] = signerIdentifiers(signature)
    expect(more).toEqual([])
    expect(namesCertificate(signer!, alice.certificate)).toBe(true)
    expect(namesCertificate(signer!, certificate('certs/renewed-rsa.pem'))).toBe(false)
    expect(namesCertificate(signer!, certificate('certs/bob-rsa.pem'))).toBe(false)
  })
})

describe('chainIn', () => {
  it("walks the issuers the database holds, nearest first, and stops where one is missing", () => {
    const leaf = certificate('certs/mailbox-rsa.pem')
    const intermediate = certificate('ca/intermediate.pem')
    const root = certificate('ca/root.pem')
    const unrelated = certificate('ca/ec-root.pem')
    expect(chainIn(leaf, [unrelated, root, intermediate, leaf]).map((c) => c.subject.text)).toEqual([intermediate.subject.text, root.subject.text])
    expect(chainIn(leaf, [root, unrelated])).toEqual([])
  })
})

describe('signInStore', () => {
  it('refuses a signature NSS made with another certificate of the same nickname (a renewal), so that nothing is written', async () => {
    const dir = makeNssDb()
    made.push(dir)
    importP12(dir, 'mailbox-rsa.p12')
    importP12(dir, 'renewed-rsa.p12')
    const older = certificate('certs/mailbox-rsa.pem')
    const signer: StoredSigner = {
      database: {ref: {kind: NSS_STORE_KIND, location: dir, label: `the certificate database in ${dir}`}, dir, names: [dir], passwordHint: ''},
      // pk12util gave both the subject's nickname; NSS signs with the better one, the renewal.
      nickname: 'Alice Example',
      address: 'alice@example.com',
      certificate: older,
      chain: [],
      why: '',
      passedOver: [],
    }
    const context = {machine: machineFor({platform: 'linux', home: dir, env: process.env}), flags: {}}
    const refused = signInStore(signer, Buffer.from('content'), {context, storePassword: async () => ''})
    await expect(refused).rejects.toMatchObject({code: 'nss-other-signer', message: expect.stringContaining('another certificate called "Alice Example"')})

    const renewed = await signInStore({...signer, certificate: certificate('certs/renewed-rsa.pem')}, Buffer.from('content'), {context, storePassword: async () => ''})
    const file = join(mkdtempSync(join(tmpdir(), 'mailcert-signature-')), 's.p7s')
    made.push(join(file, '..'))
    writeFileSync(file, renewed.der)
    expect(execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file], {encoding: 'utf8'})).toContain('signingTime')
  })
})
