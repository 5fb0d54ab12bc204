/** The searches: find-certificate, find-identity and dump-keychain (keychain_find.c, identity_find.m). */
import {pem} from '../cert-info.mjs'
import {getopt, has, last} from '../getopt.mjs'
import {certificatePool, searchKeychains, systemRoots, userTrustSettings} from '../lookup.mjs'
import {certificateDump, keyDump, preferenceDump} from '../output.mjs'
import {STATUS} from '../status.mjs'
import {certificateError, evaluate, POLICY_NAMES} from '../trust.mjs'

export function findCertificateCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hac:e:mpZ')
  const findAll = has(options, 'a')
  const name = last(options, 'c')
  const email = last(options, 'e')
  const keychains = searchKeychains(sim, rest, 'SecKeychainSearchCopyNext')
  let matches = keychains.flatMap((keychain) => keychain.certificates())
  if (email !== undefined) matches = matches.filter(({info}) => info.emails.some((address) => address.toLowerCase() === email.toLowerCase()))
  else if (name !== undefined) matches = matches.filter(({info}) => info.commonName?.toLowerCase().includes(name.toLowerCase()))
  if (!findAll) {
    if (matches.length === 0) return sim.perror(email !== undefined ? 'SecCertificateFindByEmail' : 'SecKeychainSearchCopyNext', STATUS.itemNotFound)
    matches = matches.slice(0, 1)
  }
  for (const certificate of matches) {
    if (has(options, 'Z')) sim.print(`SHA-256 hash: ${certificate.info.sha256}\nSHA-1 hash: ${certificate.info.sha1}\n`)
    if (has(options, 'm')) sim.print(`email addresses: ${certificate.info.emails.join(', ')}\n`)
    sim.print(has(options, 'p') ? pem(certificate.info.der) : certificateDump(certificate.keychain, certificate))
  }
  return 0
}

const POLICIES = ['basic', 'ssl-client', 'ssl-server', 'smime', 'eap', 'ipsec', 'ichat', 'codesigning', 'sys-default', 'sys-kerberos-kdc', 'macappstore']

function identityLine(index, identity, error) {
  return `${String(index).padStart(3)}) ${identity.certificate.info.sha1} "${identity.certificate.info.label}"${error ? ` (${error})` : ''}\n`
}

/**
 * The identities a search with `policy` and the id string returns, in order: the identity the
 * preference for exactly that string names comes first and unevaluated; then every other
 * identity whose key can sign and whose certificate passes the lite check; with `validOnly`,
 * only those that also pass the full evaluation.
 */
function searchIdentities(sim, keychains, {policy, name, validOnly, context}) {
  const identities = keychains.flatMap((keychain) => keychain.identities()).filter((identity) => identity.key.canSign)
  const preferred = name === undefined ? null : preferredIdentity(keychains, name)
  const result = preferred ? [preferred] : []
  for (const identity of identities) {
    if (preferred && identity.certificate.info.sha1 === preferred.certificate.info.sha1) continue
    if (certificateError(identity.certificate.info, policy, name)) continue
    if (validOnly && evaluate(identity.certificate.info, {policy, email: name, ...context})) continue
    result.push(identity)
  }
  return result
}

/** IdentityCursorPolicyAndID::findPreferredIdentity: the `iprf` item for exactly `service` in the keychains searched. */
function preferredIdentity(keychains, service) {
  for (const keychain of keychains) {
    const preference = keychain.data.identityPreferences.find((candidate) => candidate.service === service)
    if (!preference) continue
    return keychains.flatMap((k) => k.identities()).find((identity) => identity.certificate.info.sha1 === preference.sha1) ?? null
  }
  return null
}

export function findIdentityCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'hp:s:v')
  const policies = options.filter((option) => option.flag === 'p').map((option) => option.value)
  if (policies.some((policy) => !POLICIES.includes(policy))) return 2
  if (policies.length === 0) policies.push('basic')
  const name = last(options, 's')
  const validOnly = has(options, 'v')
  const keychains = searchKeychains(sim, rest, 'SecKeychainSearchCopyNext')
  const context = {pool: certificatePool(sim, keychains), systemRoots: systemRoots(sim), trustSettings: userTrustSettings(sim)}
  for (const policy of policies) {
    const evaluateOne = (identity) => evaluate(identity.certificate.info, {policy, email: name, ...context})
    if (!validOnly) {
      sim.print(`\nPolicy: ${POLICY_NAMES[policy] ?? policy}\n  Matching identities\n`)
      const matching = searchIdentities(sim, keychains, {policy, name, validOnly: false, context})
      matching.forEach((identity, index) => sim.print(identityLine(index + 1, identity, evaluateOne(identity))))
      sim.print(`     ${matching.length} identities found\n\n  Valid identities only\n`)
    }
    const valid = searchIdentities(sim, keychains, {policy, name, validOnly: true, context})
    valid.forEach((identity, index) => sim.print(identityLine(index + 1, identity, evaluateOne(identity))))
    sim.print(`     ${valid.length} valid identities found\n`)
  }
  return 0
}

export function dumpKeychainCommand(sim, argv) {
  const {options, rest} = getopt(argv, 'adhiro:')
  if (has(options, 'd') || has(options, 'i')) sim.violation('gui-prompt', 'dump-keychain -d/-i asks to decrypt each item (a dialog per item)')
  const keychains = searchKeychains(sim, rest, 'SecKeychainSearchCreateFromAttributes')
  for (const keychain of keychains) {
    for (const certificate of keychain.certificates()) sim.print(certificateDump(keychain, certificate))
    for (const key of keychain.data.keys) sim.print(keyDump(keychain, key, {withAccess: has(options, 'a')}))
    for (const preference of keychain.data.identityPreferences) sim.print(preferenceDump(keychain, preference))
  }
  return 0
}
