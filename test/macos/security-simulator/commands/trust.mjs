/**
 * User trust settings (trusted_cert_add.c). Changing them needs the user's authorisation: macOS
 * shows "You are making changes to your Certificate Trust Settings" and asks for the password. The
 * test decides what the simulated session does with that dialog: approve it, deny it, or have no
 * GUI at all (a script over ssh, an MDM agent), where the dialog cannot be shown.
 */
import {existsSync, readFileSync} from 'node:fs'

import {certificateRecord} from '../keychain.mjs'
import {all, getopt, has, last} from '../getopt.mjs'
import {loginKeychain, openKeychain, readCertificateFile, requireUnlocked} from '../lookup.mjs'
import {StatusError} from '../simulation.mjs'
import {STATUS} from '../status.mjs'

const RESULTS = ['trustRoot', 'trustAsRoot', 'deny', 'unspecified']
const POLICIES = ['ssl', 'smime', 'codeSign', 'IPSec', 'iChat', 'basic', 'swUpdate', 'pkgSign', 'pkinitClient', 'pkinitServer', 'eap']

export function requireAuthorization(sim, fn) {
  if (sim.ui === 'deny') throw new StatusError(fn, STATUS.authorizationCanceled)
  if (sim.ui !== 'approve') throw new StatusError(fn, STATUS.authorizationInteractionNotAllowed)
}

function readCertificate(sim, file) {
  if (!file || !existsSync(file)) {
    sim.error(`Error reading file ${file ?? ''}\n`)
    return null
  }
  return readCertificateFile(readFileSync(file))
}

export function addTrustedCertCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'dr:p:a:s:e:u:k:i:o:Dh')
  if (has(options, 'd')) sim.violation('admin-trust', 'add-trusted-cert -d changes the admin trust settings, which needs root (sudo) and a dialog')
  const result = last(options, 'r') ?? 'trustRoot'
  const policies = all(options, 'p')
  if (!RESULTS.includes(result) || policies.some((policy) => !POLICIES.includes(policy)) || rest.length !== 1) return 2
  const info = readCertificate(sim, rest[0])
  if (!info) return 1
  if (result === 'trustRoot' && !info.selfSigned) {
    // UNCONFIRMED wording; the tool refuses trustRoot for a certificate that is not self-signed.
    sim.error('security: SecTrustSettingsSetTrustSettings: trustRoot is only valid for a self-signed (root) certificate; use trustAsRoot\n')
    return STATUS.param.code
  }
  try {
    const keychainName = last(options, 'k')
    if (keychainName) {
      const keychain = openKeychain(sim, keychainName, 'SecCertificateAddToKeychain')
      if (!keychain.data.certificates.some((record) => record.sha1 === info.sha1)) {
        requireUnlocked(keychain, 'SecCertificateAddToKeychain')
        keychain.data.certificates.push(certificateRecord(info.der, null))
        keychain.save()
      }
    }
    requireAuthorization(sim, 'SecTrustSettingsSetTrustSettings')
    const login = loginKeychain(sim, 'SecTrustSettingsSetTrustSettings')
    login.data.trustSettings = [...login.data.trustSettings.filter((setting) => setting.sha1 !== info.sha1), {sha1: info.sha1, sha256: info.sha256, result, policies}]
    login.save()
    return 0
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    sim.perror(error.fn, error.status)
    return 1
  }
}

export function removeTrustedCertCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'dDh')
  if (has(options, 'd')) sim.violation('admin-trust', 'remove-trusted-cert -d changes the admin trust settings, which needs root (sudo) and a dialog')
  if (rest.length !== 1) return 2
  const info = readCertificate(sim, rest[0])
  if (!info) return 1
  try {
    const login = loginKeychain(sim, 'SecTrustSettingsRemoveTrustSettings')
    if (!login.data.trustSettings.some((setting) => setting.sha1 === info.sha1)) throw new StatusError('SecTrustSettingsRemoveTrustSettings', STATUS.itemNotFound)
    requireAuthorization(sim, 'SecTrustSettingsRemoveTrustSettings')
    login.data.trustSettings = login.data.trustSettings.filter((setting) => setting.sha1 !== info.sha1)
    login.save()
    return 0
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    sim.perror(error.fn, error.status)
    return 1
  }
}
