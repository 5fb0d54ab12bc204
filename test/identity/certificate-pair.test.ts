import {describe, expect, it} from 'vitest'

import {ExitCode, UserError} from '../../src/errors.js'
import {pairCertificates} from '../../src/identity/certificate-pair.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {fixture, manifest, plainHex} from '../helpers/fixtures.js'

async function identityOf(name: string, password = 'test') {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error('not PKCS#12')
  return (await openPkcs12(input, password)).identity
}

function refusal(run: () => unknown): UserError {
  try {
    run()
  } catch (error) {
    if (error instanceof UserError) return error
    throw error
  }

  throw new Error('not refused')
}

describe('pairing a signing and an encryption certificate', () => {
  it('tells which is which, in either order', async () => {
    const signing = await identityOf('p12/signing-only-rsa.p12')
    const encryption = await identityOf('p12/encryption-only-rsa.p12')
    const expected = {
      signing: plainHex(manifest['p12/signing-only-rsa.p12'].sha256 ?? ''),
      encryption: plainHex(manifest['p12/encryption-only-rsa.p12'].sha256 ?? ''),
    }
    for (const pair of [pairCertificates(signing, encryption), pairCertificates(encryption, signing)]) {
      expect({signing: pair.signing.certificate.fingerprints.sha256, encryption: pair.encryption.certificate.fingerprints.sha256}).toEqual(expected)
    }
  })

  it.each([
    ['p12/signing-only-rsa.p12', 'p12/bob-rsa.p12', /different addresses/],
    ['p12/signing-only-rsa.p12', 'p12/signing-only-rsa.p12', /same certificate/],
    ['p12/encryption-only-rsa.p12', 'p12/ec-keyencipherment-only.p12', /Neither certificate can sign/],
    ['p12/signing-only-rsa.p12', 'p12/mailbox-rsa.p12', /no telling which/],
    ['p12/mailbox-rsa.p12', 'p12/encryption-only-rsa.p12', /no telling which/],
  ])('refuses %s with %s in one sentence, exit 4', async (one, two, message) => {
    const [first, second] = [await identityOf(one), await identityOf(two)]
    const error = refusal(() => pairCertificates(first, second))
    expect(error.message).toMatch(message)
    expect(error.message.split(/[.;] /)).toHaveLength(1)
    expect(error.exitCode).toBe(ExitCode.unreadableInput)
    expect(error.code).toBe('not-a-certificate-pair')
  })
})
