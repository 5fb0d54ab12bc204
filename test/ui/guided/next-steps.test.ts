/** What the guided installer says to do after the install, from the apply report. */
import {describe, expect, it} from 'vitest'

import type {ApplyReport, TargetReport} from '../../../src/install/apply.js'
import {nextSteps} from '../../../src/ui/guided/next-steps.js'

function target(status: TargetReport['status'], accounts: string[], label = 'P'): TargetReport {
  return {client: 'thunderbird', label, location: `/home/alice/.thunderbird/${label}`, accounts, status, rolledBack: false, steps: [], warnings: []}
}

const report = (...targets: TargetReport[]): ApplyReport => ({targets, cancelled: false})

describe('nextSteps', () => {
  it('says to start Thunderbird, send a signed message from the account, and how to undo that account', () => {
    expect(nextSteps(report(target('done', ['alice@example.com'])))).toEqual([
      'Next:',
      '  1. Start Thunderbird (or restart it, if it was open while mailcert worked).',
      '  2. Write a message to yourself from alice@example.com; under Security, "Digitally Sign" is now on or one click away. Send it, and look for the signature mark when it arrives.',
      '  3. To undo: mailcert remove --account alice@example.com (add --delete-identity to take the certificate out of Thunderbird too).',
    ])
  })

  it('counts a target that was already set up, and names an address set up in two profiles once', () => {
    const lines = nextSteps(report(target('unchanged', ['alice@example.com'], 'A'), target('done', ['alice@example.com'], 'B')))
    expect(lines[2]).toContain('from alice@example.com;')
    expect(lines[3]).toContain('mailcert remove --account alice@example.com ')
  })

  it('gives the plain undo command when several addresses were set up, and names the first', () => {
    const lines = nextSteps(report(target('done', ['alice@example.com', 'alice.example@example.org'])))
    expect(lines[2]).toContain('from alice@example.com;')
    expect(lines[3]).toBe('  3. To undo: mailcert remove (add --delete-identity to take the certificate out of Thunderbird too).')
  })

  it('says nothing when no target was set up', () => {
    expect(nextSteps(report())).toEqual([])
    expect(nextSteps(report(target('failed', ['alice@example.com']), target('skipped', ['alice@example.com'])))).toEqual([])
  })

  it('leaves out the targets that failed or were skipped', () => {
    const lines = nextSteps(report(target('failed', ['bob@example.com'], 'A'), target('done', ['alice@example.com'], 'B')))
    expect(lines.join('\n')).not.toContain('bob@example.com')
    expect(lines[3]).toContain('--account alice@example.com')
  })

  it('speaks of "your account" when the report names none', () => {
    const lines = nextSteps(report(target('done', [])))
    expect(lines[2]).toContain('from your account;')
    expect(lines[3]).toBe('  3. To undo: mailcert remove (add --delete-identity to take the certificate out of Thunderbird too).')
  })
})
