#!/usr/bin/env zx
// Generates the private test PKI and the PKCS#12 / certificate fixtures in test/fixtures/, and
// test/fixtures/manifest.json, which says what a correct reader should find in each file.
//
//   npx zx scripts/make-fixtures.mjs           (or: npm run fixtures)
//   npx zx scripts/make-fixtures.mjs --extra   only the later additions (see EXTRA below)
//
// Needs openssl 3.x (with the legacy provider, for RC2), NSS's certutil/pk12util, python3 and,
// for the ML-DSA key, a python3 `cryptography` with ML-DSA (48.0 was used; OpenSSL 3.0 has none).
// Everything this script makes in test/fixtures/ is deleted and made again (README.md and the
// thunderbird/ files, which Thunderbird itself wrote, are kept); keys are random, so every
// run changes every file. CA private keys stay in a temporary folder and are thrown away.
// With --extra only the fixtures issued by the extra CA are made again, and their manifest entries
// replaced: every other file stays byte for byte as it was.
// Passwords only ever reach a child process through a file (openssl -passin/-passout file:,
// pk12util -w), never through its argument list.

import {$, echo, fs, path, tmpdir} from 'zx'
import crypto from 'node:crypto'
import os from 'node:os'
import {fileURLToPath} from 'node:url'
import forge from 'node-forge'

$.verbose = false
$.quiet = true
// NSS tools prompt when something is off, and on a closed stdin some prompts repeat forever
// ("Invalid password. Try again."): give them no input and a time limit.
const $nss = $({input: '', timeout: '60s'})

const started = Date.now()
const EXTRA_ONLY = process.argv.includes('--extra')
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const OUT = path.join(REPO, 'test', 'fixtures')
const TMP = tmpdir() // a new random folder under os.tmpdir()

// ---------------------------------------------------------------------------------------------
// What to make
// ---------------------------------------------------------------------------------------------

// Fixed dates keep the manifest stable between runs. CA validity covers the expired leaf too, so
// that "expired" is the only thing wrong with it. UTCTime ends in 2049.
const CA_VALIDITY = {start: '20190101000000Z', end: '20491231235959Z'}
const LEAF_VALIDITY = {start: '20250101000000Z', end: '20361231235959Z'}

const PASSWORD = 'test'
const NON_ASCII_PASSWORD = 'pässwörd'
const FRIENDLY_NAME = 'Alice Example'
const ALICE = 'alice@example.com'

// CA/Browser Forum S/MIME BR policy OIDs: 2.23.140.1.5.<type>.<generation>
const POLICY = {
  mailboxLegacy: '2.23.140.1.5.1.1',
  mailboxStrict: '2.23.140.1.5.1.3',
  organizationLegacy: '2.23.140.1.5.2.1',
  sponsorStrict: '2.23.140.1.5.3.3',
  individualMultipurpose: '2.23.140.1.5.4.2',
  individualStrict: '2.23.140.1.5.4.3',
}

const RSA_2048 = {algorithm: 'RSA', bits: 2048}
const RSA_KU = 'digitalSignature, keyEncipherment'
const EC_KU = 'digitalSignature, keyAgreement'

// Subjects in DER order (most significant RDN first), as openssl -subj wants them.
const SUBJECT = {
  mailbox: [['CN', ALICE]],
  individual: [['GN', 'Alice'], ['SN', 'Example'], ['CN', 'Alice Example']],
  sponsor: [['C', 'DE'], ['O', 'Example GmbH'], ['GN', 'Alice'], ['SN', 'Example'], ['CN', 'Alice Example']],
  organization: [['C', 'DE'], ['O', 'Example GmbH'], ['CN', 'Example GmbH']],
}

const CAS = {
  root: {cn: 'mailcert Test Root CA', key: RSA_2048, md: 'sha256', issuer: null},
  intermediate: {cn: 'mailcert Test Intermediate CA', key: RSA_2048, md: 'sha256', issuer: 'root'},
  'ec-root': {cn: 'mailcert Test EC Root CA', key: {algorithm: 'EC', curve: 'P-384'}, md: 'sha384', issuer: null},
  'ec-intermediate': {
    cn: 'mailcert Test EC Intermediate CA',
    key: {algorithm: 'EC', curve: 'P-384'},
    md: 'sha384',
    issuer: 'ec-root',
  },
  // EXTRA: fixtures added after the first set was committed. Their own CA (whose key is thrown away
  // like the others) lets --extra make them again without touching any other file.
  'extra-root': {cn: 'mailcert Test Extra Root CA', key: RSA_2048, md: 'sha256', issuer: null, extra: true},
}

// The chain each issuing CA adds to a PKCS#12 file, nearest first.
const CHAIN = {
  intermediate: ['intermediate', 'root'],
  'ec-intermediate': ['ec-intermediate', 'ec-root'],
  'extra-root': ['extra-root'],
}

const MAILBOX = {subject: SUBJECT.mailbox, policy: POLICY.mailboxStrict, type: 'mailbox', generation: 'strict'}
const INDIVIDUAL = {
  subject: SUBJECT.individual,
  policy: POLICY.individualMultipurpose,
  type: 'individual',
  generation: 'multipurpose',
}
const EC_INDIVIDUAL = {ku: EC_KU, policy: POLICY.individualStrict, type: 'individual', generation: 'strict'}

// Leaf certificates. Defaults (see leafSpec): RSA-2048, issued by the RSA intermediate, keyUsage
// digitalSignature+keyEncipherment, EKU emailProtection, SAN = the e-mail addresses, no findings.
const LEAVES = [
  {
    name: 'mailbox-rsa',
    ...MAILBOX,
    serial: '8F1A2B3C4D5E6F7011',
    notes: 'serial has the high bit set: DER INTEGER 00 8F 1A …',
  },
  {name: 'individual-rsa', ...INDIVIDUAL},
  {
    name: 'sponsor-rsa',
    subject: SUBJECT.sponsor,
    emails: [ALICE, 'alice.example@example.org'],
    policy: POLICY.sponsorStrict,
    type: 'sponsor',
    generation: 'strict',
  },
  {
    name: 'organization-rsa',
    subject: SUBJECT.organization,
    emails: ['info@example.com'],
    policy: POLICY.organizationLegacy,
    type: 'organization',
    generation: 'legacy',
    expect: ['legacy-generation'],
  },
  // No certificatePolicies: the type has to be guessed from the subject, the generation is unknown.
  {name: 'nopolicy-mailbox', subject: SUBJECT.mailbox, policy: null, type: 'mailbox'},
  {name: 'nopolicy-individual', subject: SUBJECT.individual, policy: null, type: 'individual'},
  {
    name: 'nopolicy-sponsor',
    subject: SUBJECT.sponsor,
    emails: [ALICE, 'alice.example@example.org'],
    policy: null,
    type: 'sponsor',
  },
  {
    name: 'nopolicy-organization',
    subject: SUBJECT.organization,
    emails: ['info@example.com'],
    policy: null,
    type: 'organization',
  },
  {
    name: 'ec-p256',
    ...EC_INDIVIDUAL,
    subject: [['CN', 'Alice Example EC']],
    key: {algorithm: 'EC', curve: 'P-256'},
    serial: '1A2B3C4D5E6F7011',
    notes: 'ECDSA leaf under the RSA chain; serial without a leading 00',
  },
  {
    name: 'ec-p384',
    ...EC_INDIVIDUAL,
    subject: [['CN', 'Alice Example EC']],
    key: {algorithm: 'EC', curve: 'P-384'},
    issuer: 'ec-intermediate',
  },
  {
    name: 'ec-p521',
    ...EC_INDIVIDUAL,
    subject: [['CN', 'Alice Example EC']],
    key: {algorithm: 'EC', curve: 'P-521'},
    issuer: 'ec-intermediate',
  },
  {
    name: 'ed25519',
    ...EC_INDIVIDUAL,
    ku: 'digitalSignature',
    subject: [['CN', 'Alice Example Ed25519']],
    key: {algorithm: 'Ed25519'},
    issuer: 'ec-intermediate',
  },
  {name: 'bob-rsa', ...MAILBOX, subject: [['CN', 'bob@example.com']], emails: ['bob@example.com']},
  {name: 'legacy-mailbox', ...MAILBOX, policy: POLICY.mailboxLegacy, generation: 'legacy', expect: ['legacy-generation']},

  // Problem certificates: like individual-rsa except for the one defect.
  {
    name: 'tls-server',
    ...INDIVIDUAL,
    eku: 'serverAuth',
    emails: [],
    san: ['DNS.1 = www.example.com'],
    expect: ['no-email', 'eku-without-email-protection'],
    notes: 'TLS server certificate: EKU serverAuth only, SAN dNSName only',
  },
  {name: 'no-email', ...INDIVIDUAL, emails: [], expect: ['no-email'], notes: 'no SAN, no emailAddress'},
  {
    name: 'subject-email-only',
    ...INDIVIDUAL,
    subject: [...SUBJECT.individual, ['emailAddress', ALICE]],
    san: [],
    notes: 'no SAN; the address is only in the subject emailAddress attribute (RFC 8550 says readers must accept it)',
  },
  {name: 'eku-client-only', ...INDIVIDUAL, eku: 'clientAuth', expect: ['eku-without-email-protection']},
  {name: 'no-keyusage', ...INDIVIDUAL, ku: null, expect: ['no-key-usage']},
  {name: 'rsa-1024', ...INDIVIDUAL, key: {algorithm: 'RSA', bits: 1024}, expect: ['rsa-key-too-small']},
  {name: 'sha1-signature', ...INDIVIDUAL, md: 'sha1', expect: ['sha1-signature'], notes: 'sha1WithRSAEncryption'},
  {
    name: 'smtputf8',
    ...INDIVIDUAL,
    emails: ['jörg@exämple.de'],
    // FORMAT:UTF8 makes openssl take the config bytes as UTF-8; without it they are read as
    // Latin-1 and end up double-encoded. A [san] section is needed because the inline form
    // splits the value at the comma.
    san: ['otherName.1 = 1.3.6.1.5.5.7.8.9;FORMAT:UTF8,UTF8String:jörg@exämple.de'],
    expect: ['non-ascii-mailbox'],
    notes: 'SAN has only an otherName SmtpUTF8Mailbox (1.3.6.1.5.5.7.8.9), UTF8String, no rfc822Name',
  },
  {
    name: 'expired',
    ...INDIVIDUAL,
    validity: {start: '20200101000000Z', end: '20210101000000Z'},
    expect: ['expired'],
  },
  {
    name: 'not-yet-valid',
    ...INDIVIDUAL,
    validity: {start: '20400101000000Z', end: '20420101000000Z'},
    expect: ['not-yet-valid'],
  },
  ...extraLeaves(),
].map(leafSpec)

// Issued by the extra CA (see CAS['extra-root']); like individual-rsa except for what each is about.
function extraLeaves() {
  const extra = {...INDIVIDUAL, issuer: 'extra-root', extra: true}
  return [
    {
      name: 'crlsign-only',
      ...extra,
      ku: 'cRLSign',
      expect: ['key-usage-not-for-mail'],
      notes: 'keyUsage cRLSign only: allows neither signing nor encryption',
    },
    {
      name: 'ec-keyencipherment-only',
      ...extra,
      key: {algorithm: 'EC', curve: 'P-256'},
      ku: 'keyEncipherment',
      expect: ['key-usage-not-for-mail'],
      notes: 'EC key with keyUsage keyEncipherment only: an EC key is encrypted to by keyAgreement, so it allows neither',
    },
    {
      name: 'subject-and-san',
      ...extra,
      subject: [...SUBJECT.individual, ['emailAddress', 'alice.example@example.net']],
      emails: [ALICE, 'alice@example.org', 'a.example@example.com', 'alice.example@example.net'],
      san: ['email.1 = alice@example.com', 'email.2 = alice@example.org', 'email.3 = a.example@example.com'],
      notes: 'three SAN addresses and a fourth, different one in the subject emailAddress: mail clients accept all four',
    },
    {
      name: 'san-two-in-one',
      ...extra,
      emails: [ALICE],
      san: ['email.1 = alice@example.com', 'email.2 = alice@example.org bob@example.org'],
      expect: ['malformed-address'],
      notes: 'the second rfc822Name holds two addresses separated by a space',
    },
    {
      name: 'no-expiry',
      ...extra,
      validity: {start: LEAF_VALIDITY.start, end: '99991231235959Z'},
      notes: 'notAfter 99991231235959Z: no well-defined expiration date (RFC 5280 4.1.2.5)',
    },
    // Living with S/MIME (renewal, separate signing and encryption certificates): Alice's other certificates.
    {
      name: 'renewed-rsa',
      ...extra,
      ...MAILBOX,
      validity: {start: '20260101000000Z', end: '20381231235959Z'},
      notes: "Alice's next certificate (a new key, a later notAfter): installed over mailbox-rsa it is a renewal",
    },
    {
      name: 'signing-only-rsa',
      ...extra,
      ...MAILBOX,
      ku: 'digitalSignature, nonRepudiation',
      notes: 'keyUsage digitalSignature and nonRepudiation only: the signing half of a separate signing and encryption pair',
    },
    {
      name: 'encryption-only-rsa',
      ...extra,
      ...MAILBOX,
      ku: 'keyEncipherment',
      expect: ['cannot-sign'],
      notes: 'keyUsage keyEncipherment only: the encryption half of a separate signing and encryption pair',
    },
    {
      name: 'mldsa44',
      ...extra,
      key: {algorithm: 'ML-DSA', name: 'ML-DSA-44'},
      ku: 'digitalSignature',
      expect: ['key-not-for-mail-clients'],
      notes:
        'ML-DSA-44 key made by python3 cryptography (OpenSSL 3.0 cannot); the certificate is issued for a throwaway RSA key, ' +
        'then its subjectPublicKeyInfo and subjectKeyIdentifier are replaced and it is signed again by the extra CA. No PKCS#12 file: ' +
        'no tool here writes one with an ML-DSA key',
    },
  ]
}

function leafSpec(spec) {
  const key = spec.key ?? RSA_2048
  const emails = spec.emails ?? [ALICE]
  return {
    issuer: 'intermediate',
    ku: key.algorithm === 'RSA' ? RSA_KU : EC_KU,
    eku: 'emailProtection',
    san: emails.map((email, i) => `email.${i + 1} = ${email}`),
    validity: LEAF_VALIDITY,
    generation: null,
    expect: [],
    notes: null,
    ...spec,
    key,
    emails,
  }
}

const LEAF = Object.fromEntries(LEAVES.map((leaf) => [leaf.name, leaf]))

// `openssl pkcs12 -export` options for each variant (research/prototype.md §0).
const THREE_DES = ['-certpbe', 'PBE-SHA1-3DES', '-keypbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']
const VARIANTS = [
  {variant: 'legacy', options: ['-legacy'], mac: 'sha1'},
  {variant: '3des-sha1', options: THREE_DES, mac: 'sha1'},
  {variant: 'nomac', options: ['-nomac'], mac: null},
  {variant: 'legacy-nomac', options: ['-legacy', '-nomac'], mac: null},
  {variant: 'certpbe-none', options: ['-certpbe', 'NONE']},
  {variant: 'plain-nomac', options: ['-certpbe', 'NONE', '-keypbe', 'NONE', '-nomac'], mac: null},
  {variant: 'emptypw', password: ''},
  {variant: 'emptypw-legacy', password: '', options: ['-legacy'], mac: 'sha1'},
  {variant: 'nonascii', password: NON_ASCII_PASSWORD},
  {variant: 'nonascii-legacy', password: NON_ASCII_PASSWORD, options: ['-legacy'], mac: 'sha1'},
  {variant: 'nonascii-3des', password: NON_ASCII_PASSWORD, options: THREE_DES, mac: 'sha1'},
  {variant: 'iter600k', options: ['-iter', '600000']},
  {variant: 'mac-sha512', options: ['-macalg', 'sha512'], mac: 'sha512'},
  {variant: 'aes128', options: ['-keypbe', 'AES-128-CBC', '-certpbe', 'AES-128-CBC']},
  {variant: 'noname', friendlyName: null},
  {variant: 'leafonly', chain: false, expect: ['chain-incomplete']},
  {
    variant: 'chain-reversed',
    make: makeChainReversed,
    order: 'reversed',
    notes:
      'certificate bags in the order root, intermediate, leaf (the leaf bag, with localKeyID and friendlyName, is last); ' +
      'certificates unencrypted because the bags were reordered after export and the MAC recomputed',
  },
]

const NSS_3DES = 'PKCS #12 V2 PBE With SHA-1 And 3KEY Triple DES-CBC'

function p12Jobs() {
  const jobs = []
  for (const leaf of ['mailbox-rsa', 'ec-p256', 'ec-p384', 'ec-p521', 'ed25519']) {
    jobs.push({file: `p12/${leaf}.p12`, leaf, mac: 'sha256', notes: 'OpenSSL 3 default export'})
  }
  for (const [prefix, leaf] of [['rsa', 'mailbox-rsa'], ['ec', 'ec-p256']]) {
    for (const {variant, ...job} of VARIANTS) jobs.push({file: `p12/${prefix}-${variant}.p12`, leaf, ...job})
  }
  const nssExport = {
    password: NON_ASCII_PASSWORD,
    make: makeNssExport,
    order: 'any',
    mac: 'sha256',
    notes: 'pk12util -o default: BER, 600000 iterations',
  }
  jobs.push(
    {file: 'p12/rsa-nss-export.p12', leaf: 'mailbox-rsa', ...nssExport},
    {file: 'p12/ec-nss-export.p12', leaf: 'ec-p256', ...nssExport},
    {
      file: 'p12/rsa-nss-export-3des.p12',
      leaf: 'mailbox-rsa',
      ...nssExport,
      nssOptions: ['-c', NSS_3DES, '-C', NSS_3DES, '-M', 'SHA-1'],
      mac: 'sha1',
      notes: `pk12util -o -c/-C "${NSS_3DES}" -M SHA-1`,
    },
    {
      file: 'p12/certs-only.p12',
      leaf: 'mailbox-rsa',
      options: ['-nokeys'],
      keyOf: null,
      friendlyName: null,
      expect: ['no-private-key'],
      notes:
        'openssl pkcs12 -export -nokeys: three certificate bags, no key, ' +
        'no friendlyName (-name only applies to the key and its certificate)',
    },
    {
      file: 'p12/key-mismatch.p12',
      leaf: 'mailbox-rsa',
      keyOf: 'bob-rsa',
      make: makeKeyMismatch,
      mac: 'sha1',
      expect: ['key-mismatch'],
      notes: "written by node-forge: Bob's private key with Alice's certificate (same localKeyID on both)",
    },
  )
  const singles = [
    'individual-rsa', 'sponsor-rsa', 'organization-rsa', 'bob-rsa', 'legacy-mailbox', 'tls-server', 'expired',
    'not-yet-valid', 'no-keyusage', 'rsa-1024', 'no-email', 'eku-client-only', 'smtputf8', 'sha1-signature',
    'subject-email-only',
  ]
  for (const leaf of singles) {
    jobs.push({file: `p12/${leaf}.p12`, leaf, ...(leaf === 'bob-rsa' ? {friendlyName: 'Bob Example'} : {})})
  }
  for (const leaf of ['crlsign-only', 'ec-keyencipherment-only', 'subject-and-san', 'san-two-in-one', 'no-expiry', 'renewed-rsa', 'signing-only-rsa', 'encryption-only-rsa']) {
    jobs.push({file: `p12/${leaf}.p12`, leaf, extra: true})
  }
  return jobs.map((job) => ({
    password: PASSWORD,
    friendlyName: FRIENDLY_NAME,
    chain: true,
    options: [],
    make: exportP12,
    keyOf: job.leaf,
    expect: [],
    notes: null,
    ...job,
  }))
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const out = (...parts) => path.join(OUT, ...parts)
const tmp = (...parts) => path.join(TMP, ...parts)

function assert(condition, message) {
  if (!condition) throw new Error(`fixture check failed: ${message}`)
}

// Runs fn over items, at most `limit` at a time (the 600000-iteration files take seconds each).
async function inParallel(items, fn, limit = Math.max(2, os.availableParallelism())) {
  const results = []
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i])
    }
  }
  // allSettled: on a failure, let the other workers finish before the temporary folder goes.
  const settled = await Promise.allSettled(Array.from({length: limit}, worker))
  const failed = settled.find((result) => result.status === 'rejected')
  if (failed) throw failed.reason
  return results
}

// One file per password. openssl reads the first line; pk12util strips the trailing newline. The
// newline is also what lets an empty password through both tools (an empty file is an error).
const passwordFiles = new Map()
async function pwFile(password) {
  if (!passwordFiles.has(password)) {
    const file = tmp('pw', `${passwordFiles.size}.txt`)
    await fs.outputFile(file, `${password}\n`, {mode: 0o600})
    passwordFiles.set(password, file)
  }
  return passwordFiles.get(password)
}

// openssl -subj syntax: /type=value/..., with / and \ escaped.
const subj = (rdns) => rdns.map(([type, value]) => `/${type}=${value.replace(/[/\\]/g, '\\$&')}`).join('')

// A positive 128-bit serial whose first byte is 0x10..0x7F: no leading 00 and no sign problems.
function randomSerial() {
  const bytes = crypto.randomBytes(16)
  bytes[0] = 0x10 + (bytes[0] % 0x70)
  return bytes.toString('hex').toUpperCase()
}

// The DER INTEGER content bytes of a serial (node's serialNumber drops a leading 00).
function serialDer(serial) {
  const hex = serial.length % 2 ? `0${serial}` : serial
  return (parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex).toUpperCase()
}

// ---------------------------------------------------------------------------------------------
// PKI
// ---------------------------------------------------------------------------------------------

// `openssl ca` (rather than `x509 -req`) because it takes exact -startdate/-enddate. -preserveDN
// keeps every subject attribute in request order; unique_subject = no because several fixtures
// share a subject.
async function setUpCa() {
  await fs.ensureDir(tmp('ca-db', 'new'))
  await fs.writeFile(tmp('ca-db', 'index.txt'), '')
  await fs.writeFile(
    tmp('ca.cnf'),
    [
      '[ca]',
      'default_ca = CA_default',
      '[CA_default]',
      `database = ${tmp('ca-db', 'index.txt')}`,
      `serial = ${tmp('ca-db', 'serial')}`,
      `new_certs_dir = ${tmp('ca-db', 'new')}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'copy_extensions = none',
      '[policy_any]',
      'commonName = optional',
      '[req]',
      'distinguished_name = req_dn',
      '[req_dn]',
      '',
    ].join('\n'),
  )
}

async function genKey(key, file) {
  if (key.algorithm === 'ML-DSA') return genMlDsaKey(file, `${file}.spki.der`)
  const algorithm = {
    RSA: ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${key.bits}`],
    EC: ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${key.curve}`, '-pkeyopt', 'ec_param_enc:named_curve'],
    Ed25519: ['-algorithm', 'ED25519'],
  }[key.algorithm]
  await $`openssl genpkey ${algorithm} -out ${file}`
}

// Issues a certificate for keyFile. issuer null means self-signed.
async function issue({name, keyFile, subject, issuer, extensions, serial, validity, md, certFile}) {
  const csr = tmp('csr', `${name}.csr`)
  const extFile = tmp('ext', `${name}.cnf`)
  await fs.ensureDir(path.dirname(csr))
  await fs.outputFile(extFile, `${extensions.join('\n')}\n`)
  await fs.writeFile(tmp('ca-db', 'serial'), `${serial ?? randomSerial()}\n`)
  await $`openssl req -new -config ${tmp('ca.cnf')} -utf8 -key ${keyFile} -subj ${subj(subject)} -out ${csr}`
  const signer = issuer
    ? ['-cert', out('ca', `${issuer}.pem`), '-keyfile', tmp('ca', `${issuer}.key.pem`)]
    : ['-selfsign', '-keyfile', keyFile]
  const dates = ['-startdate', validity.start, '-enddate', validity.end]
  const files = ['-in', csr, '-out', certFile, '-extfile', extFile, '-extensions', 'ext']
  await $`openssl ca -config ${tmp('ca.cnf')} -batch -notext -preserveDN -utf8 ${signer} ${dates} -md ${md} ${files}`
}

async function makeCa(name) {
  const ca = CAS[name]
  const keyFile = tmp('ca', `${name}.key.pem`)
  await fs.ensureDir(tmp('ca'))
  await genKey(ca.key, keyFile)
  const extensions = ca.issuer
    ? [
        'basicConstraints = critical, CA:TRUE, pathlen:0',
        'keyUsage = critical, keyCertSign, cRLSign',
        // An S/MIME issuing CA is restricted to emailProtection (S/MIME BR 7.1.2.2).
        'extendedKeyUsage = emailProtection',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid:always',
      ]
    : ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash']
  await issue({
    name,
    keyFile,
    subject: [['O', 'mailcert Test PKI'], ['CN', ca.cn]],
    issuer: ca.issuer,
    extensions: ['[ext]', ...extensions],
    validity: CA_VALIDITY,
    md: ca.md,
    certFile: out('ca', `${name}.pem`),
  })
}

// OpenSSL 3.0 knows no ML-DSA; python3's cryptography (OpenSSL 3.5 or later inside) does. PKCS#8 PEM, and the SPKI.
const ML_DSA_KEYGEN = `
import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import mldsa
key = mldsa.MLDSA44PrivateKey.generate()
open(sys.argv[1], 'wb').write(key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
open(sys.argv[2], 'wb').write(key.public_key().public_bytes(s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo))
`

const CHECK_ISSUED_BY = `
import sys
from cryptography import x509
leaf, issuer = (x509.load_pem_x509_certificate(open(name, 'rb').read()) for name in sys.argv[1:3])
leaf.verify_directly_issued_by(issuer)
print(leaf.public_key().__class__.__name__)
`

async function genMlDsaKey(keyFile, spkiFile) {
  await $({input: ML_DSA_KEYGEN})`python3 - ${keyFile} ${spkiFile}`
}

// OpenSSL 3.0 cannot issue a certificate for a key it cannot load: issue one for a throwaway RSA key, then put
// the real subjectPublicKeyInfo (and its RFC 5280 method-1 key identifier) in and sign the TBSCertificate again.
async function reissueForKey(certFile, spkiDer, issuerKeyFile) {
  const {asn1} = forge
  const oidOf = (node) => asn1.derToOid(node.value)
  const parse = (der) => asn1.fromDer(der.toString('binary'), {decodeBitStrings: false})
  const toDer = (node) => Buffer.from(asn1.toDer(node).getBytes(), 'binary')
  const template = new crypto.X509Certificate(await fs.readFile(certFile)).raw
  const certificate = parse(template)
  const [tbs, signatureAlgorithm] = certificate.value
  const fields = tbs.value // [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
  const spki = parse(spkiDer)
  fields[6] = spki
  const publicKeyBits = Buffer.from(spki.value[1].value, 'binary').subarray(1)
  const keyId = crypto.createHash('sha1').update(publicKeyBits).digest()
  for (const extension of fields[7].value[0].value) {
    if (oidOf(extension.value[0]) !== '2.5.29.14') continue
    const octets = extension.value.at(-1)
    octets.value = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, keyId.toString('binary'))).getBytes()
  }
  assert(oidOf(signatureAlgorithm.value[0]) === '1.2.840.113549.1.1.11', 'the extra CA signs with sha256WithRSAEncryption')
  const signature = crypto.sign('sha256', toDer(tbs), await fs.readFile(issuerKeyFile))
  certificate.value[2] = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, `\x00${signature.toString('binary')}`)
  const der = toDer(certificate)
  await fs.writeFile(certFile, `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`)
}

async function makeLeaf(leaf) {
  const keyFile = out('keys', `${leaf.name}.key.pem`)
  await genKey(leaf.key, keyFile)
  const foreignKey = leaf.key.algorithm === 'ML-DSA'
  const issuingKey = foreignKey ? tmp('keys', `${leaf.name}.template.key.pem`) : keyFile
  if (foreignKey) {
    await fs.ensureDir(tmp('keys'))
    await genKey(RSA_2048, issuingKey)
  }
  const extensions = [
    '[ext]',
    'basicConstraints = critical, CA:FALSE',
    ...(leaf.ku ? [`keyUsage = critical, ${leaf.ku}`] : []),
    `extendedKeyUsage = ${leaf.eku}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    ...(leaf.policy ? [`certificatePolicies = ${leaf.policy}`] : []),
    ...(leaf.san.length ? ['subjectAltName = @san', '[san]', ...leaf.san] : []),
  ]
  await issue({
    name: leaf.name,
    keyFile: issuingKey,
    subject: leaf.subject,
    issuer: leaf.issuer,
    extensions,
    serial: leaf.serial,
    validity: leaf.validity,
    md: leaf.md ?? CAS[leaf.issuer].md,
    certFile: out('certs', `${leaf.name}.pem`),
  })
  if (foreignKey) {
    const spki = await fs.readFile(`${keyFile}.spki.der`)
    await fs.remove(`${keyFile}.spki.der`)
    await reissueForKey(out('certs', `${leaf.name}.pem`), spki, tmp('ca', `${leaf.issuer}.key.pem`))
    const der = new crypto.X509Certificate(await fs.readFile(out('certs', `${leaf.name}.pem`))).raw
    assert(der.includes(spki), `${leaf.name}: the certificate does not hold the key`)
    // OpenSSL 3.0's verify gives up on a key it cannot decode; python3's cryptography checks the CA's signature.
    await $({input: CHECK_ISSUED_BY})`python3 - ${out('certs', `${leaf.name}.pem`)} ${certPem(leaf.issuer)}`
  }
}

// ---------------------------------------------------------------------------------------------
// PKCS#12
// ---------------------------------------------------------------------------------------------

const certPem = (name) => (CAS[name] ? out('ca', `${name}.pem`) : out('certs', `${name}.pem`))

async function chainFile(names) {
  const file = tmp('chains', `${names.join('+')}.pem`)
  if (!(await fs.pathExists(file))) {
    const pems = await Promise.all(names.map((name) => fs.readFile(certPem(name), 'utf8')))
    await fs.outputFile(file, pems.join(''))
  }
  return file
}

async function exportP12(job, file = out(job.file), chain = CHAIN[LEAF[job.leaf].issuer]) {
  const args = ['-in', certPem(job.leaf), '-passout', `file:${await pwFile(job.password)}`, '-out', file]
  if (!job.options.includes('-nokeys')) args.push('-inkey', out('keys', `${job.leaf}.key.pem`))
  if (job.friendlyName != null) args.push('-name', job.friendlyName)
  if (job.chain) args.push('-certfile', await chainFile(chain))
  await $`openssl pkcs12 -export ${args} ${job.options}`
}

// openssl always writes the bag of the certificate that matches the key first. So export with the
// chain root-first and the certificates unencrypted, then move the leaf's bag to the end of its
// SafeContents and compute the MAC again.
async function makeChainReversed(job) {
  const draft = tmp('drafts', path.basename(job.file))
  await fs.ensureDir(path.dirname(draft))
  await exportP12({...job, options: ['-certpbe', 'NONE']}, draft, [...CHAIN[LEAF[job.leaf].issuer]].reverse())
  await fs.writeFile(out(job.file), moveKeyedCertBagsLast(await fs.readFile(draft), job.password))
}

function moveKeyedCertBagsLast(der, password) {
  const {asn1, pki} = forge
  const oid = (node) => asn1.derToOid(node.value)
  // PFX ::= SEQUENCE { version, authSafe ContentInfo (data: OCTET STRING), macData }
  const pfx = asn1.fromDer(der.toString('binary'))
  const [, authSafe, macData] = pfx.value
  const authSafeOctets = authSafe.value[1].value[0]
  const contentInfos = asn1.fromDer(authSafeOctets.value)
  for (const contentInfo of contentInfos.value) {
    if (oid(contentInfo.value[0]) !== pki.oids.data) continue // encrypted: the key, here
    const octets = contentInfo.value[1].value[0]
    const safeContents = asn1.fromDer(octets.value)
    // SafeBag ::= SEQUENCE { bagId, [0] bagValue, bagAttributes SET OPTIONAL }
    const keyed = (bag) => Boolean(bag.value[2]?.value.some((attr) => oid(attr.value[0]) === pki.oids.localKeyId))
    safeContents.value.sort((a, b) => Number(keyed(a)) - Number(keyed(b))) // stable: CA order is kept
    octets.value = asn1.toDer(safeContents).getBytes()
  }
  authSafeOctets.value = asn1.toDer(contentInfos).getBytes()

  // MacData ::= SEQUENCE { DigestInfo { AlgorithmIdentifier, digest }, macSalt, iterations }
  const [digestInfo, salt, iterations] = macData.value
  const mdName = pki.oids[oid(digestInfo.value[0].value[0])]
  const md = forge.md[mdName].create()
  const count = asn1.derToInteger(iterations.value)
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt.value), 3, count, md.digestLength, md)
  digestInfo.value[1].value = crypto
    .createHmac(mdName, Buffer.from(macKey.getBytes(), 'binary'))
    .update(Buffer.from(authSafeOctets.value, 'binary'))
    .digest()
    .toString('binary')
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary')
}

// openssl refuses a key that does not match the certificate; node-forge does not check.
async function makeKeyMismatch(job) {
  const key = forge.pki.privateKeyFromPem(await fs.readFile(out('keys', `${job.keyOf}.key.pem`), 'utf8'))
  const names = [job.leaf, ...CHAIN[LEAF[job.leaf].issuer]]
  const pems = await Promise.all(names.map((name) => fs.readFile(certPem(name), 'utf8')))
  const certs = pems.map((pem) => forge.pki.certificateFromPem(pem))
  const p12 = forge.pkcs12.toPkcs12Asn1(key, certs, job.password, {algorithm: '3des', friendlyName: job.friendlyName})
  await fs.writeFile(out(job.file), Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'))
}

// certutil -N runs once (in main, before any parallel work: on an existing database it prompts);
// every import then gets a copy of that empty database.
async function makeNssTemplate() {
  await fs.ensureDir(tmp('nss-template'))
  await $nss`certutil -N --empty-password -d ${`sql:${tmp('nss-template')}`}`
}

async function emptyNssDb() {
  const dir = tmp('nss', crypto.randomUUID())
  await fs.copy(tmp('nss-template'), dir)
  return dir
}

// Import the identity into a fresh NSS database and export it again with pk12util.
async function makeNssExport(job) {
  const source = tmp('drafts', `nss-source-${path.basename(job.file)}`)
  await fs.ensureDir(path.dirname(source))
  await exportP12({...job, password: PASSWORD}, source)
  const db = `sql:${await emptyNssDb()}`
  await $nss`pk12util -i ${source} -d ${db} -w ${await pwFile(PASSWORD)}`
  const password = ['-w', await pwFile(job.password)]
  await $nss`pk12util -o ${out(job.file)} -n ${job.friendlyName} -d ${db} ${password} ${job.nssOptions ?? []}`
}

// ---------------------------------------------------------------------------------------------
// Reading the results back (this is the verification, and the source of the measured manifest fields)
// ---------------------------------------------------------------------------------------------

const certsByFingerprint = new Map() // fingerprint256 -> name

function describeCert(pemOrDer) {
  const x509 = new crypto.X509Certificate(pemOrDer)
  return {
    subject: x509.subject.split('\n').join(', '),
    issuer: x509.issuer.split('\n').join(', '),
    serial: x509.serialNumber,
    serialDer: serialDer(x509.serialNumber),
    sha256: x509.fingerprint256,
    notBefore: new Date(x509.validFrom).toISOString(),
    notAfter: new Date(x509.validTo).toISOString(),
    x509,
  }
}

const ALGORITHM_NAMES = {
  'pbeWithSHA1And40BitRC2-CBC': 'RC2-40',
  'pbeWithSHA1And128BitRC2-CBC': 'RC2-128',
  'pbeWithSHA1And3-KeyTripleDES-CBC': '3DES',
}

// "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" -> "PBES2 AES-256-CBC hmacWithSHA256"
function shortAlgorithm(text) {
  const pbes2 = /^PBES2, PBKDF2, ([^,]+), Iteration \d+, PRF (\S+)/.exec(text)
  if (pbes2) return `PBES2 ${pbes2[1]} ${pbes2[2]}`
  const name = text.split(',')[0]
  return ALGORITHM_NAMES[name] ?? name
}

// The -info report that openssl pkcs12 writes to stderr.
function parseInfo(text) {
  const info = {mac: null, macIterations: null, certs: new Set(), key: new Set(), iterations: new Set()}
  let container = 'none'
  for (const line of text.split('\n')) {
    const mac = /^MAC: (\S+), Iteration (\d+)/.exec(line)
    const encrypted = /^PKCS7 Encrypted data: (.*)/.exec(line)
    const shrouded = /^Shrouded Keybag: (.*)/.exec(line)
    for (const match of [encrypted, shrouded]) {
      const iterations = match && /Iteration (\d+)/.exec(match[1])
      if (iterations) info.iterations.add(Number(iterations[1]))
    }
    if (mac) [info.mac, info.macIterations] = [mac[1], Number(mac[2])]
    else if (encrypted) container = shortAlgorithm(encrypted[1])
    else if (line === 'PKCS7 Data') container = 'none'
    else if (line === 'Certificate bag') info.certs.add(container)
    else if (shrouded) info.key.add(shortAlgorithm(shrouded[1]))
    else if (line === 'Key bag') info.key.add(container === 'none' ? 'none (plain keyBag)' : container)
  }
  const list = (set, none) => (set.size ? [...set].join(' + ') : none)
  return {
    mac: info.mac,
    macIterations: info.macIterations,
    encryption: `certs: ${list(info.certs, '(no certificates)')}, key: ${list(info.key, '(no key)')}`,
    iterations: info.iterations.size ? Math.max(...info.iterations) : null,
  }
}

// The PEM blocks that openssl pkcs12 -info -noenc writes to stdout, in file order, each with the
// bag attributes printed above it.
function parseBags(text) {
  const certs = []
  const keys = []
  for (const chunk of text.split(/(?<=-----END [A-Z ]+-----)\n?/)) {
    const pem = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/.exec(chunk)
    if (!pem) continue
    const attributes = chunk.slice(0, pem.index)
    const bag = {pem: `${pem[0]}\n`, friendlyName: /friendlyName: (.*)/.exec(attributes)?.[1].trim() ?? null}
    if (pem[1] === 'CERTIFICATE') certs.push(bag)
    else if (pem[1].endsWith('PRIVATE KEY')) keys.push(bag)
  }
  return {certs, keys}
}

async function readP12(file, password) {
  const args = ['pkcs12', '-in', file, '-info', '-noenc', '-passin', `file:${await pwFile(password)}`]
  let run = await $({nothrow: true})`openssl ${args}`
  let needsLegacyProvider = false
  if (run.exitCode !== 0) {
    // RC2 lives in OpenSSL 3's legacy provider.
    run = await $({nothrow: true})`openssl ${args} -legacy`
    needsLegacyProvider = true
  }
  return {
    ok: run.exitCode === 0,
    stderr: run.stderr,
    needsLegacyProvider,
    ...parseInfo(run.stderr),
    ...parseBags(run.stdout),
  }
}

async function nssImports(file, password) {
  const db = `sql:${await emptyNssDb()}`
  const run = await $nss({nothrow: true})`pk12util -i ${file} -d ${db} -w ${await pwFile(password)}`
  return run.exitCode === 0 ? 'ok' : 'rejected'
}

function keyInfo(x509, leaf) {
  // node (OpenSSL 3.0) cannot load the key; makeLeaf checked that the certificate holds it.
  if (leaf?.key.algorithm === 'ML-DSA') return leaf.key
  const pub = x509.publicKey
  if (pub.asymmetricKeyType === 'rsa') return {algorithm: 'RSA', bits: pub.asymmetricKeyDetails.modulusLength}
  if (pub.asymmetricKeyType === 'ec') {
    const curve = {prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521'}[pub.asymmetricKeyDetails.namedCurve]
    return {algorithm: 'EC', curve}
  }
  if (pub.asymmetricKeyType === 'ed25519') return {algorithm: 'Ed25519'}
  throw new Error(`unexpected key type ${pub.asymmetricKeyType}`)
}

const leafFields = (leaf) => ({
  leaf: leaf.name,
  keyFile: `keys/${leaf.name}.key.pem`,
  key: {...leaf.key},
  emails: leaf.emails,
  type: leaf.type,
  generation: leaf.generation,
})

// Manifest entry of a certificate file (kind "certificate", "certificate-bundle" or "ca-certificate").
// The fields a PKCS#12 entry also has come first, in the same order.
function certEntry(cert, fields) {
  const entry = {
    kind: 'certificate',
    format: 'pem',
    password: null,
    ...fields, // leaf, keyFile, key, emails, type, generation (and overrides)
    chainLength: fields.chainLength ?? 1,
    friendlyName: null,
    encryption: null,
    mac: null,
    iterations: null,
    expect: fields.expect,
    error: null,
    sha256: cert.sha256,
    serial: cert.serial,
    serialDer: cert.serialDer,
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  }
  delete entry.notes
  return {...entry, notes: fields.notes ?? null}
}

// Builds and checks one PKCS#12 file; returns its manifest entry.
async function makeAndInspectP12(job) {
  await job.make(job)
  const file = out(job.file)
  const read = await readP12(file, job.password)
  assert(read.ok, `openssl cannot read ${job.file}: ${read.stderr}`)

  const leaf = LEAF[job.leaf]
  const certs = read.certs.map((bag) => {
    const cert = describeCert(bag.pem)
    return {...cert, name: certsByFingerprint.get(cert.sha256) ?? 'unknown', friendlyName: bag.friendlyName}
  })
  const names = certs.map((cert) => cert.name)
  const chain = job.chain ? CHAIN[leaf.issuer] : []
  const expectedOrder = {reversed: [...chain].reverse().concat(job.leaf)}[job.order] ?? [job.leaf, ...chain]
  if (job.order === 'any') assert(names.toSorted().join() === expectedOrder.toSorted().join(), `${job.file} holds ${names}`)
  else assert(names.join() === expectedOrder.join(), `${job.file} holds ${names}, expected ${expectedOrder}`)

  const leafCert = certs.find((cert) => cert.name === job.leaf)
  assert(leafCert.friendlyName === job.friendlyName, `${job.file}: friendlyName ${leafCert.friendlyName}`)
  if (job.keyOf) {
    assert(read.keys.length === 1, `${job.file}: ${read.keys.length} keys`)
    const key = crypto.createPrivateKey(read.keys[0].pem)
    const owner = describeCert(await fs.readFile(certPem(job.keyOf)))
    assert(owner.x509.checkPrivateKey(key), `${job.file}: key is not ${job.keyOf}'s`)
    assert(job.keyOf === job.leaf || !leafCert.x509.checkPrivateKey(key), `${job.file}: key should not match`)
  } else {
    assert(read.keys.length === 0, `${job.file}: unexpected key`)
  }
  if (job.mac !== undefined) assert(read.mac === job.mac, `${job.file}: MAC ${read.mac}, expected ${job.mac}`)

  return {
    kind: 'pkcs12',
    password: job.password,
    ...leafFields(leaf),
    keyFile: job.keyOf ? `keys/${job.keyOf}.key.pem` : null,
    chainLength: certs.length,
    friendlyName: leafCert.friendlyName,
    encryption: read.encryption,
    mac: read.mac,
    iterations: read.iterations,
    macIterations: read.macIterations,
    needsLegacyProvider: read.needsLegacyProvider,
    nssImport: await nssImports(file, job.password),
    expect: [...new Set([...leaf.expect, ...job.expect])],
    error: null,
    sha256: leafCert.sha256,
    serial: leafCert.serial,
    serialDer: leafCert.serialDer,
    certificates: certs.map(({name, subject, sha256, serial, friendlyName}) => ({
      name,
      subject,
      sha256,
      serial,
      friendlyName,
    })),
    notes: job.notes,
  }
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

async function makeBadFiles() {
  const p12 = await fs.readFile(out('p12', 'mailbox-rsa.p12'))
  await fs.writeFile(out('bad', 'empty.p12'), Buffer.alloc(0))
  await fs.writeFile(out('bad', 'random.p12'), crypto.randomBytes(4096))
  await fs.writeFile(out('bad', 'truncated.p12'), p12.subarray(0, Math.floor(p12.length / 2)))
  // `zip` is not always installed; python3's zipfile stores the file as mailbox-rsa.p12.
  await $`python3 -m zipfile -c ${out('bad', 'archive.zip')} ${out('p12', 'mailbox-rsa.p12')}`
  await fs.writeFile(
    out('bad', 'text.txt'),
    'This is not a PKCS#12 file.\nIt is plain text that someone saved with the wrong name.\n',
  )
  const notes = {
    'bad/empty.p12': '0 bytes',
    'bad/random.p12': '4096 random bytes',
    'bad/truncated.p12': 'the first half of p12/mailbox-rsa.p12',
    'bad/archive.zip': 'a zip archive holding mailbox-rsa.p12 (the zip itself is not PKCS#12)',
    'bad/text.txt': 'plain text',
  }
  const entries = {}
  for (const [file, note] of Object.entries(notes)) {
    for (const legacy of [[], ['-legacy']]) {
      const passin = ['-passin', `file:${await pwFile(PASSWORD)}`]
      const run = await $({nothrow: true})`openssl pkcs12 -in ${out(file)} -info -noout ${passin} ${legacy}`
      assert(run.exitCode !== 0, `openssl opened ${file}`)
    }
    entries[file] = {kind: 'invalid', password: PASSWORD, expect: [], error: 'not-pkcs12', notes: note}
  }
  return entries
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

// Files this script does not make: its README, and prefs/profiles files written by Thunderbird itself.
const KEEP = new Set(['README.md', 'thunderbird'])

async function wipeOutput() {
  await fs.ensureDir(OUT)
  for (const entry of await fs.readdir(OUT)) {
    if (!KEEP.has(entry)) await fs.remove(out(entry))
  }
  for (const dir of ['ca', 'certs', 'keys', 'p12', 'bad']) await fs.ensureDir(out(dir))
}

// With --extra, only what the extra CA issues; otherwise everything.
const made = (thing) => !EXTRA_ONLY || thing.extra === true

async function main() {
  const manifest = EXTRA_ONLY ? JSON.parse(await fs.readFile(out('manifest.json'), 'utf8')) : {}
  if (!EXTRA_ONLY) await wipeOutput()
  // Made up front so that parallel jobs never race to create the same password file.
  for (const password of [PASSWORD, '', NON_ASCII_PASSWORD]) await pwFile(password)
  await setUpCa()
  await makeNssTemplate()

  const cas = Object.keys(CAS).filter((name) => made(CAS[name]))
  const leaves = LEAVES.filter(made)
  echo('CAs …')
  for (const name of cas) await makeCa(name)
  echo(`${leaves.length} leaf certificates …`)
  // Sequential: openssl ca shares one database and serial file.
  for (const leaf of leaves) await makeLeaf(leaf)

  for (const name of cas) {
    const cert = describeCert(await fs.readFile(out('ca', `${name}.pem`)))
    certsByFingerprint.set(cert.sha256, name)
    manifest[`ca/${name}.pem`] = certEntry(cert, {
      kind: 'ca-certificate',
      leaf: name,
      keyFile: null,
      key: {...CAS[name].key},
      emails: [],
      type: 'unknown',
      generation: null,
      expect: ['ca-certificate', 'no-email'],
      notes: CAS[name].issuer ? `issued by ${CAS[name].issuer}; pathlen 0, EKU emailProtection` : 'self-signed',
    })
  }
  for (const leaf of leaves) {
    const cert = describeCert(await fs.readFile(certPem(leaf.name)))
    certsByFingerprint.set(cert.sha256, leaf.name)
    assert(JSON.stringify(keyInfo(cert.x509, leaf)) === JSON.stringify(leaf.key), `${leaf.name} key`)
    if (leaf.serial) assert(cert.serial === leaf.serial, `${leaf.name} serial ${cert.serial}`)
    manifest[`certs/${leaf.name}.pem`] = certEntry(cert, {...leafFields(leaf), expect: leaf.expect, notes: leaf.notes})
  }
  if (!EXTRA_ONLY) {
    // The SmtpUTF8Mailbox must hold the UTF-8 bytes exactly once (not double-encoded).
    const smtputf8 = describeCert(await fs.readFile(certPem('smtputf8'))).x509.raw
    assert(smtputf8.includes(Buffer.from('jörg@exämple.de', 'utf8')), 'smtputf8 SAN is not UTF-8')
  }
  // The SAN entry with two addresses must reach the certificate as written, space and all.
  const twoInOne = describeCert(await fs.readFile(certPem('san-two-in-one'))).x509
  assert(twoInOne.subjectAltName.includes('email:alice@example.org bob@example.org'), `san-two-in-one SAN: ${twoInOne.subjectAltName}`)
  // Every certificate without a real defect must chain to its root and pass openssl's S/MIME purpose
  // check: for signing, or (the encryption half of a pair, whose key usage allows no signature) for encryption.
  for (const leaf of leaves.filter((l) => l.expect.length === 0 || ['legacy-generation', 'cannot-sign'].includes(l.expect.join()))) {
    const [root, ...intermediates] = CHAIN[leaf.issuer].map(certPem).reverse()
    const untrusted = intermediates.flatMap((file) => ['-untrusted', file])
    const purpose = leaf.ku !== null && !leaf.ku.includes('digitalSignature') ? 'smimeencrypt' : 'smimesign'
    await $`openssl verify -purpose ${purpose} -CAfile ${root} ${untrusted} ${certPem(leaf.name)}`
  }

  if (!EXTRA_ONLY) await makeCopies(manifest)

  const jobs = p12Jobs().filter(made)
  echo(`${jobs.length} PKCS#12 files …`)
  const entries = await inParallel(jobs, makeAndInspectP12)
  jobs.forEach((job, i) => (manifest[job.file] = entries[i]))

  if (!EXTRA_ONLY) {
    echo('bad input …')
    Object.assign(manifest, await makeBadFiles())
  }

  const sorted = Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)))
  await fs.writeFile(out('manifest.json'), `${JSON.stringify(sorted, null, 2)}\n`)
  echo(`${Object.keys(sorted).length} manifest entries; done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
}

// DER copies, a PEM bundle and a CA certificate where a personal one belongs.
async function makeCopies(manifest) {
  echo('extra certificate files …')
  for (const name of ['mailbox-rsa', 'ec-p256']) {
    await $`openssl x509 -in ${certPem(name)} -outform DER -out ${out('certs', `${name}.der`)}`
    const cert = describeCert(await fs.readFile(out('certs', `${name}.der`)))
    manifest[`certs/${name}.der`] = certEntry(cert, {...leafFields(LEAF[name]), format: 'der', expect: LEAF[name].expect})
  }
  const bundle = ['mailbox-rsa', 'intermediate', 'root']
  await fs.copy(await chainFile(bundle), out('certs', 'chain-bundle.pem'))
  manifest['certs/chain-bundle.pem'] = {
    ...certEntry(describeCert(await fs.readFile(certPem('mailbox-rsa'))), {
      ...leafFields(LEAF['mailbox-rsa']),
      kind: 'certificate-bundle',
      chainLength: bundle.length,
      expect: [],
      notes: 'PEM bundle: leaf, intermediate, root',
    }),
    certificates: await Promise.all(
      bundle.map(async (name) => {
        const {subject, sha256, serial} = describeCert(await fs.readFile(certPem(name)))
        return {name, subject, sha256, serial, friendlyName: null}
      }),
    ),
  }
  await fs.copy(certPem('intermediate'), out('certs', 'ca-as-leaf.pem'))
  manifest['certs/ca-as-leaf.pem'] = {
    ...manifest['ca/intermediate.pem'],
    leaf: 'ca-as-leaf',
    notes: 'a copy of ca/intermediate.pem, given where a personal certificate is expected',
  }
}

try {
  await main()
} finally {
  await fs.remove(TMP)
}
