/**
 * Which kind of S/MIME certificate this is, in the terms of the CA/Browser Forum S/MIME Baseline Requirements
 * (§1.1 types and generations, §7.1.6.4 reserved policy OIDs).
 *
 * Order of evidence:
 * 1. A CA certificate has no S/MIME type: the types describe subscriber certificates. -> `unknown`, basis `none`.
 * 2. A reserved policy OID 2.23.140.1.5.<type>.<generation> decides type and generation (basis `policy`).
 *    When a certificate carries reserved OIDs of several types (which the BR forbid), the one that agrees with
 *    the subject wins, else the first in the certificate's order. pkilint instead takes the lowest OID, which
 *    calls a sponsor certificate that also lists the organization OID an organization one.
 * 3. Otherwise the subject is read as pkilint's `guess_validation_level_and_generation` does (basis `subject`,
 *    generation null because nothing in a certificate shows it reliably):
 *    - O and a personal name (givenName, surname, pseudonym, or a CN that is neither the organization's name nor
 *      an address) -> sponsor
 *    - O alone -> organization
 *    - a personal name without O -> individual
 *    - otherwise mailbox, but only when the certificate names a mailbox at all (SAN, emailAddress, or a CN that
 *      is an address); a certificate with no address and no names has nothing to go on -> `unknown`.
 *    Two deliberate differences from pkilint: a pseudonym counts as a personal name (the BR list it among the
 *    Natural Person attributes, and a pseudonymous individual certificate has nothing else), and CN is compared
 *    with O ignoring case and spacing (a CN that repeats the company name in capitals is still the company).
 *    A CN that is a personal name with no givenName or surname stays `mailbox`, as in pkilint: free
 *    mailbox-validated certificates have long put an unverified name there.
 *
 * Extended key usage is not considered: a certificate without emailProtection still has a type; whether it can be
 * used for S/MIME is the linter's question.
 */
import type {Certificate, NameAttribute} from './certificate-types.js'
import {CABF_SMIME_POLICY_ARC, NAME_ATTRIBUTE} from './oids.js'

export type SmimeType = 'mailbox' | 'individual' | 'sponsor' | 'organization' | 'unknown'
export type SmimeGeneration = 'legacy' | 'multipurpose' | 'strict'

export interface SmimeClassification {
  type: SmimeType
  /** Known only from a reserved policy OID. */
  generation: SmimeGeneration | null
  /** What the answer rests on: a reserved policy OID, the subject's attributes, or nothing. */
  basis: 'policy' | 'subject' | 'none'
}

/** The words a buyer sees for each type. */
export const TYPE_LABELS: Record<SmimeType, string> = {
  mailbox: 'Email only',
  individual: 'Email and sender name',
  sponsor: 'Email, sender name and company',
  organization: 'Company',
  unknown: 'Unknown type',
}

type ValidatedType = Exclude<SmimeType, 'unknown'>

// The arcs' numbering in SBR §7.1.6.4: 2.23.140.1.5.<type>.<generation>.
const TYPE_ARCS: Record<ValidatedType, number> = {mailbox: 1, organization: 2, sponsor: 3, individual: 4}
const GENERATION_ARCS: Record<SmimeGeneration, number> = {legacy: 1, multipurpose: 2, strict: 3}

export interface ReservedPolicy {
  type: ValidatedType
  generation: SmimeGeneration
}

/** The reserved policy OID for a type and generation, e.g. 2.23.140.1.5.3.3 for a strict sponsor certificate. */
export function reservedPolicyOid(type: ValidatedType, generation: SmimeGeneration): string {
  return `${CABF_SMIME_POLICY_ARC}.${TYPE_ARCS[type]}.${GENERATION_ARCS[generation]}`
}

/** The type and generation a policy OID reserves, or null for any other OID. */
export function reservedPolicy(oid: string): ReservedPolicy | null {
  const prefix = `${CABF_SMIME_POLICY_ARC}.`
  if (!oid.startsWith(prefix)) return null
  const arcs = oid.slice(prefix.length).split('.')
  if (arcs.length !== 2) return null
  const type = keyOf(TYPE_ARCS, arcs[0])
  const generation = keyOf(GENERATION_ARCS, arcs[1])
  return type === undefined || generation === undefined ? null : {type, generation}
}

export function classify(cert: Certificate): SmimeClassification {
  if (cert.basicConstraints?.ca === true) return {type: 'unknown', generation: null, basis: 'none'}
  const guess = guessFromSubject(cert)
  const policy = choosePolicy(cert.policies, guess)
  if (policy !== undefined) return {type: policy.type, generation: policy.generation, basis: 'policy'}
  if (guess === undefined) return {type: 'unknown', generation: null, basis: 'none'}
  return {type: guess, generation: null, basis: 'subject'}
}

function choosePolicy(policies: string[], subjectGuess: ValidatedType | undefined): ReservedPolicy | undefined {
  const reserved = policies.map(reservedPolicy).filter((policy): policy is ReservedPolicy => policy !== null)
  return reserved.find((policy) => policy.type === subjectGuess) ?? reserved[0]
}

function guessFromSubject(cert: Certificate): ValidatedType | undefined {
  const attributes = cert.subject.attributes
  const organization = firstValue(attributes, NAME_ATTRIBUTE.organizationName)
  const commonName = firstValue(attributes, NAME_ATTRIBUTE.commonName)
  const hasPersonalNameAttribute = [NAME_ATTRIBUTE.givenName, NAME_ATTRIBUTE.surname, NAME_ATTRIBUTE.pseudonym].some(
    (oid) => firstValue(attributes, oid) !== undefined,
  )

  if (organization !== undefined) {
    const commonNameIsAPerson =
      commonName !== undefined && !isAddress(commonName) && comparable(commonName) !== comparable(organization)
    return hasPersonalNameAttribute || commonNameIsAPerson ? 'sponsor' : 'organization'
  }
  if (hasPersonalNameAttribute) return 'individual'
  const namesAMailbox = cert.emails.length > 0 || (commonName !== undefined && isAddress(commonName))
  return namesAMailbox ? 'mailbox' : undefined
}

/** The first non-blank value of an attribute; a blank one says nothing about who the certificate is for. */
function firstValue(attributes: NameAttribute[], oid: string): string | undefined {
  return attributes.find((attribute) => attribute.oid === oid && attribute.value.trim() !== '')?.value
}

function isAddress(value: string): boolean {
  return value.includes('@')
}

function comparable(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase()
}

function keyOf<K extends string>(table: Record<K, number>, arc: string): K | undefined {
  return (Object.keys(table) as K[]).find((key) => String(table[key]) === arc)
}
