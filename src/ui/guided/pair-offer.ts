/**
 * The guided installer's part of a separate signing and encryption pair: when the chosen
 * certificate can only sign or only encrypt, the other half is probably lying beside it (the
 * authority sent both). The certificate files mailcert would have offered are opened with the same
 * password; one that completes the pair is offered, and nothing else is asked.
 */
import path from 'node:path'

import {type CertificatePair, pairCertificates} from '../../identity/certificate-pair.js'
import {canEncrypt, canSign} from '../../identity/key-usage.js'
import {candidateFolders, findCertificateFiles} from '../../system/certificate-files.js'
import {type OpenedIdentity, openSecondIdentity} from '../open-identity.js'
import {style} from '../style.js'
import {tildePath} from './file-choice.js'

/** Enough for a Downloads folder; each try is one PBKDF2 run. */
const MOST_FILES_TRIED = 20

/** The other half of the pair among the files beside the first, when the user wants it; null otherwise. */
export async function offerSecondFile(first: OpenedIdentity, password: string, home: string, cwd: string): Promise<OpenedIdentity | null> {
  const certificate = first.identity.certificate
  if (first.protection === null || canSign(certificate) === canEncrypt(certificate)) return null
  const files = (await findCertificateFiles(await candidateFolders(home, cwd))).filter((file) => path.resolve(file.path) !== path.resolve(first.path)).slice(0, MOST_FILES_TRIED)
  for (const file of files) {
    let other: OpenedIdentity
    try {
      // Only the first file's password: a file that wants another is not what we are looking for.
      other = await openSecondIdentity(file.path, {}, password, {env: {}})
    } catch {
      continue
    }
    if (other.protection === null) continue
    try {
      pairCertificates(first.identity, other.identity)
    } catch {
      continue
    }
    const half = canSign(certificate) ? 'encryption' : 'signing'
    const {confirm} = await import('@inquirer/prompts')
    const wanted = await confirm({
      message: `${tildePath(file.path, home)} holds the ${half} certificate for ${certificate.emails.join(', ')}. Install the two together (one to sign, one to decrypt)?`,
      default: true,
    })
    return wanted ? other : null
  }
  return null
}

/** Which file signs and which decrypts, before the plan. */
export function renderPair(pair: CertificatePair): string {
  const line = (what: string, identity: CertificatePair['signing']) => `  ${what}: ${identity.certificate.subject.text} (SHA-256 ${identity.certificate.fingerprints.sha256.slice(0, 16)}…, until ${identity.certificate.notAfter.toISOString().slice(0, 10)})`
  return [style.heading('A separate pair for one address:'), line('signs', pair.signing), line('decrypts', pair.encryption)].join('\n')
}
