/**
 * The simulated keychains and the user's keychain preferences.
 *
 * A keychain is a JSON file at the keychain's own path (normally HOME/Library/Keychains/
 * login.keychain-db), so that a test sees it where mailcert looks for it:
 *
 *   {
 *     "format": "mailcert-security-simulator/1",
 *     "password": {"salt": hex, "sha256": hex},      sha256 of `${salt}:${password}`
 *     "locked": false,
 *     "certificates": [{"der": base64, "sha1": HEX, "sha256": HEX, "label": "..."}],
 *     "keys": [{"label", "publicKeyHash": HEX (SHA-1 of the SPKI), "type": "rsa"|"ec", "canSign",
 *               "canDecrypt", "canDerive", "extractable", "partitions": ["apple-tool:"],
 *               "access": {"allowAll": bool, "applications": [path]}, "pkcs8": base64}],
 *     "identityPreferences": [{"service": "alice@example.com", "sha1": HEX}],
 *     "trustSettings": [{"sha1": HEX, "sha256": HEX, "result": "trustRoot", "policies": ["smime"]}]
 *   }
 *
 * The macOS user trust settings live outside any keychain; the simulator keeps them in the login
 * keychain's file, where a test can read them with everything else.
 *
 * The keychain lists (`login-keychain`, `default-keychain`, `list-keychains`) are the user's
 * preferences: HOME/Library/Preferences/com.apple.security.simulator.json, `{login, default,
 * searchList}`, each defaulting to the login keychain.
 *
 * The system's root certificates are a PEM bundle at ROOT/System/Library/Keychains/
 * SystemRootCertificates.keychain: readable as a keychain, never written.
 */
import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {certificatesFromPem, certInfo} from './cert-info.mjs'

export const FORMAT = 'mailcert-security-simulator/1'

export function passwordRecord(password) {
  const salt = randomBytes(8).toString('hex')
  return {salt, sha256: createHash('sha256').update(`${salt}:${password}`).digest('hex')}
}

export function passwordMatches(record, password) {
  const computed = createHash('sha256').update(`${record.salt}:${password}`).digest()
  return timingSafeEqual(computed, Buffer.from(record.sha256, 'hex'))
}

export function emptyKeychain(password) {
  return {format: FORMAT, password: passwordRecord(password), locked: false, certificates: [], keys: [], identityPreferences: [], trustSettings: []}
}

export class SimulatorPaths {
  constructor(root, home) {
    this.root = root
    this.home = home
  }

  system(absolute) {
    return path.join(this.root, absolute)
  }

  get systemRoots() {
    return this.system('/System/Library/Keychains/SystemRootCertificates.keychain')
  }

  get systemKeychain() {
    return this.system('/Library/Keychains/System.keychain')
  }

  get userKeychains() {
    return path.join(this.home, 'Library', 'Keychains')
  }

  get preferences() {
    return path.join(this.home, 'Library', 'Preferences', 'com.apple.security.simulator.json')
  }

  get state() {
    return path.join(this.root, '.simulator')
  }
}

export function readPreferences(paths) {
  const login = path.join(paths.userKeychains, 'login.keychain-db')
  const stored = existsSync(paths.preferences) ? JSON.parse(readFileSync(paths.preferences, 'utf8')) : {}
  return {login: stored.login ?? login, default: stored.default ?? stored.login ?? login, searchList: stored.searchList ?? [stored.login ?? login]}
}

export function writePreferences(paths, preferences) {
  writeJsonAtomic(paths.preferences, preferences)
}

export function writeJsonAtomic(file, value) {
  mkdirSync(path.dirname(file), {recursive: true})
  const temporary = `${file}.sim-${process.pid}`
  writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`, {mode: 0o600})
  renameSync(temporary, file)
}

/** Not a file the simulator wrote: fail loudly rather than pretend to be a real keychain. */
export class NotSimulatedKeychain extends Error {}

/** An open keychain: its data, and saving it back. The system roots are a read-only one. */
export class Keychain {
  constructor(file, data, {readOnly = false} = {}) {
    this.path = file
    this.data = data
    this.readOnly = readOnly
  }

  static open(paths, file) {
    if (path.resolve(file) === path.resolve(paths.systemRoots)) {
      const certificates = existsSync(file) ? certificatesFromPem(readFileSync(file, 'utf8')).map((der) => certificateRecord(der, null)) : []
      return new Keychain(file, {format: FORMAT, locked: false, certificates, keys: [], identityPreferences: [], trustSettings: []}, {readOnly: true})
    }
    if (!existsSync(file)) return null
    let data
    try {
      data = JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      throw new NotSimulatedKeychain(`${file} is not a keychain the security simulator wrote`)
    }
    if (data.format !== FORMAT) throw new NotSimulatedKeychain(`${file} is not a keychain the security simulator wrote`)
    return new Keychain(file, data)
  }

  save() {
    if (this.readOnly) throw new Error(`the simulator never writes ${this.path}`)
    writeJsonAtomic(this.path, this.data)
  }

  certificates() {
    return this.data.certificates.map((record) => ({record, info: certInfo(Buffer.from(record.der, 'base64')), keychain: this}))
  }

  /** The keychain's identities: each private key with the certificate of its public key. */
  identities() {
    const result = []
    for (const key of this.data.keys) {
      for (const certificate of this.certificates()) {
        if (certificate.info.publicKeyHash === key.publicKeyHash) result.push({key, certificate, keychain: this})
      }
    }
    return result
  }
}

export function certificateRecord(der, label) {
  const info = certInfo(der)
  return {der: Buffer.from(der).toString('base64'), sha1: info.sha1, sha256: info.sha256, label: label ?? info.label}
}
