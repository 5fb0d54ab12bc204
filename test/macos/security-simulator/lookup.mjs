/**
 * Finding keychains as keychain_utilities.c does: a name that does not start with `/` is looked for
 * in the search list, then under ~/Library/Keychains; with no keychain named, the search list (for
 * searches) or the default keychain (for changes).
 */
import {existsSync} from 'node:fs'
import path from 'node:path'

import {certInfo} from './cert-info.mjs'
import {Keychain, readPreferences} from './keychain.mjs'
import {StatusError} from './simulation.mjs'
import {STATUS} from './status.mjs'

export function keychainPath(sim, name) {
  if (name.startsWith('/')) return name
  const preferences = readPreferences(sim.paths)
  const candidates = [name, `${name}.keychain`, `${name}-db`, `${name}.keychain-db`]
  const listed = preferences.searchList.find((file) => candidates.includes(path.basename(file)))
  if (listed) return listed
  for (const candidate of candidates) {
    const file = path.join(sim.paths.userKeychains, candidate)
    if (existsSync(file)) return file
  }
  return path.join(sim.paths.userKeychains, name)
}

/** The keychain named, which must exist (SecKeychainOpen succeeds lazily; the first use fails). */
export function openKeychain(sim, name, fn) {
  const keychain = Keychain.open(sim.paths, keychainPath(sim, name))
  if (!keychain) throw new StatusError(fn, STATUS.noSuchKeychain)
  return keychain
}

export function defaultKeychain(sim, fn) {
  return openKeychain(sim, readPreferences(sim.paths).default, fn)
}

/** The keychains a search covers: those named, else the user's search list. */
export function searchKeychains(sim, names, fn) {
  if (names.length > 0) return names.map((name) => openKeychain(sim, name, fn))
  return readPreferences(sim.paths)
    .searchList.map((file) => Keychain.open(sim.paths, file))
    .filter(Boolean)
}

/** Writing to a locked keychain needs its password; a session without a GUI cannot be asked for it. */
export function requireUnlocked(keychain, fn) {
  if (keychain.data.locked) throw new StatusError(fn, STATUS.interactionNotAllowed)
}

/** The anchors macOS ships (a PEM bundle in the simulated system). */
export function systemRoots(sim) {
  const roots = Keychain.open(sim.paths, sim.paths.systemRoots)
  return roots.certificates().map((certificate) => certificate.info)
}

/** The user trust settings live in the login keychain's file (see keychain.mjs). */
export function loginKeychain(sim, fn) {
  return openKeychain(sim, readPreferences(sim.paths).login, fn)
}

export function userTrustSettings(sim) {
  const login = Keychain.open(sim.paths, readPreferences(sim.paths).login)
  return login?.data.trustSettings ?? []
}

/** Everything `find-identity` and the chain builder may use as an intermediate. */
export function certificatePool(sim, keychains) {
  const all = [...keychains, ...searchKeychains(sim, [], 'SecKeychainSearchCopyNext')]
  const seen = new Set()
  const pool = []
  for (const keychain of all) {
    for (const certificate of keychain.certificates()) {
      if (seen.has(certificate.info.sha1)) continue
      seen.add(certificate.info.sha1)
      pool.push(certificate.info)
    }
  }
  return pool
}

export function readCertificateFile(bytes) {
  const textValue = bytes.toString('latin1')
  if (textValue.includes('-----BEGIN CERTIFICATE-----')) {
    const base64 = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(textValue)[1]
    return certInfo(Buffer.from(base64.replace(/\s+/g, ''), 'base64'))
  }
  return certInfo(bytes)
}
