/**
 * Asking Thunderbird itself about a profile, as the end-to-end tests' final word: for each identity,
 * the certificate its dbKey prefs point at (found with findCertByDBKey, as at send time), and
 * Thunderbird's verdict for e-mail signing and encryption (asyncVerifyCertAtTime).
 */
import {startHeadlessThunderbird} from '../../src/clients/thunderbird/headless.js'
import {thunderbirdProgram} from './thunderbird-home.js'

export interface IdentityVerdict {
  email: string
  signingCertName: string
  /** The certificate the signing dbKey finds, or null. */
  signing: {subject: string; signer: number; recipient: number} | null
  encryption: {subject: string; recipient: number} | null
  signMail: boolean
}

const PROBE = `
  const {MailServices} = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
  const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
  const now = Math.floor(Date.now() / 1000);
  const verify = (cert, usage) => new Promise((resolve) =>
    certdb.asyncVerifyCertAtTime(cert, usage, 0, "", now, [], {verifyCertFinished: (code) => resolve(code)}));
  const out = [];
  for (const identity of MailServices.accounts.allIdentities) {
    const find = (attribute) => {
      const key = identity.getCharAttribute(attribute);
      return key ? certdb.findCertByDBKey(key) : null;
    };
    const signing = find("signing_cert_dbkey");
    const encryption = find("encryption_cert_dbkey");
    out.push({
      email: identity.email,
      signingCertName: identity.getUnicharAttribute("signing_cert_name"),
      signing: signing ? {subject: signing.subjectName, signer: await verify(signing, Ci.nsIX509CertDB.verifyUsageEmailSigner), recipient: await verify(signing, Ci.nsIX509CertDB.verifyUsageEmailRecipient)} : null,
      encryption: encryption ? {subject: encryption.subjectName, recipient: await verify(encryption, Ci.nsIX509CertDB.verifyUsageEmailRecipient)} : null,
      signMail: identity.signMail,
    });
  }
  return out;
`

export async function askThunderbird(profileDir: string, home: string): Promise<IdentityVerdict[]> {
  const thunderbird = await startHeadlessThunderbird(await thunderbirdProgram(), profileDir, {env: {...process.env, HOME: home}})
  try {
    return await thunderbird.execute<IdentityVerdict[]>('report on the identities', PROBE)
  } finally {
    await thunderbird.stop()
  }
}
