import {describe, expect, it} from 'vitest'

import {lintIdentity} from '../../src/identity/findings.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {fixture} from '../helpers/fixtures.js'

async function identityOf(name: string, password = 'test') {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  return openPkcs12(input, password)
}

const codes = (findings: Array<{code: string}>) => findings.map((f) => f.code)

describe('findings that depend on the date', () => {
  it('warns when the certificate expires within 30 days, and errs once it has', async () => {
    const {identity, protection} = await identityOf('p12/mailbox-rsa.p12')
    const notAfter = identity.certificate.notAfter.getTime()
    const at = (ms: number) => lintIdentity(identity, {now: new Date(ms), fromPkcs12: true, protection})

    expect(codes(at(notAfter - 40 * 86_400_000))).not.toContain('expires-soon')
    const soon = at(notAfter - 10 * 86_400_000).find((f) => f.code === 'expires-soon')
    expect(soon).toMatchObject({severity: 'warning', message: expect.stringMatching(/expires in 10 days/)})
    expect(at(notAfter + 1000).find((f) => f.code === 'expired')).toMatchObject({severity: 'error'})
    expect(at(identity.certificate.notBefore.getTime() - 1000).find((f) => f.code === 'not-yet-valid')).toMatchObject({severity: 'error'})
  })
})

describe('every finding has a severity, a stable code, a message and a one-line fix', () => {
  it.each(['p12/tls-server.p12', 'p12/no-keyusage.p12', 'p12/key-mismatch.p12', 'p12/rsa-nomac.p12', 'p12/smtputf8.p12'])('%s', async (name) => {
    const {identity, protection} = await identityOf(name)
    const findings = lintIdentity(identity, {now: new Date('2027-01-01'), fromPkcs12: true, protection})
    expect(findings.length).toBeGreaterThan(0)
    for (const finding of findings) {
      expect(finding.code).toMatch(/^[a-z0-9-]+$/)
      expect(finding.message.length).toBeGreaterThan(10)
      expect(finding.fix).not.toContain('\n')
      expect(['error', 'warning', 'info']).toContain(finding.severity)
    }
  })

  it('calls a TLS certificate what it is', async () => {
    const {identity} = await identityOf('p12/tls-server.p12')
    const finding = lintIdentity(identity, {now: new Date('2027-01-01'), fromPkcs12: true}).find((f) => f.code === 'eku-without-email-protection')
    expect(finding?.message).toBe('This is a TLS (web server) certificate, not one for e-mail.')
  })

  it('says what mailcert does about a file without MAC, with PBMAC1 or with AES', async () => {
    const nomac = await identityOf('p12/rsa-nomac.p12')
    expect(codes(lintIdentity(nomac.identity, {now: new Date('2027-01-01'), fromPkcs12: true, protection: nomac.protection}))).toContain('no-mac')
    const aes = await identityOf('p12/mailbox-rsa.p12')
    expect(codes(lintIdentity(aes.identity, {now: new Date('2027-01-01'), fromPkcs12: true, protection: aes.protection}))).toContain('aes-encryption')
  })
})
