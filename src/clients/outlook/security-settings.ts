/**
 * Classic Outlook's "Security Settings" (Trust Center > Email Security > Settings): the registry
 * value `11020355` (MAPI PR_SECURITY_PROFILES, a multi-valued binary) and the profile-wide
 * sign/encrypt defaults `00030354`. Pure: bytes in, bytes out. The format is not documented by
 * Microsoft; it is what open-source writers use (research windows-outlook.md §4.2):
 *
 * - the registry serialization of a multi-valued binary: uint32 count, then per value a size and an
 *   offset (uint32 each for 32-bit Outlook, uint64 each for 64-bit Outlook), then the values' bytes,
 *   zero-padded at the end (glueckkanja pads to a multiple of 16 with 1 to 16 bytes);
 * - each value is one setting: packets of uint16 tag, uint16 length (header included), data.
 *
 * Several settings in one value use the generic multi-valued layout (N size/offset pairs, then the
 * bodies one after the other). Only the one-setting case is confirmed by a writer that Outlook reads
 * (glueckkanja); the multi-entry layout follows the generic serialization and one PowerShell writer
 * (timothy-byles/powershell-OutlookES-classes), and is UNCONFIRMED against Outlook itself.
 */

export type OutlookBitness = 32 | 64

export const PACKET = {
  version: 0x0001,
  capabilities: 0x0002,
  messageEncoding: 0x0006,
  signingHash: 0x0009,
  asciiName: 0x000b,
  defaults: 0x0020,
  encryptionHash: 0x0022,
  unicodeName: 0x0051,
} as const

/** PR_CERT_DEFAULTS bits. */
export const DEFAULT_FOR_FORMAT = 0x1
export const DEFAULT_FOR_ALL_FORMATS = 0x2
export const SEND_CERTIFICATES = 0x4

/**
 * SMIMECapabilities, strongest first: Outlook takes the first encryption and the first hash
 * algorithm as the setting's choice. AES-256-CBC, AES-192-CBC, 3DES, AES-128-CBC, SHA-256, SHA-512,
 * SHA-384 (the list glueckkanja's 2022 writer uses).
 */
export const STRONG_CAPABILITIES = Buffer.from(
  '305a' +
    '300b060960864801650304012a' + '300b0609608648016503040116' + '300a06082a864886f70d0307' + '300b0609608648016503040102' +
    '300b0609608648016503040201' + '300b0609608648016503040203' + '300b0609608648016503040202',
  'hex',
)

export interface SettingPacket { tag: number; data: Buffer }

/** One security setting: its packets as they were (unknown tags too), and what the known ones say. */
export interface SecuritySetting {
  packets: SettingPacket[]
  /** The name shown in Outlook (the UTF-16 name, else the ASCII one). */
  name: string | null
  /** Upper-case SHA-1 hex, as Windows shows a thumbprint. */
  signingThumbprint: string | null
  encryptionThumbprint: string | null
  /** PR_CERT_DEFAULTS; 0 when the packet is absent. */
  defaults: number
  /** The DER SMIMECapabilities, or null. */
  capabilities: Buffer | null
}

export interface SecuritySettings { bitness: OutlookBitness; settings: SecuritySetting[] }

export type DecodedSecuritySettings = SecuritySettings | {malformed: string}

const u32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(value >>> 0)
  return bytes
}

/** What a setting's packets say; throws a reason when a known packet is not what it should be. */
function describe(packets: SettingPacket[]): SecuritySetting {
  let unicodeName: string | null = null
  let asciiName: string | null = null
  let signingThumbprint: string | null = null
  let encryptionThumbprint: string | null = null
  let defaults = 0
  let capabilities: Buffer | null = null
  for (const {tag, data} of packets) {
    switch (tag) {
      case PACKET.version:
      case PACKET.messageEncoding:
      case PACKET.defaults: {
        if (data.length !== 4) throw new Error(`packet 0x${hex4(tag)} holds ${data.length} bytes, not a 4-byte number`)
        if (tag === PACKET.defaults) defaults = data.readUInt32LE(0)
        break
      }
      case PACKET.signingHash:
      case PACKET.encryptionHash: {
        if (data.length !== 20) throw new Error(`the ${tag === PACKET.signingHash ? 'signing' : 'encryption'} certificate's hash is ${data.length} bytes, not a 20-byte SHA-1`)
        if (tag === PACKET.signingHash) signingThumbprint = data.toString('hex').toUpperCase()
        else encryptionThumbprint = data.toString('hex').toUpperCase()
        break
      }
      case PACKET.unicodeName: {
        if (data.length % 2 !== 0) throw new Error(`the setting's UTF-16 name has an odd length (${data.length} bytes)`)
        unicodeName = data.toString('utf16le').replace(/\0+$/, '')
        break
      }
      case PACKET.asciiName: {
        asciiName = data.toString('latin1').replace(/\0+$/, '')
        break
      }
      case PACKET.capabilities: {
        if (!isDerSequence(data)) throw new Error('the algorithm list (packet 0x0002) is not one DER SEQUENCE')
        capabilities = data
        break
      }
      default:
        // Kept byte for byte; Outlook may know what it means.
        break
    }
  }
  return {packets, name: unicodeName ?? asciiName, signingThumbprint, encryptionThumbprint, defaults, capabilities}
}

function hex4(tag: number): string {
  return tag.toString(16).padStart(4, '0')
}

/** A DER SEQUENCE whose length is exactly the rest of the bytes. */
function isDerSequence(data: Buffer): boolean {
  if (data.length < 2 || data[0] !== 0x30) return false
  const first = data[1]
  if (first < 0x80) return first + 2 === data.length
  const lengthBytes = first & 0x7f
  if (lengthBytes === 0 || lengthBytes > 3 || data.length < 2 + lengthBytes) return false
  let length = 0
  for (let index = 0; index < lengthBytes; index++) length = length * 256 + data[2 + index]
  return length + 2 + lengthBytes === data.length
}

function decodePackets(body: Buffer): SettingPacket[] {
  const packets: SettingPacket[] = []
  let position = 0
  while (position < body.length) {
    if (position + 4 > body.length) throw new Error(`${body.length - position} stray byte(s) after the last packet`)
    const tag = body.readUInt16LE(position)
    const length = body.readUInt16LE(position + 2)
    if (length < 4) throw new Error(`packet 0x${hex4(tag)} at byte ${position} has a length of ${length}, shorter than its own header`)
    if (position + length > body.length) throw new Error(`packet 0x${hex4(tag)} at byte ${position} runs past the end of its setting`)
    packets.push({tag, data: Buffer.from(body.subarray(position + 4, position + length))})
    position += length
  }
  return packets
}

interface Entry { offset: number; size: number }

/** The entries of the multi-valued header as the given bitness lays them out, or a reason it does not fit. */
function readHeader(bytes: Buffer, bitness: OutlookBitness): Entry[] | string {
  if (bytes.length < 4) return `${bytes.length} bytes, too short for the count of settings`
  const count = bytes.readUInt32LE(0)
  const pairSize = bitness === 64 ? 16 : 8
  const headerLength = 4 + count * pairSize
  if (count === 0) return 'the value counts no settings'
  if (headerLength > bytes.length) return `it counts ${count} settings, but is only ${bytes.length} bytes long`
  const entries: Entry[] = []
  for (let index = 0; index < count; index++) {
    const at = 4 + index * pairSize
    const size = bitness === 64 ? Number(bytes.readBigUInt64LE(at)) : bytes.readUInt32LE(at)
    const offset = bitness === 64 ? Number(bytes.readBigUInt64LE(at + 8)) : bytes.readUInt32LE(at + 4)
    if (!Number.isSafeInteger(size) || !Number.isSafeInteger(offset) || offset < headerLength || offset + size > bytes.length) {
      return `setting ${index + 1} of ${count} lies outside the value (offset ${offset}, size ${size}, value ${bytes.length} bytes)`
    }
    entries.push({offset, size})
  }
  if (entries[0].offset !== headerLength) return `the first setting starts at byte ${entries[0].offset}, not right after the ${headerLength}-byte header`
  return entries
}

/** Bytes that belong to no setting must be zero (padding). */
function strayByte(bytes: Buffer, headerLength: number, entries: Entry[]): number | null {
  const covered = new Uint8Array(bytes.length)
  covered.fill(1, 0, headerLength)
  for (const {offset, size} of entries) covered.fill(1, offset, offset + size)
  for (let index = 0; index < bytes.length; index++) if (!covered[index] && bytes[index] !== 0) return index
  return null
}

/**
 * The settings in a `11020355` value. The header says which bitness wrote it; `expected` (the
 * installed Outlook's) is tried first. Malformed input gives the reason instead.
 */
export function decodeSecuritySettings(bytes: Buffer, expected: OutlookBitness = 64): DecodedSecuritySettings {
  const order: OutlookBitness[] = expected === 64 ? [64, 32] : [32, 64]
  let firstReason = ''
  for (const bitness of order) {
    const entries = readHeader(bytes, bitness)
    if (typeof entries === 'string') {
      firstReason ||= entries
      continue
    }
    const headerLength = 4 + entries.length * (bitness === 64 ? 16 : 8)
    const stray = strayByte(bytes, headerLength, entries)
    if (stray !== null) return {malformed: `byte ${stray} is neither in a setting nor zero padding`}
    const settings: SecuritySetting[] = []
    for (const [index, {offset, size}] of entries.entries()) {
      try {
        settings.push(describe(decodePackets(bytes.subarray(offset, offset + size))))
      } catch (error) {
        return {malformed: `setting ${index + 1}: ${(error as Error).message}`}
      }
    }
    return {bitness, settings}
  }
  return {malformed: firstReason}
}

function encodePackets(packets: SettingPacket[]): Buffer {
  return Buffer.concat(packets.map(({tag, data}) => {
    const length = data.length + 4
    if (length > 0xffff) throw new RangeError(`packet 0x${hex4(tag)} is too long (${length} bytes)`)
    const header = Buffer.alloc(4)
    header.writeUInt16LE(tag, 0)
    header.writeUInt16LE(length, 2)
    return Buffer.concat([header, data])
  }))
}

/** The `11020355` value for the given bitness: header, the settings' bodies in order, then 1 to 16 zero bytes to a multiple of 16. */
export function encodeSecuritySettings(settings: Array<Pick<SecuritySetting, 'packets'>>, bitness: OutlookBitness): Buffer {
  if (settings.length === 0) throw new RangeError('a security settings value needs at least one setting')
  const bodies = settings.map((setting) => encodePackets(setting.packets))
  const pairSize = bitness === 64 ? 16 : 8
  const header = Buffer.alloc(4 + bodies.length * pairSize)
  header.writeUInt32LE(bodies.length, 0)
  let offset = header.length
  for (const [index, body] of bodies.entries()) {
    const at = 4 + index * pairSize
    if (bitness === 64) {
      header.writeBigUInt64LE(BigInt(body.length), at)
      header.writeBigUInt64LE(BigInt(offset), at + 8)
    } else {
      header.writeUInt32LE(body.length, at)
      header.writeUInt32LE(offset, at + 4)
    }
    offset += body.length
  }
  return Buffer.concat([header, ...bodies, Buffer.alloc(16 - (offset % 16))])
}

/** The name with every character outside printable ASCII as `?`, for the ASCII copy of the name. */
export function asciiSafe(name: string): string {
  return [...name].map((character) => (/^[\x20-\x7e]$/.test(character) ? character : '?')).join('')
}

export interface NewSetting {
  name: string
  /** 40 hex digits. */
  signingThumbprint: string
  encryptionThumbprint: string | null
  /** PR_CERT_DEFAULTS: 7 for the default setting, 4 (send certificates only) for the others. */
  defaults: number
}

function thumbprintBytes(thumbprint: string): Buffer {
  if (!/^[0-9a-fA-F]{40}$/.test(thumbprint)) throw new RangeError(`not a SHA-1 thumbprint: ${thumbprint}`)
  return Buffer.from(thumbprint, 'hex')
}

/** A setting in the order glueckkanja writes it: version, encoding, defaults, names, hashes, algorithms. */
export function newSecuritySetting(setting: NewSetting): SecuritySetting {
  const packets: SettingPacket[] = [
    {tag: PACKET.version, data: u32(1)},
    {tag: PACKET.messageEncoding, data: u32(1)},
    {tag: PACKET.defaults, data: u32(setting.defaults)},
    {tag: PACKET.unicodeName, data: Buffer.from(`${setting.name}\0`, 'utf16le')},
    {tag: PACKET.asciiName, data: Buffer.from(`${asciiSafe(setting.name)}\0`, 'latin1')},
    {tag: PACKET.signingHash, data: thumbprintBytes(setting.signingThumbprint)},
    ...(setting.encryptionThumbprint ? [{tag: PACKET.encryptionHash, data: thumbprintBytes(setting.encryptionThumbprint)}] : []),
    {tag: PACKET.capabilities, data: STRONG_CAPABILITIES},
  ]
  return describe(packets)
}

/** The same setting with other PR_CERT_DEFAULTS bits (the packet replaced in place, or added after the encoding). */
export function withDefaults(setting: SecuritySetting, defaults: number): SecuritySetting {
  const packet = {tag: PACKET.defaults, data: u32(defaults)}
  const at = setting.packets.findIndex(({tag}) => tag === PACKET.defaults)
  if (at >= 0) return describe(setting.packets.map((existing, index) => (index === at ? packet : existing)))
  const encoding = setting.packets.findIndex(({tag}) => tag === PACKET.messageEncoding)
  const packets = [...setting.packets]
  packets.splice(encoding + 1, 0, packet)
  return describe(packets)
}

// ---- 00030354: the profile-wide "encrypt" and "sign" checkboxes

export const SECURITY_FLAG_ENCRYPT = 0x1
export const SECURITY_FLAG_SIGN = 0x2

export interface SecurityFlags { encrypt: boolean; sign: boolean; /** The whole number, other bits included. */ bits: number }

/** The 4-byte little-endian flags; malformed when not 4 bytes. */
export function decodeSecurityFlags(bytes: Buffer): SecurityFlags | {malformed: string} {
  if (bytes.length !== 4) return {malformed: `${bytes.length} bytes, not a 4-byte number`}
  const bits = bytes.readUInt32LE(0)
  return {encrypt: (bits & SECURITY_FLAG_ENCRYPT) !== 0, sign: (bits & SECURITY_FLAG_SIGN) !== 0, bits}
}

/** The flags with the sign/encrypt bits set as asked, other bits kept. */
export function encodeSecurityFlags(previousBits: number, choices: {sign?: boolean; encrypt?: boolean}): Buffer {
  let bits = previousBits
  if (choices.sign !== undefined) bits = choices.sign ? bits | SECURITY_FLAG_SIGN : bits & ~SECURITY_FLAG_SIGN
  if (choices.encrypt !== undefined) bits = choices.encrypt ? bits | SECURITY_FLAG_ENCRYPT : bits & ~SECURITY_FLAG_ENCRYPT
  return u32(bits)
}
