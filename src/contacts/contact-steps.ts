/**
 * The changes `contact add` and `contact remove` make, as plan steps: each says what it will do,
 * does it and records it in the contacts record at once, and can be undone (a failure later in the
 * same store rolls the store back, so nothing is half-imported).
 */
import type {Certificate} from '../identity/certificate-types.js'
import type {PlanStep, StepOutcome} from '../install/plan.js'
import type {StoreRef} from '../stores/store.js'
import {displayName} from './contact-input.js'
import type {AddedCertificate, ContactRole, ContactStoreSession} from './contact-store.js'
import type {ContactRecord, ContactsFile} from './contacts-record.js'

function what(certificate: Certificate, role: ContactRole): string {
  return role === 'correspondent' ? `the certificate of ${displayName(certificate)}` : `the issuer certificate ${displayName(certificate)}`
}

export class AddCertificateStep implements PlanStep {
  readonly id: string
  private added: AddedCertificate | null = null

  constructor(
    private readonly session: ContactStoreSession,
    private readonly store: StoreRef,
    private readonly certificate: Certificate,
    private readonly role: ContactRole,
    private readonly contact: ContactRecord,
    private readonly record: ContactsFile,
  ) {
    this.id = role === 'correspondent' ? 'add-correspondent' : 'add-issuer'
  }

  describe(): string {
    return `Add ${what(this.certificate, this.role)}, trusted for nothing`
  }

  async apply(): Promise<StepOutcome> {
    this.added = await this.session.add(this.certificate, this.role)
    try {
      await this.record.noteAdded(this.contact, this.store, this.added)
    } catch (error) {
      // No change that cannot be recorded: contact remove would never find it.
      await this.session.remove(this.added)
      this.added = null
      throw error
    }
    return {changed: true, detail: `as ${this.added.name}`}
  }

  async undo(): Promise<void> {
    if (!this.added) return
    await this.session.remove(this.added)
    await this.record.noteRemoved(this.contact.sha256, this.store, this.added.sha256)
    this.added = null
  }
}

export class RemoveCertificateStep implements PlanStep {
  readonly id: string
  private removed = false

  constructor(
    private readonly session: ContactStoreSession,
    private readonly store: StoreRef,
    private readonly certificate: Certificate,
    private readonly added: AddedCertificate,
    private readonly contact: ContactRecord,
    private readonly record: ContactsFile,
  ) {
    this.id = added.role === 'correspondent' ? 'remove-correspondent' : 'remove-issuer'
  }

  describe(): string {
    return `Take out ${what(this.certificate, this.added.role)}, which mailcert added`
  }

  async apply(): Promise<StepOutcome> {
    const there = await this.session.holds(this.certificate, this.added.role)
    await this.session.remove(this.added)
    this.removed = true
    await this.record.noteRemoved(this.contact.sha256, this.store, this.added.sha256)
    return there ? {changed: true} : {changed: false, detail: 'it was no longer there'}
  }

  async undo(): Promise<void> {
    if (!this.removed) return
    const added = await this.session.add(this.certificate, this.added.role)
    await this.record.noteAdded(this.contact, this.store, added)
    this.removed = false
  }
}

/** An issuer that the removed contact added and another contact still needs: it stays, on that contact's record. */
export class HandOverIssuerStep implements PlanStep {
  readonly id = 'keep-issuer'
  private done = false

  constructor(
    private readonly store: StoreRef,
    private readonly certificate: Certificate,
    private readonly added: AddedCertificate,
    private readonly from: ContactRecord,
    private readonly to: ContactRecord,
    private readonly record: ContactsFile,
  ) {}

  describe(): string {
    return `Keep the issuer certificate ${displayName(this.certificate)}: the certificate of ${this.to.name} needs it too`
  }

  async apply(): Promise<StepOutcome> {
    await this.record.noteAdded(this.to, this.store, this.added)
    await this.record.noteRemoved(this.from.sha256, this.store, this.added.sha256)
    this.done = true
    return {changed: false, detail: `now recorded for ${this.to.name}`}
  }

  async undo(): Promise<void> {
    if (!this.done) return
    await this.record.noteAdded(this.from, this.store, this.added)
    await this.record.noteRemoved(this.to.sha256, this.store, this.added.sha256)
    this.done = false
  }
}
