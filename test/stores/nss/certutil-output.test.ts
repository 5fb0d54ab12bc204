import {createHash} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {
  classifyNssError,
  emailTrust,
  hasPrivateKey,
  isTrustedEmailIssuer,
  parseCertificateList,
  pemBlocks,
  withEmailTrust,
} from '../../../src/stores/nss/certutil-output.js'
import {FIXTURES, manifest, plainHex} from '../../helpers/fixtures.js'
import {importPkcs12, newNssDatabase, nssTool, passwordFile} from '../../helpers/nss.js'

const ROOT = 'mailcert Test Root CA - mailcert Test PKI'
const INTERMEDIATE = 'mailcert Test Intermediate CA - mailcert Test PKI'
const LONG_NICKNAME = 'A very long nickname for the mailcert test EC root certificate authority'

const work = mkdtempSync(join(tmpdir(), 'mailcert-certutil-output-'))

/** A fixture certificate as DER, converted by OpenSSL. */
function der(path: string): string {
  const file = join(work, `${path.replaceAll('/', '_')}.der`)
  writeFileSync(file, execFileSync('openssl', ['x509', '-in', `${FIXTURES}${path}`, '-outform', 'DER']))
  return file
}

function certutil(dir: string, args: string[]): string {
  const result = nssTool('certutil', [...args.slice(0, 1), '-d', `sql:${dir}`, ...args.slice(1)])
  expect(result.status, result.output).toBe(0)
  return result.stdout
}

describe('reading a real certutil -L listing', () => {
  let db: string
  let listing: string

  beforeAll(() => {
    db = newNssDatabase({prefix: 'mailcert-listing-'})
    // Alice's identity with its chain, then a renewal with the same subject: NSS gives it the same nickname.
    for (const p12 of ['mailbox-rsa', 'legacy-mailbox']) {
      const imported = importPkcs12(db, `${FIXTURES}p12/${p12}.p12`, 'test')
      expect(imported.status, imported.output).toBe(0)
    }
    certutil(db, ['-M', '-n', ROOT, '-t', 'CT,C,'])
    certutil(db, ['-A', '-n', LONG_NICKNAME, '-t', 'C,C,C', '-i', der('ca/ec-root.pem')])
    certutil(db, ['-A', '-n', 'Ünïcode Intermediate', '-t', 'c,p,', '-i', der('ca/ec-intermediate.pem')])
    certutil(db, ['-A', '-n', 'www.example.com (TLS peer)', '-t', 'P,,', '-i', der('certs/tls-server.pem')])
    listing = certutil(db, ['-L'])
  })

  it('finds every nickname with its trust, spaces and all', () => {
    expect(parseCertificateList(listing)).toEqual([
      {nickname: 'Alice Example', trust: 'u,u,u'},
      {nickname: INTERMEDIATE, trust: ',,'},
      {nickname: ROOT, trust: 'CT,C,'},
      {nickname: 'Alice Example', trust: 'u,u,u'},
      {nickname: LONG_NICKNAME, trust: 'C,C,C'},
      {nickname: 'Ünïcode Intermediate', trust: 'c,p,'},
      {nickname: 'www.example.com (TLS peer)', trust: 'P,,'},
    ])
  })

  it('skips the two header lines and the blank line', () => {
    expect(listing.split('\n').slice(0, 3).join('\n')).toMatch(/Certificate Nickname\s+Trust Attributes\n\s+SSL,S\/MIME,JAR\/XPI/)
    expect(parseCertificateList(listing).some((entry) => /Nickname|SSL,S\/MIME/.test(entry.nickname))).toBe(false)
  })

  it('reads the listing of an empty database as no certificates', () => {
    expect(parseCertificateList(certutil(newNssDatabase(), ['-L']))).toEqual([])
  })

  it('reads CRLF line ends', () => {
    expect(parseCertificateList(listing.replaceAll('\n', '\r\n'))).toEqual(parseCertificateList(listing))
  })

  it('pemBlocks returns every certificate that shares a nickname, in DER', () => {
    const blocks = pemBlocks(certutil(db, ['-L', '-n', 'Alice Example', '-a']))
    const hashes = blocks.map((block) => createHash('sha256').update(block).digest('hex'))
    expect(hashes.sort()).toEqual([manifest['certs/mailbox-rsa.pem'].sha256!, manifest['certs/legacy-mailbox.pem'].sha256!].map(plainHex).sort())
  })

  it('pemBlocks returns one certificate for a nickname with one', () => {
    const [root] = pemBlocks(certutil(db, ['-L', '-n', ROOT, '-a']))
    expect(createHash('sha256').update(root).digest('hex')).toBe(plainHex(manifest['ca/root.pem'].sha256!))
  })

  it('pemBlocks ignores text around the blocks and CRLF inside them, and finds nothing in other text', () => {
    const pem = certutil(db, ['-L', '-n', ROOT, '-a'])
    const noisy = `certutil: some notice\r\n${pem.replaceAll('\n', '\r\n')}trailing words\n`
    expect(pemBlocks(noisy)).toEqual(pemBlocks(pem))
    expect(pemBlocks('certutil: Could not find cert: X\n')).toEqual([])
  })

  it('hasPrivateKey is true exactly for the certificates NSS holds a key for', () => {
    const keys = nssTool('certutil', ['-K', '-d', `sql:${db}`, '-f', passwordFile('\n')])
    expect(keys.status, keys.output).toBe(0)
    const withKey = parseCertificateList(listing).filter((entry) => hasPrivateKey(entry.trust))
    expect(withKey.map((entry) => entry.nickname)).toEqual(['Alice Example', 'Alice Example'])
    // certutil -K lists two RSA keys, both for "Alice Example".
    expect(keys.stdout.match(/Alice Example/g)).toHaveLength(2)
  })
})

describe('trust strings', () => {
  it('emailTrust is the middle field', () => {
    expect(emailTrust('CT,C,')).toBe('C')
    expect(emailTrust(',,')).toBe('')
    expect(emailTrust('u,u,u')).toBe('u')
    expect(emailTrust('')).toBe('')
  })

  it('withEmailTrust adds C to the e-mail field and keeps TLS and code-signing trust', () => {
    expect(withEmailTrust(',,')).toBe(',C,')
    expect(withEmailTrust('C,,')).toBe('C,C,')
    expect(withEmailTrust('CT,C,')).toBe('CT,C,')
    expect(withEmailTrust('CT,CT,C')).toBe('CT,CT,C')
    // "valid CA" and "valid peer" are replaced: C says more.
    expect(withEmailTrust('c,c,')).toBe('c,C,')
    expect(withEmailTrust(',p,')).toBe(',C,')
  })

  it('hasPrivateKey looks for u in any field', () => {
    expect(hasPrivateKey('u,u,u')).toBe(true)
    expect(hasPrivateKey('Pu,Pu,Pu')).toBe(true)
    expect(hasPrivateKey('CT,C,')).toBe(false)
    expect(hasPrivateKey(',,')).toBe(false)
  })

  describe('isTrustedEmailIssuer agrees with NSS', () => {
    let db: string
    let leaf: string

    beforeAll(() => {
      db = newNssDatabase({prefix: 'mailcert-trust-'})
      const imported = importPkcs12(db, `${FIXTURES}p12/mailbox-rsa.p12`, 'test')
      expect(imported.status, imported.output).toBe(0)
      leaf = der('certs/mailbox-rsa.pem')
    })

    /** Set the root's trust with certutil -M, and read back the trust string certutil lists for it. */
    function setRootTrust(trust: string): string {
      certutil(db, ['-M', '-n', ROOT, '-t', trust])
      return parseCertificateList(certutil(db, ['-L'])).find((entry) => entry.nickname === ROOT)!.trust
    }

    /** What NSS says about the leaf with the root's current trust: is the root a trusted e-mail anchor? */
    function nssAcceptsLeafForEmail(): boolean {
      return nssTool('vfychain', ['-d', `sql:${db}`, '-pp', '-u', '4', leaf]).status === 0
    }

    // What is set is not always what is listed: certutil shows ",T," as ",c," and "CT,CT," as "CT,C,".
    it.each([',,', ',C,', 'CT,C,', 'C,,', 'c,c,', ',p,', 'CT,CT,', ',TC,', ',T,', 'T,T,T', ',P,'])('root trust set to %s', (trust) => {
      const listed = setRootTrust(trust)
      expect(isTrustedEmailIssuer(listed)).toBe(nssAcceptsLeafForEmail())
    })

    it.each([',,', 'C,,', 'c,c,', ',p,', 'P,P,'])('withEmailTrust of the listed %s makes NSS trust the root for e-mail', (trust) => {
      const listed = setRootTrust(trust)
      const trusted = setRootTrust(withEmailTrust(listed))
      expect(nssAcceptsLeafForEmail()).toBe(true)
      expect(isTrustedEmailIssuer(trusted)).toBe(true)
      // The TLS and code-signing fields are as they were.
      expect([trusted.split(',')[0], trusted.split(',')[2]]).toEqual([listed.split(',')[0], listed.split(',')[2]])
    })
  })
})

describe('classifyNssError on what the tools really say', () => {
  let db: string
  let passwordDb: string

  beforeAll(() => {
    db = newNssDatabase({prefix: 'mailcert-errors-'})
    passwordDb = newNssDatabase({password: 'primary secret', prefix: 'mailcert-errors-pw-'})
  })

  it('pk12util with a wrong PKCS#12 password: bad-password', () => {
    const result = importPkcs12(db, `${FIXTURES}p12/mailbox-rsa.p12`, 'not the password')
    expect(result.status).toBe(18)
    expect(result.output).toContain('SEC_ERROR_BAD_PASSWORD')
    expect(classifyNssError(result.output)).toBe('bad-password')
  })

  it('certutil with a wrong database password: bad-password', () => {
    const result = nssTool('certutil', ['-K', '-d', `sql:${passwordDb}`, '-f', passwordFile('wrong one\n')])
    expect(result.status).not.toBe(0)
    expect(classifyNssError(result.output)).toBe('bad-password')
  })

  it('certutil with the right database password is no error of that kind', () => {
    const result = nssTool('certutil', ['-K', '-d', `sql:${passwordDb}`, '-f', passwordFile('primary secret\n')])
    // An empty database has no keys: certutil says so and fails, but the password was fine.
    expect(classifyNssError(result.output)).not.toBe('bad-password')
  })

  it('vfychain with an untrusted private root: untrusted-issuer', () => {
    const result = nssTool('vfychain', ['-pp', '-u', '4', der('certs/mailbox-rsa.pem'), der('ca/intermediate.pem'), der('ca/root.pem')])
    expect(result.status).not.toBe(0)
    expect(result.output).toContain('-8172')
    expect(classifyNssError(result.output)).toBe('untrusted-issuer')
  })

  it('vfychain without the chain: unknown-issuer', () => {
    const result = nssTool('vfychain', ['-pp', '-u', '4', der('certs/mailbox-rsa.pem')])
    expect(classifyNssError(result.output)).toBe('unknown-issuer')
  })

  it('vfychain with an expired certificate: expired', () => {
    const result = nssTool('vfychain', ['-pp', '-u', '4', der('certs/expired.pem'), der('ca/intermediate.pem'), '-t', der('ca/root.pem')])
    expect(classifyNssError(result.output)).toBe('expired')
  })

  it('vfychain with a TLS server certificate used for e-mail: inadequate-usage', () => {
    for (const usage of ['4', '5']) {
      const result = nssTool('vfychain', ['-pp', '-u', usage, der('certs/tls-server.pem'), der('ca/intermediate.pem'), '-t', der('ca/root.pem')])
      expect(classifyNssError(result.output)).toBe('inadequate-usage')
    }
  })

  it('certutil asked for a nickname that is not there: other', () => {
    const result = nssTool('certutil', ['-L', '-d', `sql:${db}`, '-n', 'No Such Certificate'])
    expect(result.status).not.toBe(0)
    expect(classifyNssError(result.output)).toBe('other')
  })

  it('NSS\'s messages for a read-only and an old-format database', () => {
    // Not reproducible here (the tests run as root; Debian's NSS still opens DBM): NSS's own wording.
    expect(classifyNssError('certutil: could not change trust on certificate: SEC_ERROR_READ_ONLY: security library: read-only database.')).toBe('read-only')
    expect(classifyNssError('certutil: function failed: SEC_ERROR_LEGACY_DATABASE: The certificate/key database is in an old, unsupported format.')).toBe('legacy-database')
  })
})
