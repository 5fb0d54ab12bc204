/**
 * What a certificate authority delivered, recognised by its content rather than its name: a PKCS#12
 * file (DER, or base64 text of one), or a bare certificate (PEM or DER). Everything that is neither
 * gets one sentence that says what the file is and what to do instead.
 */
import {ExitCode, UserError} from '../errors.js'
import {CertificateFormatError, certificatesFromPem, looksLikeCertificate} from './certificate.js'
import {assembleIdentity, type Identity, NoCertificateError, UnreadableKeyError} from './identity.js'
import {
  ExcessiveIterationsError,
  IntegrityError,
  MAX_ITERATIONS,
  openPfx,
  type PfxStructure,
  parsePfx,
  Pkcs12FormatError,
  type ProtectionSummary,
  summarizeProtection,
  UnsupportedPkcs12Error,
  WrongPasswordError,
} from './pkcs12/decode.js'

export type InputFormat = 'PKCS#12' | 'PKCS#12 (base64)' | 'PEM certificate' | 'DER certificate'

export type DecodedInput =
  | {kind: 'certificate'; format: InputFormat; identity: Identity}
  | {kind: 'pkcs12'; format: InputFormat; structure: PfxStructure; protection: ProtectionSummary}

export interface FileProtection extends ProtectionSummary {
  keyEncryption: string | null
  keyIterations: number | null
}

/** Input mailcert cannot use (exit 4); system/input-file.ts uses it for a file that cannot be read at all. */
export function unreadable(message: string, hints: string[] = []): UserError {
  return new UserError(message, {code: 'not-pkcs12', exitCode: ExitCode.unreadableInput, hints})
}

const ASK_FOR_P12 = 'Use the .p12 or .pfx file your certificate authority gave you (it holds the certificate and its private key).'
const DOWNLOAD_AGAIN = 'Download the file again from your certificate authority, or export it again from where it came from.'

function damagedCertificate(error: CertificateFormatError, where: 'file' | 'inside'): UserError {
  const sentence =
    where === 'file'
      ? `The certificate in this file is damaged: ${error.part} cannot be read.`
      : `A certificate inside the file is damaged: ${error.part} cannot be read.`
  return unreadable(sentence, [DOWNLOAD_AGAIN])
}

function excessiveIterations(error: ExcessiveIterationsError): UserError {
  return unreadable(
    `The file asks for ${error.iterations.toLocaleString('en')} rounds of password hashing, far beyond the ${MAX_ITERATIONS.toLocaleString('en')} that any real program writes, so mailcert does not try to open it.`,
    ['Export the certificate again from where it came from, with the default settings.'],
  )
}

function isZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32BE(0) === 0x504b0304
}

function asText(bytes: Buffer): string | null {
  // Text means printable ASCII plus line breaks and tabs; a binary file has control bytes early on.
  const sample = bytes.subarray(0, 4096)
  for (const byte of sample) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte > 0x7e) return null
  }
  return bytes.toString('latin1')
}

function fromBase64Text(text: string): Buffer | null {
  const compact = text.replace(/\s+/g, '')
  if (compact.length < 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return null
  const bytes = Buffer.from(compact, 'base64')
  return bytes[0] === 0x30 ? bytes : null
}

function certificateInput(ders: Buffer[], format: InputFormat): DecodedInput {
  return {kind: 'certificate', format, identity: assembleIdentity({keys: [], certificates: ders.map((der) => ({der}))})}
}

function decodeText(text: string): DecodedInput {
  if (text.includes('-----BEGIN')) {
    const ders = certificatesFromPem(text)
    if (ders.length > 0) return certificateInput(ders, 'PEM certificate')
    if (/-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(text)) {
      throw unreadable('This PEM file holds only a private key, without its certificate.', [ASK_FOR_P12])
    }
    if (text.includes('-----BEGIN PKCS7-----')) {
      throw unreadable('This is a PKCS#7 (.p7b) certificate bundle: it holds no private key.', [ASK_FOR_P12])
    }
    throw unreadable('This PEM file holds no certificate.', [ASK_FOR_P12])
  }
  const decoded = fromBase64Text(text)
  if (decoded) {
    const inner = decodeBinary(decoded)
    return {...inner, format: inner.kind === 'pkcs12' ? 'PKCS#12 (base64)' : inner.format}
  }
  throw unreadable('This is a text file, not a PKCS#12 (.p12/.pfx) file or a certificate.', [ASK_FOR_P12])
}

function describeFormatError(error: Pkcs12FormatError): string {
  if (/too few bytes/i.test(error.message)) return 'The file is incomplete: it ends before its PKCS#12 data does. Download it again.'
  return `The file is not a readable PKCS#12 (.p12/.pfx) file (${error.message.replace(/\.$/, '')}).`
}

function decodeBinary(bytes: Buffer): DecodedInput {
  try {
    const structure = parsePfx(bytes)
    return {kind: 'pkcs12', format: 'PKCS#12', structure, protection: summarizeProtection(structure)}
  } catch (error) {
    if (error instanceof UnsupportedPkcs12Error) {
      throw unreadable(`This PKCS#12 file uses something mailcert cannot read: ${error.message}.`, [
        'Export the certificate again from where it came from, choosing the default or "compatible" encryption.',
      ])
    }
    if (!(error instanceof Pkcs12FormatError)) throw error
    if (looksLikeCertificate(bytes)) return certificateInput([bytes], 'DER certificate')
    throw unreadable(describeFormatError(error), [ASK_FOR_P12])
  }
}

/** Recognise the input. Throws a UserError (exit 4) for anything mailcert cannot read. */
export function decodeInput(bytes: Buffer): DecodedInput {
  if (bytes.length === 0) throw unreadable('The file is empty.', [ASK_FOR_P12])
  if (isZip(bytes)) {
    throw unreadable('This is a ZIP archive, not a certificate file.', ['Unpack it and run mailcert on the .p12 or .pfx file inside.'])
  }
  try {
    if (bytes[0] === 0x30) return decodeBinary(bytes)
    const latin = bytes.toString('latin1')
    if (latin.includes('-----BEGIN')) return decodeText(latin)
    const text = asText(bytes)
    if (text !== null) return decodeText(text)
    throw unreadable('This is not a PKCS#12 (.p12/.pfx) file or a certificate.', [ASK_FOR_P12])
  } catch (error) {
    if (error instanceof NoCertificateError) throw unreadable('The file holds no certificate.', [ASK_FOR_P12])
    if (error instanceof CertificateFormatError) throw damagedCertificate(error, 'file')
    if (error instanceof ExcessiveIterationsError) throw excessiveIterations(error)
    throw error
  }
}

export class WrongPassword extends UserError {
  constructor() {
    super('The password is wrong.', {
      code: 'wrong-password',
      exitCode: ExitCode.wrongPassword,
      hints: ['Use the password you chose when you downloaded the certificate, or the one your certificate authority sent.'],
    })
  }
}

/** Open a PKCS#12 input with a password. Wrong password: WrongPassword (exit 3); damaged file: exit 4. */
export async function openPkcs12(input: Extract<DecodedInput, {kind: 'pkcs12'}>, password: string): Promise<{identity: Identity; protection: FileProtection}> {
  try {
    const contents = await openPfx(input.structure, password)
    const identity = assembleIdentity(contents)
    const key = contents.keys.find((k) => k.pkcs8 === identity.privateKey)
    return {
      identity,
      protection: {...input.protection, keyEncryption: key?.encryption?.name ?? null, keyIterations: key?.encryption?.iterations ?? null},
    }
  } catch (error) {
    if (error instanceof WrongPasswordError) throw new WrongPassword()
    if (error instanceof IntegrityError) {
      throw unreadable('The file has been changed or damaged since it was made: its integrity check fails although the password is right.', [
        'Download the file again from your certificate authority.',
      ])
    }
    if (error instanceof Pkcs12FormatError) throw unreadable(describeFormatError(error), [DOWNLOAD_AGAIN])
    if (error instanceof UnsupportedPkcs12Error) throw unreadable(`This PKCS#12 file uses something mailcert cannot read: ${error.message}.`)
    if (error instanceof ExcessiveIterationsError) throw excessiveIterations(error)
    if (error instanceof NoCertificateError) throw unreadable('The file holds no certificate, only a private key.', [ASK_FOR_P12])
    if (error instanceof CertificateFormatError) throw damagedCertificate(error, 'inside')
    if (error instanceof UnreadableKeyError) throw unreadable('The private key in the file cannot be read: the file is damaged.', [DOWNLOAD_AGAIN])
    throw error
  }
}
