/**
 * `security import FILE [-k keychain] [-t type] [-f format] [-w] [-x] [-P passphrase] [-a name value]
 * [-A | -T appPath]` (keychain_import.c), for PKCS#12 files, on macOS 14 and 15 as research §1.1
 * and §2.1 describe them.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'

import {certificateRecord} from '../keychain.mjs'
import {certInfo} from '../cert-info.mjs'
import {decode, decoderFor, ImportFailure} from '../decoders.mjs'
import {all, getopt, has, last} from '../getopt.mjs'
import {defaultKeychain, openKeychain, requireUnlocked} from '../lookup.mjs'
import {StatusError} from '../simulation.mjs'
import {STATUS} from '../status.mjs'

const FORMATS = ['openssl', 'openssh1', 'openssh2', 'bsafe', 'raw', 'pkcs7', 'pkcs8', 'pkcs12', 'netscape', 'x509', 'pemseq']
const TYPES = ['pub', 'priv', 'session', 'cert', 'agg']

/** CFStringCreateWithCString(..., kCFStringEncodingASCII): NULL for anything but 7-bit ASCII. */
const asAscii = (value) => (value !== undefined && [...value].every((c) => c.charCodeAt(0) < 0x80) ? value : null)

const count = (n, one, many) => `${n} ${n === 1 ? one : many} imported.\n`

export function importCommand(sim, argv) {
  if (argv.length < 2 || (argv.length === 2 && argv[1].startsWith('-'))) return 2
  const file = argv[1]
  const {options} = getopt(argv, 'k:t:f:P:wxa:hAT:', 2)
  const format = last(options, 'f')
  if (format !== undefined && !FORMATS.includes(format)) return 2
  const type = last(options, 't')
  if (type !== undefined && !TYPES.includes(type)) return 2
  const decoder = decoderFor(sim.major, format)
  const given = last(options, 'P')
  const password = asAscii(given)
  if (password === null) {
    const why = given === undefined ? 'without -P' : 'with a -P that is not ASCII (CFStringCreateWithCString gives NULL, as if there were no -P)'
    // ≤14, and 15 without -f pkcs12: kSecKeySecurePassphrase, a SecurityAgent dialog; 15 with -f pkcs12: getpass() on /dev/tty.
    if (decoder === 'ios') sim.violation('missing-password', `import ${why} reads the password from the terminal on macOS ${sim.major} (getpass "password to unlock ${file}: ")`)
    sim.violation('missing-password', `import ${why} asks for the password in a SecurityAgent dialog on macOS ${sim.major}`)
  }
  const applications = all(options, 'T').filter((app) => app !== '')
  for (const app of applications) {
    if (!app.startsWith('group://') && !existsSync(sim.paths.system(app))) {
      // SecTrustedApplicationCreateFromPath fails for a path that does not exist: UNCONFIRMED wording.
      sim.error(`security: SecTrustedApplicationCreateFromPath ${app}: No such file or directory\n`)
      return 1
    }
  }
  const keychainName = last(options, 'k')
  let keychain
  try {
    keychain = keychainName ? openKeychain(sim, keychainName, 'SecKeychainItemImport') : defaultKeychain(sim, 'SecKeychainItemImport')
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    sim.perror('SecKeychainItemImport', error.status)
    return 1
  }
  if (!existsSync(file)) {
    sim.error(`security: Error reading infile ${file}: No such file or directory\n`)
    return 1
  }
  if (format !== undefined && format !== 'pkcs12') {
    sim.perror('SecKeychainItemImport', STATUS.unknownFormat)
    return 1
  }
  try {
    const decoded = decode(readFileSync(file), password, decoder)
    const counts = store(keychain, decoded, {
      allowAll: has(options, 'A'),
      // By default the creator (security itself) is the one application on the key's ACL.
      applications: has(options, 'A') ? [] : has(options, 'T') ? applications : ['/usr/bin/security'],
      // -x sets keyParams.keyAttributes, which the 15+ SecPKCS12Import path ignores (research §1.1).
      extractable: !(has(options, 'x') && decoder !== 'ios'),
    })
    // 15+ with -f pkcs12: SecPKCS12Import returns dictionaries, so nothing is counted or printed.
    if (decoder !== 'ios') {
      if (counts.identities) sim.print(count(counts.identities, 'identity', 'identities'))
      if (counts.keys) sim.print(count(counts.keys, 'key', 'keys'))
      if (counts.certificates) sim.print(count(counts.certificates, 'certificate', 'certificates'))
    }
    return 0
  } catch (error) {
    if (!(error instanceof ImportFailure) && !(error instanceof StatusError)) throw error
    sim.perror('SecKeychainItemImport', error.status)
    return 1
  }
}

/** Put the decoded items into the keychain: all or nothing. */
function store(keychain, decoded, access) {
  // A locked keychain cannot be asked for its password here: the session has no GUI to ask in.
  // (With a GUI, securityd would show an unlock dialog; the simulator models the strict case.)
  requireUnlocked(keychain, 'SecKeychainItemImport')
  const data = keychain.data
  const certificates = decoded.certificates.map((certificate) => ({...certificate, info: certInfo(certificate.der)}))
  const hasCertificate = (sha1) => data.certificates.some((record) => record.sha1 === sha1)
  const counts = {identities: 0, keys: 0, certificates: 0}
  const keys = []
  const certificateRecords = []
  const identityCertificates = new Set()
  for (const key of decoded.keys) {
    const publicKeyHash = createHash('sha1').update(key.spki).digest('hex').toUpperCase()
    const certificate = certificates.find((candidate) => candidate.info.spki.equals(key.spki))
    const keyPresent = data.keys.some((existing) => existing.publicKeyHash === publicKeyHash)
    if (keyPresent && (!certificate || hasCertificate(certificate.info.sha1))) throw new StatusError('SecKeychainItemImport', STATUS.duplicateItem)
    const label = key.friendlyName ?? certificate?.friendlyName ?? 'Imported Private Key'
    if (!keyPresent) {
      keys.push({
        label,
        publicKeyHash,
        type: key.type,
        canSign: true,
        canDecrypt: key.type === 'rsa',
        canDerive: key.type === 'ec',
        extractable: access.extractable,
        // LocalKey::setOwner: a new key's partition list holds only its creator's, and
        // /usr/bin/security (com.apple.security) is `apple-tool:` (research §1.4).
        partitions: ['apple-tool:'],
        access: {allowAll: access.allowAll, applications: access.applications},
        pkcs8: key.pkcs8.toString('base64'),
      })
    }
    if (certificate) {
      identityCertificates.add(certificate.info.sha1)
      counts.identities++
    } else {
      counts.keys++
    }
  }
  for (const certificate of certificates) {
    if (hasCertificate(certificate.info.sha1) || certificateRecords.some((record) => record.sha1 === certificate.info.sha1)) continue
    certificateRecords.push(certificateRecord(certificate.der, certificate.friendlyName ?? null))
    if (!identityCertificates.has(certificate.info.sha1)) counts.certificates++
  }
  data.keys.push(...keys)
  data.certificates.push(...certificateRecords)
  keychain.save()
  return counts
}
