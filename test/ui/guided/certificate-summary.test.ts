/**
 * Who the certificate is for, as the guided installer shows it before anything is asked: from real
 * inspections of the test PKI's files (test/fixtures/p12), at fixed dates.
 */
import {describe, expect, it} from 'vitest'

import {decodeInput, openPkcs12} from '../../../src/identity/input.js'
import {type Inspection, inspectIdentity} from '../../../src/identity/inspection.js'
import {renderCertificateSummary} from '../../../src/ui/guided/certificate-summary.js'
import {fixture} from '../../helpers/fixtures.js'

// oclif's colorize leaves plain text when output is not a terminal; strip colour anyway, to test the words.
// eslint-disable-next-line no-control-regex
const plain = (text: string): string => text.replace(/\u001B\[[0-9;]*m/g, '')

async function inspect(name: string, now: Date, password = 'test'): Promise<Inspection> {
  const input = decodeInput(fixture(name))
  if (input.kind !== 'pkcs12') throw new Error(`${name} is not PKCS#12`)
  const {identity, protection} = await openPkcs12(input, password)
  return inspectIdentity(identity, {path: name, format: input.format, protection}, now)
}

const NOW = new Date('2027-01-01T00:00:00Z')

/** The table's lines under the heading, as [label, value]; a value's further lines have an empty label. */
function rows(summary: string): Array<[string, string]> {
  const lines = plain(summary).split('\n').slice(1)
  const table = lines.slice(0, lines.includes('') ? lines.indexOf('') : lines.length)
  // Labels are padded to the longest one ("Valid until"), then two spaces.
  const valueAt = table.find((line) => line.startsWith('  Valid until'))!.indexOf('Valid until') + 'Valid until'.length + 2
  return table.map((line) => [line.slice(0, valueAt).trim(), line.slice(valueAt)])
}

describe('renderCertificateSummary', () => {
  it('shows a mailbox certificate\'s address, type, issuer and end date with the days left, and no name when the name is the address', async () => {
    const inspection = await inspect('p12/mailbox-rsa.p12', NOW)
    const summary = plain(renderCertificateSummary(inspection))
    expect(summary.split('\n')[0]).toBe('This certificate')
    expect(rows(summary)).toEqual([
      ['For', 'alice@example.com'],
      ['Type', 'Email only'],
      ['Issued by', inspection.issuer],
      ['Valid until', `2036-12-31 (${inspection.daysLeft} days)`],
    ])
    expect(inspection.daysLeft).toBeGreaterThan(3000)
    // Information-only findings (AES encryption of the file, say) are not problems to show here.
    expect(inspection.findings.some((f) => f.severity === 'info')).toBe(true)
    expect(summary).not.toMatch(/info|error|warning/)
  })

  it('names the person and the company when the certificate says them', async () => {
    const sponsor = plain(renderCertificateSummary(await inspect('p12/sponsor-rsa.p12', NOW)))
    expect(rows(sponsor).slice(0, 5)).toEqual([
      ['For', 'alice@example.com'],
      ['', 'alice.example@example.org'],
      ['Name', 'Alice Example'],
      ['Company', 'Example GmbH'],
      ['Type', 'Email, sender name and company'],
    ])
  })

  it('says when a certificate names no address, and shows its errors with their fixes', async () => {
    const inspection = await inspect('p12/no-email.p12', NOW)
    const summary = plain(renderCertificateSummary(inspection))
    expect(rows(summary)[0]).toEqual(['For', 'no e-mail address'])
    const noEmail = inspection.findings.find((f) => f.code === 'no-email')
    expect(noEmail).toBeDefined()
    expect(summary).toContain(noEmail!.message)
    expect(summary).toContain(`no-email: ${noEmail!.fix}`)
  })

  it('says an expired certificate is expired instead of counting days', async () => {
    const inspection = await inspect('p12/expired.p12', NOW)
    expect(inspection.daysLeft).toBeLessThan(0)
    const summary = plain(renderCertificateSummary(inspection))
    const validUntil = rows(summary).find(([label]) => label === 'Valid until')
    expect(validUntil?.[1]).toBe(`${inspection.notAfter.slice(0, 10)} (expired)`)
    expect(summary).toContain(inspection.findings.find((f) => f.code === 'expired')!.message)
  })

  it('counts 0 days on the last day, not "expired"', async () => {
    const base = await inspect('p12/mailbox-rsa.p12', NOW)
    const lastDay = await inspect('p12/mailbox-rsa.p12', new Date(new Date(base.notAfter).getTime() - 3_600_000))
    expect(lastDay.daysLeft).toBe(0)
    expect(rows(plain(renderCertificateSummary(lastDay))).find(([label]) => label === 'Valid until')?.[1]).toBe('2036-12-31 (0 days)')
  })

  it('is for every address a mail client accepts: the SAN’s three and the subject’s fourth', async () => {
    const summary = plain(renderCertificateSummary(await inspect('p12/subject-and-san.p12', NOW)))
    expect(rows(summary).slice(0, 4)).toEqual([
      ['For', 'alice@example.com'],
      ['', 'alice@example.org'],
      ['', 'a.example@example.com'],
      ['', 'alice.example@example.net'],
    ])
  })

  it('says a certificate valid until 9999-12-31 does not expire', async () => {
    const inspection = await inspect('p12/no-expiry.p12', NOW)
    expect(inspection.daysLeft).toBeNull()
    const summary = plain(renderCertificateSummary(inspection))
    expect(summary).toMatch(/^ {2}Valid {6}does not expire$/m)
    expect(summary).not.toContain('9999')
  })

  it('shows the error of a certificate whose key usage allows neither signing nor encryption', async () => {
    const inspection = await inspect('p12/crlsign-only.p12', NOW)
    const error = inspection.findings.find((f) => f.code === 'key-usage-not-for-mail')
    expect(error?.severity).toBe('error')
    expect(plain(renderCertificateSummary(inspection))).toContain(error!.message)
  })

  it('says that a certificate of no S/MIME type is not one', async () => {
    const inspection = {...(await inspect('p12/mailbox-rsa.p12', NOW)), type: 'unknown' as const, typeLabel: 'Unknown type'}
    expect(rows(plain(renderCertificateSummary(inspection))).find(([label]) => label === 'Type')?.[1]).toBe('not an S/MIME certificate type')
  })

  it('shows warnings (an older generation) but not information', async () => {
    const inspection = await inspect('p12/legacy-mailbox.p12', NOW)
    const warning = inspection.findings.find((f) => f.code === 'legacy-generation')
    expect(warning?.severity).toBe('warning')
    const summary = plain(renderCertificateSummary(inspection))
    expect(summary).toContain(warning!.message)
    for (const info of inspection.findings.filter((f) => f.severity === 'info')) expect(summary).not.toContain(info.message)
  })
})
