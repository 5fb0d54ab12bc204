/**
 * The two PKCS#12 decoders behind `security import`, as research/macos-mail.md §0 and §2.1 describe
 * them from Apple's source:
 *
 * - `legacy`: the CSSM decoder (SecKeychainItemImport). Every import on macOS 14 uses it, and on 15
 *   every import without `-f pkcs12`. It knows only the PKCS#12 PBE ciphers (3DES, RC2) and, up to
 *   macOS 14, only a SHA-1 MAC (15.0 added SHA-2 MACs to it). PBES2 is "parsed but not used".
 * - `ios`: SecPKCS12Import's decoder, used on 15 by `import -f pkcs12`. It adds SHA-2 MACs and a
 *   PBES2 branch that hard-codes AES-256-CBC with PBKDF2-HMAC-SHA256 (so AES-128 fails).
 *
 * A decoder failure is reported with the message the real tool prints after
 * `security: SecKeychainItemImport: `.
 */
import {createPrivateKey, createPublicKey} from 'node:crypto'

import {inspectPfx, openPfx, Pkcs12FormatError, Pkcs12PasswordError, Pkcs12UnsupportedError, verifyMac} from './pkcs12.mjs'
import {STATUS} from './status.mjs'

export class ImportFailure extends Error {
  constructor(status) {
    super(status.message)
    this.status = status
  }
}

/** Which decoder `security import` uses on this macOS, with or without `-f pkcs12`. */
export function decoderFor(major, format) {
  if (major >= 15 && format === 'pkcs12') return 'ios'
  return major >= 15 ? 'legacy15' : 'legacy14'
}

function legacyAccepts(decoder, pfx) {
  if (pfx.mac) {
    const shaTwo = ['sha224', 'sha256', 'sha384', 'sha512'].includes(pfx.mac.algorithm)
    if (!(pfx.mac.algorithm === 'sha1' || (decoder === 'legacy15' && shaTwo))) return STATUS.pkcs12VerifyFailure
  }
  // The source throws CSSMERR_CSP_INVALID_ALGORITHM for PBES2; what the tool prints then is
  // UNCONFIRMED. Field reports (tauri PR #15844, without -f pkcs12 on 15+) show the MAC message, so
  // the simulator prints that.
  if (pfx.algorithms.some((a) => a.kind !== 'pkcs12-pbe')) return STATUS.pkcs12VerifyFailure
  return null
}

function iosAccepts(pfx) {
  // codemagic-ci-cd/cli-tools PR #428: on 15.0 `-f pkcs12` rejects a file without a MAC.
  if (!pfx.mac) return STATUS.decode
  if (!['sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(pfx.mac.algorithm)) return STATUS.decode
  // rdar://119278907: PBES2 is assumed to be AES-256-CBC with PBKDF2-HMAC-SHA256. What other
  // PBES2 files give is UNCONFIRMED on a device; the key comes out wrong, so "Unable to decode".
  const unreadable = pfx.algorithms.some((a) => a.kind === 'unknown' || (a.kind === 'pbes2' && !(a.cipher === 'aes-256-cbc' && a.prf === 'sha256')))
  return unreadable ? STATUS.decode : null
}

/**
 * The identity the decoder reads from the file: keys as PKCS#8 DER (RSA and EC only, which is all
 * the file-based keychain stores) and certificates as DER, or an ImportFailure.
 * `password` is null when none was given (a non-ASCII -P is already null here).
 */
export function decode(bytes, password, decoder) {
  let pfx
  try {
    pfx = inspectPfx(bytes)
  } catch (error) {
    if (error instanceof Pkcs12FormatError) throw new ImportFailure(STATUS.unknownFormat)
    throw error
  }
  const refusal = decoder === 'ios' ? iosAccepts(pfx) : legacyAccepts(decoder, pfx)
  if (refusal) throw new ImportFailure(refusal)
  const wrongPassword = decoder === 'ios' ? STATUS.authFailed : STATUS.pkcs12VerifyFailure
  // codemagic-ci-cd/cli-tools PR #436: on 15.1 an empty-password file fails with "passphrase not correct".
  if (decoder === 'ios' && password === '') throw new ImportFailure(STATUS.authFailed)
  if (pfx.mac && !verifyMac(pfx, password)) throw new ImportFailure(wrongPassword)
  let contents
  try {
    contents = openPfx(pfx, password)
  } catch (error) {
    if (error instanceof Pkcs12PasswordError) throw new ImportFailure(wrongPassword)
    if (error instanceof Pkcs12UnsupportedError || error instanceof Pkcs12FormatError) throw new ImportFailure(STATUS.decode)
    throw error
  }
  // Key bags inside an encrypted part show their encryption only now.
  const late = {mac: pfx.mac, algorithms: contents.keys.filter((k) => k.algorithm).map((k) => k.algorithm)}
  const lateRefusal = decoder === 'ios' ? iosAccepts(late) : legacyAccepts(decoder, late)
  if (lateRefusal) throw new ImportFailure(lateRefusal)
  const keys = contents.keys.map((key) => {
    let object
    try {
      object = createPrivateKey({key: key.pkcs8, format: 'der', type: 'pkcs8'})
    } catch {
      throw new ImportFailure(STATUS.decode)
    }
    // Ed25519 and other kinds have no place in the file-based keychain: UNCONFIRMED which message.
    if (object.asymmetricKeyType !== 'rsa' && object.asymmetricKeyType !== 'ec') throw new ImportFailure(STATUS.decode)
    return {...key, type: object.asymmetricKeyType, spki: createPublicKey(object).export({type: 'spki', format: 'der'})}
  })
  return {keys, certificates: contents.certificates}
}
