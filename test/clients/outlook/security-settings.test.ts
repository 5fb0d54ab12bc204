import {describe, expect, it} from 'vitest'

import {
  decodeSecurityFlags, decodeSecuritySettings, encodeSecurityFlags, encodeSecuritySettings, newSecuritySetting,
  type SecuritySettings, withDefaults,
} from '../../../src/clients/outlook/security-settings.js'

// Expected bytes are written out by hand from the layout in research windows-outlook.md §4.2,
// not produced by the encoder under test.
const hex = (text: string) => Buffer.from(text.replaceAll(/\s+/g, ''), 'hex')

const SIGN = '0102030405060708090A0B0C0D0E0F1011121314'
const ENCRYPT = 'A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4'

// "S/MIME (a@b.c)": 14 characters.
const NAME_UTF16 = '5300 2f00 4d00 4900 4d00 4500 2000 2800 6100 4000 6200 2e00 6300 2900 0000'
const NAME_ASCII = '53 2f 4d 49 4d 45 20 28 61 40 62 2e 63 29 00'
const CAPABILITIES = '305a 300b060960864801650304012a 300b0609608648016503040116 300a06082a864886f70d0307 ' +
  '300b0609608648016503040102 300b0609608648016503040201 300b0609608648016503040203 300b0609608648016503040202'

/** 24 + 34 + 19 + 24 + 24 + 96 = 221 (0xdd) bytes. */
const BODY = [
  '0100 0800 01000000', // PR_CERT_PROP_VERSION = 1
  '0600 0800 01000000', // PR_CERT_MESSAGE_ENCODING = 1 (S/MIME)
  '2000 0800 07000000', // PR_CERT_DEFAULTS = 7
  `5100 2200 ${NAME_UTF16}`, // UTF-16 name: 30 bytes + 4
  `0b00 1300 ${NAME_ASCII}`, // ASCII name: 15 bytes + 4
  `0900 1800 ${SIGN}`,
  `2200 1800 ${ENCRYPT}`,
  `0200 6000 ${CAPABILITIES}`, // 92 bytes + 4
].join(' ')

const VALUE_64 = hex(`01000000 dd00000000000000 1400000000000000 ${BODY} ${'00'.repeat(15)}`) // 20 + 221 = 241, padded to 256
const VALUE_32 = hex(`01000000 dd000000 0c000000 ${BODY} ${'00'.repeat(7)}`) // 12 + 221 = 233, padded to 240

function settingsOf(decoded: ReturnType<typeof decodeSecuritySettings>): SecuritySettings {
  if ('malformed' in decoded) throw new Error(`malformed: ${decoded.malformed}`)
  return decoded
}

describe('the 11020355 security settings value', () => {
  const mine = {name: 'S/MIME (a@b.c)', signingThumbprint: SIGN, encryptionThumbprint: ENCRYPT, defaults: 7}

  it('encodes one setting with the 64-bit header, padded to 16 bytes', () => {
    const bytes = encodeSecuritySettings([newSecuritySetting(mine)], 64)
    expect(bytes.toString('hex')).toBe(VALUE_64.toString('hex'))
    expect(bytes.length % 16).toBe(0)
  })

  it('encodes one setting with the 32-bit header', () => {
    expect(encodeSecuritySettings([newSecuritySetting(mine)], 32).toString('hex')).toBe(VALUE_32.toString('hex'))
  })

  it('accepts lower-case thumbprints and writes them as bytes', () => {
    const bytes = encodeSecuritySettings([newSecuritySetting({...mine, signingThumbprint: SIGN.toLowerCase()})], 64)
    expect(bytes.equals(VALUE_64)).toBe(true)
  })

  it('decodes both headers to what they say', () => {
    for (const [value, bitness] of [[VALUE_64, 64], [VALUE_32, 32]] as const) {
      const decoded = settingsOf(decodeSecuritySettings(value))
      expect(decoded.bitness).toBe(bitness)
      expect(decoded.settings).toHaveLength(1)
      const [setting] = decoded.settings
      expect(setting.name).toBe('S/MIME (a@b.c)')
      expect(setting.signingThumbprint).toBe(SIGN)
      expect(setting.encryptionThumbprint).toBe(ENCRYPT)
      expect(setting.defaults).toBe(7)
      expect(setting.capabilities?.toString('hex')).toBe(hex(CAPABILITIES).toString('hex'))
      expect(setting.packets.map(({tag}) => tag)).toEqual([0x01, 0x06, 0x20, 0x51, 0x0b, 0x09, 0x22, 0x02])
    }
  })

  it('tries the expected bitness first and still reads the other', () => {
    expect(settingsOf(decodeSecuritySettings(VALUE_64, 32)).bitness).toBe(64)
    expect(settingsOf(decodeSecuritySettings(VALUE_32, 32)).bitness).toBe(32)
  })

  it('reads what glueckkanja\'s ActivateSignatures.ps1 (2018) writes: 32-bit, signing hash only, SHA-2 hashes then SHA-1', () => {
    // "Outlook Signature Settings": 26 characters; UTF-16 52 bytes + NUL + 4 = 0x3a, ASCII 27 (length 0x1f).
    const name = Buffer.from('Outlook Signature Settings', 'latin1').toString('hex')
    const nameUtf16 = Buffer.from('Outlook Signature Settings', 'utf16le').toString('hex')
    const body = [
      '0100 0800 01000000 0600 0800 01000000 2000 0800 07000000',
      `5100 3a00 ${nameUtf16} 0000`,
      `0b00 1f00 ${name} 00`,
      `0900 1800 ${SIGN}`,
      '0200 3600 3030 300b0609608648016503040201 300b0609608648016503040203 300b0609608648016503040202 3007 06052b0e03021a',
    ].join(' ')
    const bodyLength = hex(body).length
    expect(bodyLength).toBe(24 + 58 + 31 + 24 + 54)
    const raw = Buffer.concat([hex('01000000'), u32(bodyLength), hex('0c000000'), hex(body)])
    const value = Buffer.concat([raw, Buffer.alloc(16 - (raw.length % 16))])
    const [setting] = settingsOf(decodeSecuritySettings(value, 32)).settings
    expect(setting.name).toBe('Outlook Signature Settings')
    expect(setting.signingThumbprint).toBe(SIGN)
    expect(setting.encryptionThumbprint).toBeNull()
    // Re-encoded unchanged, it is the same value byte for byte.
    expect(encodeSecuritySettings(settingsOf(decodeSecuritySettings(value, 32)).settings, 32).equals(value)).toBe(true)
  })

  it('reads and writes back two settings, an unknown packet kept byte for byte (multi-entry layout: UNCONFIRMED against Outlook)', () => {
    const second = ['0100 0800 01000000', '0b00 0700 7879 00', `0900 1800 ${ENCRYPT}`, '9900 0600 abcd'].join(' ') // 45 bytes
    // Header 4 + 2 × 16 = 36; bodies at 36 (221 bytes) and 257 (45 bytes); 302 bytes, padded to 304.
    const value = hex(`02000000 dd00000000000000 2400000000000000 2d00000000000000 0101000000000000 ${BODY} ${second} 0000`)
    const decoded = settingsOf(decodeSecuritySettings(value))
    expect(decoded.settings.map((setting) => setting.name)).toEqual(['S/MIME (a@b.c)', 'xy'])
    expect(decoded.settings[1].packets.at(-1)).toEqual({tag: 0x99, data: hex('abcd')})
    expect(decoded.settings[1].defaults).toBe(0)
    expect(encodeSecuritySettings(decoded.settings, 64).toString('hex')).toBe(value.toString('hex'))
  })

  it('changes the defaults bits in place, everything else kept', () => {
    const [setting] = settingsOf(decodeSecuritySettings(VALUE_64)).settings
    const changed = withDefaults(setting, 4)
    expect(changed.defaults).toBe(4)
    const bytes = encodeSecuritySettings([changed], 64)
    const expected = Buffer.from(VALUE_64)
    expected[20 + 16 + 4] = 0x04 // the defaults packet's number, after the header and two packets
    expect(bytes.toString('hex')).toBe(expected.toString('hex'))
  })

  it('adds a defaults packet after the encoding when a setting has none', () => {
    const second = hex(`01000000 1d000000 0c000000 0100 0800 01000000 0600 0800 01000000 0900 0d00 ${'00'.repeat(9)}`)
    expect(decodeSecuritySettings(second)).toEqual({malformed: expect.stringContaining('9 bytes, not a 20-byte SHA-1')})
    const bare = newSecuritySetting(mine)
    const withoutDefaults = {...bare, packets: bare.packets.filter(({tag}) => tag !== 0x20)}
    expect(withDefaults(withoutDefaults as typeof bare, 7).packets.map(({tag}) => tag)).toEqual([0x01, 0x06, 0x20, 0x51, 0x0b, 0x09, 0x22, 0x02])
  })

  it('writes non-ASCII names as UTF-16 and as ASCII with question marks', () => {
    const [setting] = settingsOf(decodeSecuritySettings(encodeSecuritySettings([newSecuritySetting({...mine, name: 'S/MIME (jörg@b.c)'})], 64))).settings
    expect(setting.name).toBe('S/MIME (jörg@b.c)')
    expect(setting.packets.find(({tag}) => tag === 0x0b)?.data.toString('latin1')).toBe('S/MIME (j?rg@b.c)\0')
  })

  it.each([
    ['', 'too short'],
    ['00000000 00000000', 'counts no settings'],
    ['05000000 00000000', 'counts 5 settings'],
    [`01000000 dd00000000000000 f000000000000000 ${BODY} ${'00'.repeat(15)}`, 'outside the value'],
    [`01000000 dd00000000000000 1400000000000000 ${BODY} 01 ${'00'.repeat(14)}`, 'neither in a setting nor zero padding'],
    [`01000000 0600000000000000 1400000000000000 0100 0200 0000 ${'00'.repeat(6)}`, 'shorter than its own header'],
    [`01000000 0600000000000000 1400000000000000 0100 0800 0000 ${'00'.repeat(6)}`, 'runs past the end'],
    [`01000000 0600000000000000 1400000000000000 0100 0600 0000 ${'00'.repeat(6)}`, 'not a 4-byte number'],
    [`01000000 0800000000000000 1400000000000000 0200 0800 3003 0500 ${'00'.repeat(4)}`, 'not one DER SEQUENCE'],
  ])('rejects %s with a reason (%s)', (input, reason) => {
    const decoded = decodeSecuritySettings(hex(input))
    expect(decoded).toHaveProperty('malformed')
    expect((decoded as {malformed: string}).malformed).toContain(reason)
  })
})

describe('the 00030354 sign/encrypt flags', () => {
  it('decodes the bits', () => {
    expect(decodeSecurityFlags(hex('03000000'))).toEqual({encrypt: true, sign: true, bits: 3})
    expect(decodeSecurityFlags(hex('02000000'))).toEqual({encrypt: false, sign: true, bits: 2})
    expect(decodeSecurityFlags(hex('0200'))).toEqual({malformed: '2 bytes, not a 4-byte number'})
  })

  it('sets only the bits asked for and keeps the others', () => {
    expect(encodeSecurityFlags(0, {sign: true}).toString('hex')).toBe('02000000')
    expect(encodeSecurityFlags(0x10, {encrypt: true}).toString('hex')).toBe('11000000')
    expect(encodeSecurityFlags(3, {sign: false}).toString('hex')).toBe('01000000')
  })
})

function u32(value: number): Buffer {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(value)
  return bytes
}
