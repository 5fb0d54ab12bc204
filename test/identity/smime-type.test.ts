import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import type {Certificate, NameAttribute} from '../../src/identity/certificate-types.js'
import {NAME_ATTRIBUTE_NAMES} from '../../src/identity/oids.js'
import {
  classify,
  reservedPolicy,
  reservedPolicyOid,
  type SmimeGeneration,
  type SmimeType,
  TYPE_LABELS,
} from '../../src/identity/smime-type.js'
import {VECTORS} from '../helpers/fixtures.js'

// pkilint's S/MIME integration vectors, used where they are: <type>/<generation>/<name>.crttest.
const PKILINT_VECTORS = join(VECTORS, 'pkilint-smime')

const FOLDER_TYPES: Record<string, SmimeType> = {
  mailbox: 'mailbox',
  individual: 'individual',
  sponsored: 'sponsor',
  organization: 'organization',
}

interface Vector {
  name: string
  folderType: SmimeType
  folderGeneration: SmimeGeneration
  certificate: Certificate
  /** pkilint's expected findings (CSV) for the certificate linted as the folder's type and generation. */
  findings: string
}

function loadVectors(): Vector[] {
  return readdirSync(PKILINT_VECTORS, {recursive: true, encoding: 'utf8'})
    .filter((path) => path.endsWith('.crttest'))
    .sort()
    .map((path) => {
      const [typeFolder, generationFolder] = path.split(/[\\/]/)
      const text = readFileSync(join(PKILINT_VECTORS, path), 'utf8')
      return {
        name: path,
        folderType: FOLDER_TYPES[typeFolder],
        folderGeneration: generationFolder as SmimeGeneration,
        certificate: parseCertificate(certificatesFromPem(text)[0]),
        findings: text.slice(text.indexOf('-----END CERTIFICATE-----')),
      }
    })
}

const vectors = loadVectors()

describe('classify, against pkilint S/MIME vectors', () => {
  it('finds all 97 vectors', () => {
    expect(vectors).toHaveLength(97)
    expect(new Set(vectors.map((vector) => vector.folderType))).toEqual(
      new Set(['mailbox', 'individual', 'sponsor', 'organization']),
    )
  })

  it.each(vectors)('$name has its folder’s type', ({certificate, folderType}) => {
    expect(classify(certificate).type).toBe(folderType)
  })

  it.each(vectors)('$name has its folder’s generation when it carries a reserved policy OID', (vector) => {
    const result = classify(vector.certificate)
    const carried = vector.certificate.policies.map(reservedPolicy).filter((policy) => policy !== null)
    if (carried.length === 0) {
      expect(result).toMatchObject({basis: 'subject', generation: null})
    } else if (vector.findings.includes('cabf.smime.no_required_reserved_policy_oid')) {
      // pkilint linted it as the folder's generation and expects the finding that its reserved OID is another
      // generation's: the certificate itself claims that other generation, which is what classify reports.
      expect(result).toMatchObject({basis: 'policy', generation: carried[0].generation})
      expect(result.generation).not.toBe(vector.folderGeneration)
    } else {
      expect(result).toMatchObject({basis: 'policy', generation: vector.folderGeneration})
    }
  })

  it('guesses each non-reserved-OID vector from its subject as pkilint does', () => {
    const guessed = vectors.filter((vector) => classify(vector.certificate).basis === 'subject')
    expect(guessed.map((vector) => [vector.name, classify(vector.certificate).type])).toEqual([
      ['mailbox/legacy/invalid_ku_for_ecdsa.crttest', 'mailbox'],
      ['mailbox/strict/prohibited_eku_and_ku.crttest', 'mailbox'],
      ['sponsored/legacy/author.crttest', 'sponsor'],
      ['sponsored/strict/prohibited_attribute_in_strict.crttest', 'sponsor'],
    ])
  })
})

// Certificates built field by field, for the rules the vectors do not reach.
const OIDS_BY_NAME = Object.fromEntries(Object.entries(NAME_ATTRIBUTE_NAMES).map(([oid, name]) => [name, oid]))

interface FakeCertificateOptions {
  subject?: Array<[string, string]>
  emails?: string[]
  policies?: string[]
  ca?: boolean
}

function fakeCertificate({subject = [], emails = [], policies = [], ca = false}: FakeCertificateOptions): Certificate {
  const attributes: NameAttribute[] = subject.map(([type, value]) => ({type, oid: OIDS_BY_NAME[type], value}))
  const name = {attributes, text: '', der: Buffer.alloc(0)}
  return {
    der: Buffer.alloc(0),
    subject: name,
    issuer: name,
    serialHex: '01',
    notBefore: new Date(0),
    notAfter: new Date(0),
    emails,
    emailSources: emails.map(() => 'rfc822Name'),
    malformedAddresses: [],
    keyUsage: ['digitalSignature'],
    keyUsageCritical: true,
    extendedKeyUsage: ['1.3.6.1.5.5.7.3.4'],
    basicConstraints: ca ? {ca: true} : null,
    policies,
    publicKey: {algorithm: 'RSA', bits: 2048, name: 'RSA 2048 bits'},
    signatureAlgorithm: {oid: '1.2.840.113549.1.1.11', name: 'sha256WithRSAEncryption', hash: 'SHA-256'},
    selfSigned: false,
    fingerprints: {sha1: '', sha256: ''},
  }
}

describe('classify, rule by rule', () => {
  const alice = 'alice@example.com'

  it('reads type and generation from a reserved policy OID, whatever the subject says', () => {
    const certificate = fakeCertificate({subject: [['O', 'Example']], emails: [alice], policies: ['1.2.3', '2.23.140.1.5.1.3']})
    expect(classify(certificate)).toEqual({type: 'mailbox', generation: 'strict', basis: 'policy'})
  })

  it('prefers, among reserved OIDs of several types, the one the subject agrees with', () => {
    const subject: Array<[string, string]> = [['O', 'Example'], ['givenName', 'Alice']]
    const policies = ['2.23.140.1.5.2.3', '2.23.140.1.5.3.3']
    expect(classify(fakeCertificate({subject, emails: [alice], policies}))).toMatchObject({type: 'sponsor'})
    expect(classify(fakeCertificate({emails: [alice], policies}))).toMatchObject({type: 'organization'})
  })

  it('ignores OIDs that only look reserved', () => {
    const policies = ['2.23.140.1.5.5.1', '2.23.140.1.5.1.4', '2.23.140.1.5.1', '2.23.140.1.5.1.2.1']
    expect(classify(fakeCertificate({emails: [alice], policies}))).toEqual({
      type: 'mailbox',
      generation: null,
      basis: 'subject',
    })
  })

  it('says unknown for a CA certificate, even one with a reserved OID', () => {
    const certificate = fakeCertificate({subject: [['O', 'Example'], ['CN', 'Example CA']], policies: ['2.23.140.1.5.3.2'], ca: true})
    expect(classify(certificate)).toEqual({type: 'unknown', generation: null, basis: 'none'})
  })

  it('says unknown when there is neither an address nor a name', () => {
    expect(classify(fakeCertificate({subject: [['CN', 'server.example.com']]}))).toEqual({
      type: 'unknown',
      generation: null,
      basis: 'none',
    })
  })

  it.each<[string, FakeCertificateOptions, SmimeType]>([
    ['an address only', {emails: [alice]}, 'mailbox'],
    ['an address in the CN only', {subject: [['CN', alice]]}, 'mailbox'],
    ['a CN that is a name but no name attributes (as pkilint)', {subject: [['CN', 'Alice Example']], emails: [alice]}, 'mailbox'],
    ['a surname', {subject: [['surname', 'Example']], emails: [alice]}, 'individual'],
    ['a given name', {subject: [['givenName', 'Alice']], emails: [alice]}, 'individual'],
    ['a pseudonym', {subject: [['pseudonym', 'Mark Twain']], emails: [alice]}, 'individual'],
    ['O alone', {subject: [['O', 'Example Ltd']], emails: [alice]}, 'organization'],
    ['O and a CN that is an address', {subject: [['O', 'Example Ltd'], ['CN', alice]]}, 'organization'],
    ['O and the same name as CN in other case and spacing', {subject: [['O', 'Example Ltd'], ['CN', 'EXAMPLE  LTD']]}, 'organization'],
    ['O and a personal CN', {subject: [['O', 'Example Ltd'], ['CN', 'Alice Example']]}, 'sponsor'],
    ['O and a given name', {subject: [['O', 'Example Ltd'], ['givenName', 'Alice'], ['CN', alice]]}, 'sponsor'],
    ['O and a pseudonym', {subject: [['O', 'Example Ltd'], ['pseudonym', 'Mark Twain']]}, 'sponsor'],
    ['a blank O', {subject: [['O', ' '], ['CN', alice]]}, 'mailbox'],
  ])('guesses from the subject: %s', (_, options, expected) => {
    expect(classify(fakeCertificate(options))).toEqual({type: expected, generation: null, basis: 'subject'})
  })
})

describe('reserved policy OIDs', () => {
  it('maps each of the twelve OIDs both ways', () => {
    const types = ['mailbox', 'organization', 'sponsor', 'individual'] as const
    const generations = ['legacy', 'multipurpose', 'strict'] as const
    for (const [typeIndex, type] of types.entries()) {
      for (const [generationIndex, generation] of generations.entries()) {
        const oid = `2.23.140.1.5.${typeIndex + 1}.${generationIndex + 1}`
        expect(reservedPolicyOid(type, generation)).toBe(oid)
        expect(reservedPolicy(oid)).toEqual({type, generation})
      }
    }
    expect(reservedPolicy('2.23.140.1.2.1')).toBeNull()
  })
})

describe('TYPE_LABELS', () => {
  it('has the buyer-facing words', () => {
    expect(TYPE_LABELS).toEqual({
      mailbox: 'Email only',
      individual: 'Email and sender name',
      sponsor: 'Email, sender name and company',
      organization: 'Company',
      unknown: 'Unknown type',
    })
  })
})
