/**
 * Making the NSS database a reader expects but that is not there yet (Evolution's shared one is
 * created on its first start): an empty database with no password, as the reader would make it.
 * Undo takes out only what this step made.
 */
import {rm} from 'node:fs/promises'
import path from 'node:path'

import type {PlanStep, StepOutcome} from '../../install/plan.js'
import {createNssDatabase} from './create-database.js'

const DATABASE_FILES = ['cert9.db', 'key4.db', 'pkcs11.txt']

export class CreateDatabaseStep implements PlanStep {
  readonly id = 'create-database'
  private created = false

  constructor(private readonly dir: string) {}

  describe(): string {
    return `Create the empty certificate database the mail client reads (${this.dir})`
  }

  async apply(): Promise<StepOutcome> {
    const {created} = await createNssDatabase(this.dir)
    this.created = created
    return created ? {changed: true, detail: 'created, with no password'} : {changed: false, detail: 'already there'}
  }

  async undo(): Promise<void> {
    if (!this.created) return
    for (const file of DATABASE_FILES) await rm(path.join(this.dir, file), {force: true})
  }
}
