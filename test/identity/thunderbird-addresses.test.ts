/**
 * The addresses mailcert counts for a certificate are the ones Thunderbird counts: asked of Thunderbird
 * itself (nsIX509Cert.getEmailAddresses, which NSS fills from the subject's emailAddress and the SAN's
 * rfc822Names), for the fixtures and vectors that differ in where their addresses are written.
 */
import {describe, expect, it} from 'vitest'

import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {certificatesFromPem, parseCertificate} from '../../src/identity/certificate.js'
import {fixture, vector} from '../helpers/fixtures.js'
import {thunderbirdHome, thunderbirdProgram} from '../helpers/thunderbird-home.js'

const CERTIFICATES = {
  'three SAN addresses and another in the subject': fixture('certs/subject-and-san.pem'),
  'the address only in the subject': fixture('certs/subject-email-only.pem'),
  'two SAN addresses': fixture('certs/sponsor-rsa.pem'),
  'a SAN entry holding two addresses': fixture('certs/san-two-in-one.pem'),
  'only an SmtpUTF8Mailbox': fixture('certs/smtputf8.pem'),
  'an rfc822Name, an SmtpUTF8Mailbox and the same address in the subject (pkilint)': vector('pkilint-smime/individual/strict/smbr-cert-factory-individual-strict.crttest'),
}

const ASK = `
  const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
  return arguments[0].map((base64) => certdb.constructX509FromBase64(base64).getEmailAddresses());
`

// NSS lowercases, and lists an address once for each place it is written.
const distinct = (addresses: string[]) => [...new Set(addresses.map((address) => address.toLowerCase()))].sort()

describe('Thunderbird’s own count of a certificate’s addresses', () => {
  it('matches mailcert’s, except what NSS does not read (SmtpUTF8Mailbox) and entries that are no address', async () => {
    const ders = Object.values(CERTIFICATES).map((bytes) => certificatesFromPem(bytes.toString('utf8'))[0])
    // Any profile will do (the certificates are not imported): this one's template is shared with other test files.
    const home = await thunderbirdHome([{email: 'alice@example.com', name: 'Alice Example'}])
    const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), home.profileDir, {env: {...process.env, HOME: home.home}})
    let counted: string[][]
    try {
      counted = await thunderbird.execute<string[][]>('list the certificates\' addresses', ASK, [ders.map((der) => der.toString('base64'))])
    } finally {
      await thunderbird.stop()
    }

    const byCase = Object.fromEntries(Object.keys(CERTIFICATES).map((name, index) => [name, {thunderbird: counted[index], mailcert: parseCertificate(ders[index])}]))
    for (const [name, {thunderbird, mailcert}] of Object.entries(byCase)) {
      const readByNss = mailcert.emails.filter((_, index) => mailcert.emailSources[index] !== 'SmtpUTF8Mailbox')
      expect(distinct(thunderbird), name).toEqual(distinct([...readByNss, ...mailcert.malformedAddresses.map((entry) => entry.value)]))
    }
    // What the issue reported: four addresses where the SAN has three.
    expect(byCase['three SAN addresses and another in the subject'].thunderbird).toHaveLength(4)
    // Thunderbird keeps the two-address entry as one address, which no account has; mailcert calls it an error.
    expect(byCase['a SAN entry holding two addresses'].thunderbird).toContain('alice@example.org bob@example.org')
    // The data a Thunderbird matcher needs: NSS reads no SmtpUTF8Mailbox, so this certificate has no address there.
    expect(byCase['only an SmtpUTF8Mailbox'].thunderbird).toEqual([])
    expect(byCase['only an SmtpUTF8Mailbox'].mailcert.emailSources).toEqual(['SmtpUTF8Mailbox'])
  }, 180_000)
})
