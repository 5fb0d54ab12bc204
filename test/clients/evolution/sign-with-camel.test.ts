import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {evolutionNssDatabase} from '../../../src/clients/evolution/shared-nss-database.js'
import {createNssDatabase} from '../../../src/stores/nss/create-database.js'
import {signWithEvolution} from '../../helpers/evolution-home.js'
import {FIXTURES, manifest} from '../../helpers/fixtures.js'

describe('an identity in the database mailcert names is one Evolution signs with', () => {
  it('Camel signs with the nickname from the shared NSS database; an unknown nickname fails as Evolution reports it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mailcert-camel-sign-'))
    const database = await evolutionNssDatabase({home, env: {XDG_DATA_HOME: join(home, '.local', 'share')}})
    await createNssDatabase(database.dir)
    const passwordFile = join(home, 'p12-password')
    writeFileSync(passwordFile, `${manifest['p12/bob-rsa.p12'].password}\n`, {mode: 0o600})
    execFileSync('pk12util', ['-i', join(FIXTURES, 'p12', 'bob-rsa.p12'), '-d', `sql:${database.dir}`, '-w', passwordFile], {stdio: 'pipe'})
    const nickname = manifest['p12/bob-rsa.p12'].friendlyName!

    const signature = await signWithEvolution(home, nickname, 'bob@example.com')
    expect(signature.signed).toBe(true)
    if (!signature.signed) return
    expect(signature.contentType).toMatch(/^multipart\/signed; micalg="sha-256"; protocol="application\/pkcs7-signature"/)
    // The signature is Bob's certificate's, over the text: OpenSSL checks it against the test CA.
    const message = join(home, 'signed.eml')
    writeFileSync(message, signature.mime.replaceAll(/\r?\n/g, '\r\n'))
    const signer = join(home, 'signer.pem')
    execFileSync('openssl', ['smime', '-verify', '-in', message, '-CAfile', join(FIXTURES, 'ca', 'root.pem'), '-purpose', 'any', '-signer', signer, '-out', '/dev/null'], {stdio: 'pipe'})
    expect(execFileSync('openssl', ['x509', '-in', signer, '-noout', '-ext', 'subjectAltName'], {encoding: 'utf8'})).toContain('email:bob@example.com')

    expect(await signWithEvolution(home, 'Nobody', 'bob@example.com')).toEqual({signed: false, error: 'Cannot find certificate for “Nobody”'})
  })
})
