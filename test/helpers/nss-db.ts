/**
 * Scratch NSS databases made with NSS's own tools, the way a profile's database looks after an import:
 * certutil makes the database, pk12util imports PKCS#12 files from test/fixtures (the password goes in
 * a 0600 file, never in the argument list), certutil adds bare certificates and changes trust.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import type {Certificate} from '../../src/identity/certificate-types.js'
import {nssDbKey} from '../../src/stores/nss/dbkey.js'
import {FIXTURES, fixture} from './fixtures.js'

/** The nicknames pk12util gives the test PKI's CA certificates (no friendlyName: "CN - O"). */
export const ROOT_NICKNAME = 'mailcert Test Root CA - mailcert Test PKI'
export const INTERMEDIATE_NICKNAME = 'mailcert Test Intermediate CA - mailcert Test PKI'

function run(program: string, args: string[]): string {
  return execFileSync(program, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

/** A new, empty cert9.db/key4.db (no primary password) in a fresh folder; returns the folder. */
export function makeNssDb(prefix = 'mailcert-nssdb-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  run('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`])
  return dir
}

/** `pk12util -i` of a fixture from test/fixtures/p12, with its password in a 0600 file that is removed. */
export function importP12(dir: string, name: string, password = 'test'): void {
  const secrets = mkdtempSync(join(tmpdir(), 'mailcert-pw-'))
  const passwordFile = join(secrets, 'password')
  writeFileSync(passwordFile, password, {mode: 0o600})
  try {
    run('pk12util', ['-i', join(FIXTURES, 'p12', name), '-d', `sql:${dir}`, '-w', passwordFile])
  } finally {
    rmSync(secrets, {recursive: true, force: true})
  }
}

/** `certutil -A`: a certificate (a PEM from test/fixtures) without its private key. */
export function addCertificate(dir: string, nickname: string, pemPath: string, trust = ',,'): void {
  run('certutil', ['-A', '-d', `sql:${dir}`, '-n', nickname, '-t', trust, '-i', join(FIXTURES, pemPath)])
}

/** `certutil -M`: set trust flags (`,C,` trusts a CA to issue e-mail certificates). */
export function setTrust(dir: string, nickname: string, trust: string): void {
  run('certutil', ['-M', '-d', `sql:${dir}`, '-n', nickname, '-t', trust])
}

export function listNicknames(dir: string): string {
  return run('certutil', ['-L', '-d', `sql:${dir}`])
}

/** The parsed certificate of a PEM fixture (`certs/mailbox-rsa.pem`, `ca/root.pem`). */
export function fixtureCertificate(pemPath: string): Certificate {
  const [der] = certificatesFromPem(fixture(pemPath).toString('utf8'))
  if (!der) throw new Error(`no certificate in ${pemPath}`)
  return parseCertificate(der)
}

/** The dbKey Thunderbird stores for a PEM fixture's certificate. */
export function fixtureDbKey(pemPath: string): string {
  return nssDbKey(fixtureCertificate(pemPath))
}
