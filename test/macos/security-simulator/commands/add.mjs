/**
 * add-certificates (keychain_add.c: keychain_add_certificates, do_add_certificates; readCertFile in
 * trusted_cert_utils.c). From the source (apple-open-source/macos, Security/SecurityTool/macOS):
 * - getopt "hk:"; -h, an unknown option, an empty -k or no file: the usage message (status 2).
 * - -k goes through keychain_open, which for a path is SecKeychainOpen (it succeeds whether or not
 *   the file exists: the add is what fails); no -k adds to the default keychain.
 * - Each file is read on its own and a failure goes on to the next file, the status becoming 1:
 *   an unreadable file prints `***Error reading file F` on stdout (printf), a PEM file whose block
 *   does not decode `Error decoding cert file F` on stderr, bytes that are no certificate
 *   cssmPerror's `SecCertificateCreateFromData: <message>` (no `security: ` before it), and
 *   SecCertificateCreateFromData gives errSecUnknownFormat for them (the SECTRUST_OSX bridge).
 * - errSecDuplicateItem from SecCertificateAddToKeychain is not printed as the OSStatus message
 *   but as `security: F: already in KEYCHAIN` (the -k argument as typed) or `security: F: already
 *   in default keychain`; any other failure as `security: SecCertificateAddToKeychain: <message>`.
 *   Both make the status 1; success prints nothing.
 * Assumed, not read in the source:
 * - A duplicate is a certificate with the same issuer and serial number (the unique index of the
 *   keychain's certificate table: type, issuer, serial), not only the same bytes.
 * - A locked keychain without a GUI fails with errSecInteractionNotAllowed before the duplicate
 *   check, as the other writes of this simulator do (a desktop session would ask to unlock it).
 * - pemDecode reads the first PEM block of the file, whatever else follows it.
 */
import {existsSync, readFileSync, statSync} from 'node:fs'

import {certInfo} from '../cert-info.mjs'
import {getopt, has, last} from '../getopt.mjs'
import {certificateRecord} from '../keychain.mjs'
import {defaultKeychain, openKeychain, requireUnlocked} from '../lookup.mjs'
import {StatusError} from '../simulation.mjs'
import {STATUS} from '../status.mjs'

const ADD = 'SecCertificateAddToKeychain'

/** readCertFile(): the certificate of the file, or null after printing what the tool prints. */
function readCertFile(sim, file) {
  if (!existsSync(file) || !statSync(file).isFile()) {
    sim.print(`***Error reading file ${file}\n`)
    return null
  }
  const bytes = readFileSync(file)
  let der = bytes
  if (bytes.includes('-----BEGIN')) {
    const block = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(bytes.toString('latin1'))
    const body = block?.[1].replace(/\s+/g, '') ?? ''
    if (body === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
      sim.error(`Error decoding cert file ${file}\n`)
      return null
    }
    der = Buffer.from(body, 'base64')
  }
  try {
    return certInfo(der)
  } catch {
    sim.error(`SecCertificateCreateFromData: ${STATUS.unknownFormat.message}\n`)
    return null
  }
}

const issuerAndSerial = (info) => `${info.x509.issuer}\u0000${info.x509.serialNumber}`

export function addCertificatesCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hk:')
  const keychainName = last(options, 'k')
  if (has(options, 'h') || keychainName === '' || rest.length === 0) return 2
  let result = 0
  for (const file of rest) {
    const info = readCertFile(sim, file)
    if (!info) {
      result = 1
      continue
    }
    try {
      const keychain = keychainName === undefined ? defaultKeychain(sim, ADD) : openKeychain(sim, keychainName, ADD)
      requireUnlocked(keychain, ADD)
      if (keychain.certificates().some((held) => issuerAndSerial(held.info) === issuerAndSerial(info))) {
        sim.error(`security: ${file}: already in ${keychainName ?? 'default keychain'}\n`)
        result = 1
        continue
      }
      keychain.data.certificates.push(certificateRecord(info.der, null))
      keychain.save()
    } catch (error) {
      if (!(error instanceof StatusError)) throw error
      sim.perror(error.fn, error.status)
      result = 1
    }
  }
  return result
}
