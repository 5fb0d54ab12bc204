/**
 * The guided installer, when it finds no certificate file: if the system store already holds a
 * usable identity for an account (delivered by MDM), it offers that before asking for a path.
 */
import type {StoreChoice} from '../../install/from-store.js'
import {candidateFolders, findCertificateFiles} from '../../system/certificate-files.js'

export async function offerStoredIdentity(home: string, cwd: string, usable: () => Promise<StoreChoice[]>): Promise<boolean> {
  if ((await findCertificateFiles(await candidateFolders(home, cwd))).length > 0) return false
  // Only an offer: a store that cannot be read now leaves the usual question for a file.
  const found = await usable().catch(() => [])
  if (found.length === 0) return false
  const stores = [...new Set(found.map((choice) => choice.store.label))].join(' and ')
  const emails = found.map((choice) => choice.email).join(', ')
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message: `No .p12 or .pfx file in Downloads, Desktop or Documents, but ${stores} already holds a certificate for ${emails}. Use the certificate already in ${stores}?`, default: true})
}
