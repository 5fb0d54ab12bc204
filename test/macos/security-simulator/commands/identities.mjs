/**
 * Deleting certificates and identities, and the identity preferences (`iprf` items) that name the
 * identity to use for a service (keychain_delete.c, identity_prefs.c).
 */
import {pem} from '../cert-info.mjs'
import {getopt, has, last} from '../getopt.mjs'
import {requireUnlocked, searchKeychains} from '../lookup.mjs'
import {certificateDump} from '../output.mjs'
import {StatusError} from '../simulation.mjs'
import {STATUS} from '../status.mjs'
import {requireAuthorization} from './trust.mjs'

/** find_unique_certificate(): by SHA-1 or SHA-256 (-Z), or by a unique substring of the common name (-c). */
function findUnique(sim, candidates, {name, hash}) {
  if (hash !== undefined) return candidates.find(({info}) => info.sha1 === hash.toUpperCase() || info.sha256 === hash.toUpperCase()) ?? null
  const matches = candidates.filter(({info}) => info.commonName?.toLowerCase().includes(name.toLowerCase()))
  const exact = matches.filter(({info}) => info.commonName.toLowerCase() === name.toLowerCase())
  const pool = exact.length > 0 ? exact : matches
  const distinct = [...new Map(pool.map((candidate) => [candidate.info.sha1, candidate])).values()]
  if (distinct.length > 1) {
    sim.error(`security: "${name}" is ambiguous, matches more than one certificate\n`)
    return null
  }
  return distinct[0] ?? null
}

function deleteItems(sim, argv, {withKey}) {
  const {options, rest} = getopt(argv, 'hc:Z:t')
  const name = last(options, 'c')
  const hash = last(options, 'Z')
  if (name === undefined && hash === undefined) return 2
  const keychains = searchKeychains(sim, rest, 'SecKeychainSearchCopyNext')
  const candidates = withKey ? keychains.flatMap((keychain) => keychain.identities().map((identity) => ({...identity.certificate, key: identity.key}))) : keychains.flatMap((keychain) => keychain.certificates())
  const found = findUnique(sim, candidates, {name, hash})
  if (!found) {
    // keychain_delete.c prints this without a newline.
    sim.error(`Unable to delete ${withKey ? 'identity' : 'certificate'} matching "${name ?? hash}"`)
    return 1
  }
  const keychain = found.keychain
  try {
    requireUnlocked(keychain, 'SecKeychainItemDelete')
    if (has(options, 't')) {
      requireAuthorization(sim, 'SecTrustSettingsRemoveTrustSettings (user)')
      keychain.data.trustSettings = keychain.data.trustSettings.filter((setting) => setting.sha1 !== found.info.sha1)
    }
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    return sim.perror(error.fn, error.status)
  }
  keychain.data.certificates = keychain.data.certificates.filter((record) => record.sha1 !== found.info.sha1)
  if (withKey) keychain.data.keys = keychain.data.keys.filter((key) => key !== found.key)
  keychain.save()
  return 0
}

export const deleteCertificateCommand = (sim, argv) => deleteItems(sim, argv, {withKey: false})
export const deleteIdentityCommand = (sim, argv) => deleteItems(sim, argv, {withKey: true})

export function setIdentityPreferenceCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hnc:s:u:Z:')
  const service = last(options, 's')
  const name = last(options, 'c')
  const hash = last(options, 'Z')
  if (service === undefined) return 2
  const keychains = searchKeychains(sim, rest, 'SecKeychainSearchCopyNext')
  try {
    if (has(options, 'n')) {
      for (const keychain of keychains) {
        if (!keychain.data.identityPreferences.some((preference) => preference.service === service)) continue
        requireUnlocked(keychain, 'SecIdentitySetPreference')
        keychain.data.identityPreferences = keychain.data.identityPreferences.filter((preference) => preference.service !== service)
        keychain.save()
      }
      return 0
    }
    if (name === undefined && hash === undefined) return 2
    const identities = keychains.flatMap((keychain) => keychain.identities().map((identity) => ({...identity.certificate, key: identity.key})))
    const found = findUnique(sim, identities, {name, hash})
    if (!found) {
      sim.error(`security: No matching identity found for "${hash ?? name}"\n`)
      return 1
    }
    // The `iprf` item goes into the keychain of the identity's certificate (UNCONFIRMED; the
    // default keychain would be the other reading of SecIdentitySetPreference).
    const keychain = found.keychain
    requireUnlocked(keychain, 'SecIdentitySetPreference')
    keychain.data.identityPreferences = [...keychain.data.identityPreferences.filter((preference) => preference.service !== service), {service, sha1: found.info.sha1}]
    keychain.save()
    return 0
  } catch (error) {
    if (!(error instanceof StatusError)) throw error
    // UNCONFIRMED: older identity_prefs.c returned the status without printing it.
    return sim.perror(error.fn, error.status)
  }
}

export function getIdentityPreferenceCommand(sim, argv) {
  const {options} = getopt(argv, 'hs:u:pcZ')
  const service = last(options, 's')
  if (service === undefined) return 2
  const keychains = searchKeychains(sim, [], 'SecIdentityCopyPreference')
  const preference = keychains.flatMap((keychain) => keychain.data.identityPreferences).find((candidate) => candidate.service === service)
  const identity = preference && keychains.flatMap((keychain) => keychain.identities()).find((candidate) => candidate.certificate.info.sha1 === preference.sha1)
  if (!identity) return sim.perror('SecIdentityCopyPreference', STATUS.itemNotFound)
  const {info} = identity.certificate
  if (has(options, 'c')) sim.print(`common name: "${info.commonName ?? '<NULL>'}"\n`)
  if (has(options, 'Z')) sim.print(`SHA-256 hash: ${info.sha256}\nSHA-1 hash: ${info.sha1}\n`)
  sim.print(has(options, 'p') ? pem(info.der) : certificateDump(identity.keychain, identity.certificate))
  return 0
}
