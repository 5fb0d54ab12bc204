/**
 * The marks of install's steps: the check step ("verify") finds nothing to change whatever its
 * verdict, so its mark must come from the verdicts: ✔ accepted, ✖ refused (or failed).
 */
import {stripVTControlCharacters as plain} from 'node:util'

import {describe, expect, it} from 'vitest'

import {applyPlan, type StepReport} from '../../src/install/apply.js'
import type {PlanStep, StepOutcome} from '../../src/install/plan.js'
import {renderReport, renderStep, stepOutcome} from '../../src/ui/render-install.js'

/** A check step as VerifyInstalledStep reports itself: no change, the verdicts in `verification`. */
function verifyStep(outcome: StepOutcome | Error): PlanStep {
  return {
    id: 'verify',
    describe: () => 'Check that the certificate is accepted for signing and encryption',
    apply: async () => {
      if (outcome instanceof Error) throw outcome
      return outcome
    },
    undo: async () => {},
  }
}

async function reportOf(step: PlanStep): Promise<StepReport> {
  const report = await applyPlan({targets: [{clients: ['thunderbird'], label: 'Thunderbird profile "default-release"', location: '/p', accounts: ['alice@example.com'], steps: [step], warnings: []}]})
  return report.targets[0]!.steps[0]!
}

describe('the mark of the verify step', () => {
  it('✔ when every verdict is valid', async () => {
    const report = await reportOf(verifyStep({changed: false, detail: 'signing: valid, encryption: valid', verification: {signing: {valid: true}, encryption: {valid: true}}}))
    expect(report).toMatchObject({status: 'unchanged', verification: {signing: {valid: true}, encryption: {valid: true}}})
    expect(plain(renderStep(report))).toBe('  ✔ Check that the certificate is accepted for signing and encryption (signing: valid, encryption: valid)')
    expect(plain(stepOutcome(report))).toBe('✔ (signing: valid, encryption: valid)')
  })

  it('✖ when one verdict is not valid, though the step "changed nothing"', async () => {
    const report = await reportOf(
      verifyStep({changed: false, detail: 'signing: not valid', verification: {signing: {valid: false, reason: 'the issuer is not trusted'}}, warnings: ['Not accepted for signing: the issuer is not trusted.']}),
    )
    expect(report.status).toBe('unchanged')
    expect(plain(renderStep(report))).toBe('  ✖ Check that the certificate is accepted for signing and encryption (signing: not valid)')
    expect(plain(stepOutcome(report))).toBe('✖ (signing: not valid)')
  })

  it('✖ when the step failed (a verify step that fails the target), with its error', async () => {
    const report = await reportOf(verifyStep(new Error('Thunderbird would refuse to sign with it: the issuer is not trusted')))
    expect(report.status).toBe('failed')
    expect(plain(renderStep(report))).toBe('  ✖ Check that the certificate is accepted for signing and encryption\n      Thunderbird would refuse to sign with it: the issuer is not trusted')
  })

  it('other steps keep the mark of their status', async () => {
    const unchanged: StepReport = {id: 'import-identity', description: 'Import the key', status: 'unchanged', detail: 'already present'}
    expect(plain(renderStep(unchanged))).toBe('  · Import the key (already present)')
    const done = {...unchanged, status: 'done' as const, detail: undefined}
    expect(plain(renderStep(done))).toBe('  ✔ Import the key')
    const text = renderReport({cancelled: false, targets: [{client: 'thunderbird', clients: ['thunderbird'], label: 'P', location: '/p', accounts: [], status: 'done', changed: true, rolledBack: false, steps: [done], warnings: []}]})
    expect(plain(text)).toContain('  ✔ Import the key')
  })
})
