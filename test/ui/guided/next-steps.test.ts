/** What the guided installer says to do after the install, from the apply report. */
import {beforeAll, describe, expect, it} from 'vitest'

import type {MailClient} from '../../../src/clients/client.js'
import {mailClients} from '../../../src/clients/index.js'
import type {ApplyReport, TargetReport} from '../../../src/install/apply.js'
import {nextSteps} from '../../../src/ui/guided/next-steps.js'

function target(status: TargetReport['status'], accounts: string[], label = 'P'): TargetReport {
  return {client: 'thunderbird', clients: ['thunderbird'], label, location: `/home/alice/.thunderbird/${label}`, accounts, status, changed: status === 'done', rolledBack: false, steps: [], warnings: []}
}

const report = (...targets: TargetReport[]): ApplyReport => ({targets, cancelled: false})

let clients: MailClient[]
beforeAll(async () => {
  clients = await mailClients()
})

describe('nextSteps', () => {
  it('says to start Thunderbird, send a signed message from the account, and how to undo that account', () => {
    expect(nextSteps(report(target('done', ['alice@example.com'])), clients)).toEqual([
      'Next:',
      '  1. Start Thunderbird (or restart it, if it was open while mailcert worked).',
      '  2. Write a message to yourself from alice@example.com; under Security, "Digitally Sign" is now on or one click away. Send it, and look for the signature mark when it arrives.',
      '  3. To undo: mailcert remove --account alice@example.com (add --delete-identity to take the certificate out of Thunderbird too).',
    ])
  })

  it('counts a target that was already set up, and names an address set up in two profiles once', () => {
    const lines = nextSteps(report(target('unchanged', ['alice@example.com'], 'A'), target('done', ['alice@example.com'], 'B')), clients)
    expect(lines[2]).toContain('from alice@example.com;')
    expect(lines[3]).toContain('mailcert remove --account alice@example.com ')
  })

  it('gives the plain undo command when several addresses were set up, and names the first', () => {
    const lines = nextSteps(report(target('done', ['alice@example.com', 'alice.example@example.org'])), clients)
    expect(lines[2]).toContain('from alice@example.com;')
    expect(lines[3]).toBe('  3. To undo: mailcert remove (add --delete-identity to take the certificate out of Thunderbird too).')
  })

  it("gives each client's own steps, numbered on, when a store of two clients was set up, and names both in the undo line", () => {
    const shared = {...target('done', ['alice@example.com'], 'nssdb'), client: 'thunderbird', clients: ['thunderbird', 'evolution']}
    expect(nextSteps(report(shared), clients)).toEqual([
      'Next:',
      '  1. Start Thunderbird (or restart it, if it was open while mailcert worked).',
      '  2. Write a message to yourself from alice@example.com; under Security, "Digitally Sign" is now on or one click away. Send it, and look for the signature mark when it arrives.',
      '  3. Start Evolution and write a message from alice@example.com: Options > S/MIME Sign is there; with sign by default it is already on.',
      '  4. To undo: mailcert remove --account alice@example.com (add --delete-identity to take the certificate out of Thunderbird and Evolution too).',
    ])
  })

  it('speaks only of the clients whose targets were set up', () => {
    const evolutionOnly = {...target('done', ['alice@example.com'], 'nssdb'), client: 'evolution', clients: ['evolution']}
    const lines = nextSteps(report(evolutionOnly, target('failed', ['alice@example.com'])), clients)
    expect(lines.join('\n')).not.toContain('Thunderbird')
    expect(lines.at(-1)).toBe('  2. To undo: mailcert remove --account alice@example.com (add --delete-identity to take the certificate out of Evolution too).')
  })

  it('says nothing when no target was set up', () => {
    expect(nextSteps(report(), clients)).toEqual([])
    expect(nextSteps(report(target('failed', ['alice@example.com']), target('skipped', ['alice@example.com'])), clients)).toEqual([])
  })

  it('leaves out the targets that failed or were skipped', () => {
    const lines = nextSteps(report(target('failed', ['bob@example.com'], 'A'), target('done', ['alice@example.com'], 'B')), clients)
    expect(lines.join('\n')).not.toContain('bob@example.com')
    expect(lines[3]).toContain('--account alice@example.com')
  })

  it('speaks of "your account" when the report names none', () => {
    const lines = nextSteps(report(target('done', [])), clients)
    expect(lines[2]).toContain('from your account;')
    expect(lines[3]).toBe('  3. To undo: mailcert remove (add --delete-identity to take the certificate out of Thunderbird too).')
  })
})
