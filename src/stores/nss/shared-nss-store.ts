/**
 * The shared NSS database (~/.pki/nssdb) that Evolution reads: on Linux the one database a
 * desktop's programs share, so the "system store" `--from-store` takes an identity from. A
 * Thunderbird profile's own database is a plain NssStore and offers nothing of the kind.
 */
import {ExitCode} from '../../errors.js'
import {parseCertificate} from '../../identity/certificate.js'
import {canEncrypt} from '../../identity/key-usage.js'
import {storedAsIdentity} from '../../install/stored-choice.js'
import type {ImportedIdentity, ImportOptions, StoreImport, StoredCertificate} from '../store.js'
import {VerifyInstalledStep} from './import-steps.js'
import {NssStore} from './nss-store.js'
import {sameAddress} from '../../identity/same-address.js'

export class SharedNssStore extends NssStore {
  async storedIdentities(emails: readonly string[]): Promise<StoredCertificate[]> {
    // A database that is not there yet holds nothing (and is not made for asking).
    if (this.options.create) return []
    const session = await (await this.unlock()).get()
    const found: StoredCertificate[] = []
    for (const stored of await session.listCertificates()) {
      if (stored.isCa) continue
      let certificate
      try {
        certificate = parseCertificate(stored.der)
      } catch {
        // A certificate mailcert cannot read is not one it can choose.
        continue
      }
      if (emails.length > 0 && !certificate.emails.some((address) => emails.some((email) => sameAddress(email, address)))) continue
      found.push({certificate, name: stored.nickname, hasKey: stored.hasKey})
    }
    return found
  }

  /** Nothing is imported: the database's own nickname is what the readers' settings name, after NSS's check. */
  async planUseStored(stored: StoredCertificate, options: ImportOptions): Promise<StoreImport> {
    const holder = await this.unlock()
    const present = (await (await holder.get()).listCertificates()).find((c) => c.sha256 === stored.certificate.fingerprints.sha256 && c.hasKey)
    const imported: ImportedIdentity = {accepted: {}, storedName: present?.nickname}
    if (!present) {
      await holder.release()
      return {steps: [], warnings: [], imported, failure: {code: 'no-stored-identity', reason: `${this.ref.label} no longer holds ${stored.certificate.subject.text} with its private key`, hints: ['Run mailcert again.'], exitCode: ExitCode.notForSmime}}
    }
    const identity = storedAsIdentity(stored)
    return {steps: [new VerifyInstalledStep(holder, identity, canEncrypt(stored.certificate), imported.accepted, {keepRefused: false, readers: options.readers})], warnings: [], imported}
  }
}
