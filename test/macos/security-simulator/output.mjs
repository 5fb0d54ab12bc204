/**
 * The attribute dumps `security` prints for keychain items (print_keychain_item_attributes and
 * print_access in keychain_utilities.c). Close enough for people and for what mailcert reads (it
 * reads hashes and PEM, never these): a `keychain:` line, `version:`, `class:`, then attributes.
 */
const blob = (value) => (value == null ? '<NULL>' : `"${value}"`)

export function certificateDump(keychain, certificate) {
  const {record, info} = certificate
  return [
    `keychain: "${keychain.path}"`,
    'version: 512',
    'class: 0x80001000 ',
    'attributes:',
    `    "alis"<blob>=${blob(info.emails[0] ?? null)}`,
    '    "cenc"<uint32>=0x00000003 ',
    '    "ctyp"<uint32>=0x00000001 ',
    `    "hpky"<blob>=0x${info.publicKeyHash} `,
    `    "labl"<blob>=${blob(record.label)}`,
    `    "snbr"<blob>=0x${info.x509.serialNumber} `,
    '',
  ].join('\n')
}

export function keyDump(keychain, key, {withAccess = false} = {}) {
  const lines = [
    `keychain: "${keychain.path}"`,
    'version: 512',
    'class: 0x00000010 ',
    'attributes:',
    '    0x00000000 <uint32>=0x00000010 ',
    `    0x00000001 <blob>=${blob(key.label)}`,
    '    0x00000002 <blob>=<NULL>',
    '    0x00000003 <uint32>=0x00000001 ',
    '    0x00000004 <uint32>=0x00000000 ',
    '    0x00000005 <uint32>=0x00000000 ',
    `    0x00000006 <blob>=0x${key.publicKeyHash} `,
    `    0x00000008 <uint32>=0x${key.type === 'rsa' ? '0000002A' : '00000049'} `,
    `    0x0000000A <uint32>=0x00000001 `,
    `    0x0000000C <uint32>=0x${key.canDecrypt ? '00000001' : '00000000'} `,
    `    0x0000000E <uint32>=0x${key.canDerive ? '00000001' : '00000000'} `,
    `    0x00000010 <uint32>=0x${key.canSign ? '00000001' : '00000000'} `,
  ]
  if (withAccess) lines.push(...accessDump(key))
  return `${lines.join('\n')}\n`
}

function accessDump(key) {
  const applications = key.access.allowAll ? ['        applications: <null>'] : [`        applications (${key.access.applications.length}):`, ...key.access.applications.map((app, index) => `            ${index}: ${app} (OK)`)]
  return [
    'access: 2 entries',
    '    entry 0:',
    '        authorizations (6): decrypt derive export_clear export_wrapped mac sign',
    "        don't-require-password",
    `        description: ${key.label}`,
    ...applications,
    '    entry 1:',
    '        authorizations (1): partition_id',
    "        don't-require-password",
    `        description: ${key.partitions.join(', ')}`,
    '        applications: <null>',
  ]
}

export function preferenceDump(keychain, preference) {
  return [
    `keychain: "${keychain.path}"`,
    'version: 512',
    'class: "genp"',
    'attributes:',
    `    "labl"<blob>=${blob(preference.service)}`,
    `    "svce"<blob>=${blob(preference.service)}`,
    '    "type"<uint32>="iprf"',
    '',
  ].join('\n')
}
