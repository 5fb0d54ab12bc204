import {describe, expect, it} from 'vitest'

import {ExitCode, ExternalError, UserError} from '../../src/errors.js'
import {anyChanged, type ApplyReport, applyPlan, exitCodeOf, type TargetReport} from '../../src/install/apply.js'
import type {TargetRecorder} from '../../src/install/journal-file.js'
import type {PlanStep, PlanTarget, StepOutcome} from '../../src/install/plan.js'

/** What happened, in order, across every fake step and target: `apply a`, `undo a`, `close T`. */
type Journal = string[]

interface FakeStepOptions {
  outcome?: StepOutcome
  fail?: Error
  failUndo?: Error
  /** The client whose configuration the step is (unset: the store's own step). */
  part?: string
}

function fakeStep(journal: Journal, id: string, options: FakeStepOptions = {}): PlanStep {
  return {
    id,
    ...(options.part === undefined ? {} : {part: options.part}),
    describe: () => `step ${id}`,
    async apply(recorder) {
      // Every changing step notes its change first, as the real ones do.
      await recorder.note({addedCertificates: [id]})
      journal.push(`apply ${id}`)
      if (options.fail) throw options.fail
      return options.outcome ?? {changed: true}
    },
    async undo() {
      journal.push(`undo ${id}`)
      if (options.failUndo) throw options.failUndo
    },
  }
}

function fakeTarget(journal: Journal, label: string, steps: PlanStep[], extra: Partial<PlanTarget> = {}): PlanTarget {
  return {
    clients: ['thunderbird'],
    label,
    location: `/home/alice/.thunderbird/${label}`,
    accounts: ['alice@example.com'],
    steps,
    warnings: [],
    async close() {
      journal.push(`close ${label}`)
    },
    ...extra,
  }
}

const statuses = (target: TargetReport) => target.steps.map((step) => `${step.id}:${step.status}`)

describe('applyPlan', () => {
  it('does every step in order and reports them done', async () => {
    const journal: Journal = []
    const target = fakeTarget(journal, 'P', [
      fakeStep(journal, 'import-identity', {outcome: {changed: true, detail: 'nickname Alice Example'}}),
      fakeStep(journal, 'configure-identities', {outcome: {changed: true, backup: '/p/prefs.js.mailcert-x.bak', warnings: ['restart Thunderbird']}}),
    ])
    const report = await applyPlan({targets: [target]})
    expect(journal).toEqual(['apply import-identity', 'apply configure-identities', 'close P'])
    expect(report.cancelled).toBe(false)
    const [result] = report.targets
    expect(result).toMatchObject({client: 'thunderbird', clients: ['thunderbird'], label: 'P', location: '/home/alice/.thunderbird/P', accounts: ['alice@example.com'], status: 'done', changed: true, rolledBack: false})
    expect(result.steps).toEqual([
      {id: 'import-identity', description: 'step import-identity', status: 'done', detail: 'nickname Alice Example', backup: undefined},
      {id: 'configure-identities', description: 'step configure-identities', status: 'done', detail: undefined, backup: '/p/prefs.js.mailcert-x.bak'},
    ])
    expect(result.warnings).toEqual(['restart Thunderbird'])
  })

  it('reports a target whose steps all found everything in place as unchanged', async () => {
    const journal: Journal = []
    const report = await applyPlan({targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a', {outcome: {changed: false, detail: 'already present'}}), fakeStep(journal, 'b', {outcome: {changed: false}})])]})
    expect(report.targets[0].status).toBe('unchanged')
    // What Ansible's `changed` reads: a re-run that found everything in place changed nothing.
    expect(report.targets[0].changed).toBe(false)
    expect(anyChanged(report)).toBe(false)
    expect(statuses(report.targets[0])).toEqual(['a:unchanged', 'b:unchanged'])
    expect(report.targets[0].steps[0].detail).toBe('already present')
  })

  it('reports done when one step changed something and the others did not', async () => {
    const journal: Journal = []
    const report = await applyPlan({targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a', {outcome: {changed: false}}), fakeStep(journal, 'b')])]})
    expect(report.targets[0].status).toBe('done')
  })

  it('keeps the warnings known at planning time and adds those of the steps, and merges verifications', async () => {
    const journal: Journal = []
    const target = fakeTarget(
      journal,
      'P',
      [
        fakeStep(journal, 'a', {outcome: {changed: true, warnings: ['w-a'], verification: {signing: {valid: true}}}}),
        fakeStep(journal, 'b', {outcome: {changed: false, verification: {encryption: {valid: false, reason: 'untrusted'}}}}),
      ],
      {warnings: ['planned']},
    )
    const [result] = (await applyPlan({targets: [target]})).targets
    expect(result.warnings).toEqual(['planned', 'w-a'])
    expect(result.verification).toEqual({signing: {valid: true}, encryption: {valid: false, reason: 'untrusted'}})
    // The plan's own list is not changed by applying it.
    expect(target.warnings).toEqual(['planned'])
  })

  it('undoes the finished steps newest first when a step fails, and reports them undone', async () => {
    const journal: Journal = []
    const failure = new ExternalError('certutil', 'Setting the trust failed: the password was not accepted', {code: 'nss-bad-password', hints: ['check it']})
    const target = fakeTarget(journal, 'P', [
      fakeStep(journal, 'a'),
      fakeStep(journal, 'unchanged', {outcome: {changed: false}}),
      fakeStep(journal, 'b'),
      fakeStep(journal, 'c', {fail: failure}),
      fakeStep(journal, 'd'),
    ])
    const [result] = (await applyPlan({targets: [target]})).targets
    // An unchanged step has nothing to undo; the failed step may have made part of its change, so it is undone
    // too (every undo is safe for a change not made); the step after the failure never runs.
    expect(journal).toEqual(['apply a', 'apply unchanged', 'apply b', 'apply c', 'undo c', 'undo b', 'undo a', 'close P'])
    expect(statuses(result)).toEqual(['a:undone', 'unchanged:unchanged', 'b:undone', 'c:failed', 'd:not-run'])
    expect(result).toMatchObject({status: 'failed', reason: failure.message, code: 'nss-bad-password', hints: ['check it'], rolledBack: true, changed: false})
    expect(result.steps[3].error).toBe(failure.message)
  })

  it('reports an undo that fails, and does not claim a clean rollback', async () => {
    const journal: Journal = []
    const target = fakeTarget(journal, 'P', [
      fakeStep(journal, 'a'),
      fakeStep(journal, 'b', {failUndo: new Error('prefs.js is read-only')}),
      fakeStep(journal, 'c', {fail: new Error('disk full')}),
    ])
    const [result] = (await applyPlan({targets: [target]})).targets
    // The older step is still undone after the newer one's undo failed.
    expect(journal).toEqual(['apply a', 'apply b', 'apply c', 'undo c', 'undo b', 'undo a', 'close P'])
    expect(statuses(result)).toEqual(['a:undone', 'b:undo-failed', 'c:failed'])
    expect(result.steps[1].error).toBe('prefs.js is read-only')
    // b's change is still there: the run did change the machine.
    expect(result).toMatchObject({status: 'failed', rolledBack: false, reason: 'disk full', code: 'unexpected', changed: true})
  })

  it('goes on with the other targets after one fails', async () => {
    const journal: Journal = []
    const report = await applyPlan({
      targets: [
        fakeTarget(journal, 'P1', [fakeStep(journal, 'x', {fail: new UserError('busy', {code: 'busy', exitCode: ExitCode.busy})})]),
        fakeTarget(journal, 'P2', [fakeStep(journal, 'y')]),
      ],
    })
    expect(report.targets.map((t) => t.status)).toEqual(['failed', 'done'])
    expect(report.targets.map((t) => t.changed)).toEqual([false, true])
    expect(anyChanged(report)).toBe(true)
    expect(journal).toEqual(['apply x', 'undo x', 'close P1', 'apply y', 'close P2'])
    expect(report.targets[0].exitCode).toBe(ExitCode.busy)
  })

  it('leaves a skipped target alone and says why', async () => {
    const journal: Journal = []
    const report = await applyPlan({
      targets: [
        fakeTarget(journal, 'S', [fakeStep(journal, 'never')], {skip: {code: 'no-matching-identity', reason: 'no identity uses alice@example.com'}}),
        fakeTarget(journal, 'P', [fakeStep(journal, 'a')]),
      ],
    })
    expect(journal).not.toContain('apply never')
    expect(report.targets[0]).toMatchObject({status: 'skipped', code: 'no-matching-identity', reason: 'no identity uses alice@example.com', rolledBack: false})
    expect(statuses(report.targets[0])).toEqual(['never:not-run'])
    expect(report.targets[1].status).toBe('done')
  })

  it('stops between steps when cancelled, undoes what was done, and skips the remaining targets', async () => {
    const journal: Journal = []
    let stop = false
    const target = fakeTarget(journal, 'P1', [
      fakeStep(journal, 'a'),
      {...fakeStep(journal, 'b'), apply: async () => {
        journal.push('apply b')
        // Ctrl+C arrives while b runs: b finishes, nothing after it starts.
        stop = true
        return {changed: true}
      }},
      fakeStep(journal, 'c'),
    ])
    const report = await applyPlan({targets: [target, fakeTarget(journal, 'P2', [fakeStep(journal, 'z')])]}, {cancelled: () => stop})
    expect(journal).toEqual(['apply a', 'apply b', 'undo b', 'undo a', 'close P1', 'close P2'])
    expect(report.cancelled).toBe(true)
    expect(report.targets[0]).toMatchObject({status: 'skipped', code: 'cancelled', rolledBack: true})
    expect(statuses(report.targets[0])).toEqual(['a:undone', 'b:undone', 'c:not-run'])
    expect(report.targets[1]).toMatchObject({status: 'skipped', code: 'cancelled'})
    expect(statuses(report.targets[1])).toEqual(['z:not-run'])
  })

  it('calls the hooks around each step that runs', async () => {
    const journal: Journal = []
    const seen: string[] = []
    const target = fakeTarget(journal, 'P', [fakeStep(journal, 'a'), fakeStep(journal, 'b', {fail: new Error('no')})])
    await applyPlan(
      {targets: [target]},
      {
        onStepStart: (t, step) => seen.push(`start ${t.label} ${step.id}`),
        onStepEnd: (_t, step, report) => seen.push(`end ${step.id} ${report.status}`),
      },
    )
    expect(seen).toEqual(['start P a', 'end a done', 'start P b', 'end b failed'])
  })

  it('rolls back and still closes the target when a hook throws', async () => {
    const journal: Journal = []
    const target = fakeTarget(journal, 'P', [fakeStep(journal, 'a'), fakeStep(journal, 'b')])
    const report = await applyPlan(
      {targets: [target]},
      {
        onStepEnd: (_t, step) => {
          if (step.id === 'a') throw new Error('the terminal went away')
        },
      },
    )
    expect(journal).toEqual(['apply a', 'undo a', 'close P'])
    expect(report.targets[0]).toMatchObject({status: 'failed', reason: 'the terminal went away', code: 'unexpected', rolledBack: true})
  })

  it('closes every target that ran exactly once, whatever happened', async () => {
    const journal: Journal = []
    await applyPlan({
      targets: [
        fakeTarget(journal, 'done', [fakeStep(journal, 'a')]),
        fakeTarget(journal, 'unchanged', [fakeStep(journal, 'b', {outcome: {changed: false}})]),
        fakeTarget(journal, 'failed', [fakeStep(journal, 'c', {fail: new Error('x')})]),
        fakeTarget(journal, 'no-steps', []),
      ],
    })
    expect(journal.filter((entry) => entry.startsWith('close'))).toEqual(['close done', 'close unchanged', 'close failed', 'close no-steps'])
  })

  it('works with targets that have nothing to close', async () => {
    const journal: Journal = []
    const report = await applyPlan({targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a')], {close: undefined})]})
    expect(report.targets[0].status).toBe('done')
  })
})

describe('applyPlan and the journal', () => {
  /** A recorder that writes what it is told into the same list as the steps. */
  const recording = (journal: Journal): {recorder: (target: PlanTarget) => TargetRecorder} => ({
    recorder: (target) => ({
      note: async (change) => void journal.push(`note ${target.label} ${change.addedCertificates?.join(',')}`),
      finish: async () => void journal.push(`finish ${target.label}`),
      abandon: async () => void journal.push(`abandon ${target.label}`),
    }),
  })
  const recorded = {recordAs: {store: {kind: 'nss', location: '/p'}, clients: ['thunderbird'], label: 'P', certificate: {sha256: 'aa', emails: [], subject: 'CN=x', references: {'nss-dbkey': 'K'}}}}

  it('notes each change before it is made, and finishes the record after the last step', async () => {
    const journal: Journal = []
    await applyPlan({targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a'), fakeStep(journal, 'b')], recorded)]}, recording(journal))
    // The certificates a later step adds (the second import of a pair) join the earlier step's, they do not replace them.
    expect(journal).toEqual(['note P a', 'apply a', 'note P a,b', 'apply b', 'finish P', 'close P'])
  })

  it('abandons the record after a clean rollback, and keeps it when an undo failed (remove can still try)', async () => {
    const clean: Journal = []
    await applyPlan({targets: [fakeTarget(clean, 'P', [fakeStep(clean, 'a'), fakeStep(clean, 'b', {fail: new Error('x')})], recorded)]}, recording(clean))
    expect(clean.slice(-2)).toEqual(['abandon P', 'close P'])
    const dirty: Journal = []
    await applyPlan(
      {targets: [fakeTarget(dirty, 'P', [fakeStep(dirty, 'a', {failUndo: new Error('read-only')}), fakeStep(dirty, 'b', {fail: new Error('x')})], recorded)]},
      recording(dirty),
    )
    expect(dirty.slice(-2)).toEqual(['finish P', 'close P'])
  })

  it('a step whose note cannot be written makes no change, and the target is rolled back', async () => {
    const journal: Journal = []
    const full = new UserError('mailcert cannot write its record', {code: 'journal-unwritable', exitCode: ExitCode.unexpected})
    let notes = 0
    const report = await applyPlan({targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a'), fakeStep(journal, 'b')], recorded)]}, {
      recorder: () => ({
        note: async () => {
          if (++notes === 2) throw full
        },
        finish: async () => void journal.push('finish'),
        abandon: async () => void journal.push('abandon'),
      }),
    })
    expect(journal).toEqual(['apply a', 'undo b', 'undo a', 'abandon', 'close P'])
    expect(report.targets[0]).toMatchObject({status: 'failed', code: 'journal-unwritable', exitCode: 1, rolledBack: true})
  })

  it('a step that fails its target on purpose keeps what was done, records it, and reports the failure', async () => {
    const journal: Journal = []
    const failTarget = {message: 'refused', code: 'refused-by-client', hints: ['fix the chain'], exitCode: ExitCode.notForSmime}
    const report = await applyPlan(
      {targets: [fakeTarget(journal, 'P', [fakeStep(journal, 'a'), fakeStep(journal, 'check', {outcome: {changed: false, failTarget}}), fakeStep(journal, 'c')], recorded)]},
      recording(journal),
    )
    expect(journal).toEqual(['note P a', 'apply a', 'note P a,check', 'apply check', 'finish P', 'close P'])
    expect(report.targets[0]).toMatchObject({status: 'failed', code: 'refused-by-client', exitCode: 5, rolledBack: false, reason: 'refused'})
    expect(exitCodeOf(report)).toBe(ExitCode.notForSmime)
  })
})

describe('applyPlan: a store that several clients read', () => {
  /** One store both clients read: its own steps first, then each client's configuration. */
  const shared = (journal: Journal, steps: PlanStep[]) => fakeTarget(journal, 'S', steps, {clients: ['thunderbird', 'evolution'], accounts: ['alice@example.com']})
  const wrongPassword = () => new UserError('the password was not accepted', {code: 'bad-password', exitCode: ExitCode.wrongPassword, hints: ['type it again']})

  it('reports every client of the target, the first as `client`', async () => {
    const journal: Journal = []
    const [result] = (await applyPlan({targets: [shared(journal, [fakeStep(journal, 'import'), fakeStep(journal, 'a', {part: 'thunderbird'}), fakeStep(journal, 'b', {part: 'evolution'})])]})).targets
    expect(result).toMatchObject({client: 'thunderbird', clients: ['thunderbird', 'evolution'], status: 'done', rolledBack: false})
    expect(result.failedClients).toBeUndefined()
    expect(journal).toEqual(['apply import', 'apply a', 'apply b', 'close S'])
  })

  it("undoes only the client whose step failed: the store's steps and the other client's stay, and the run is partly done (7)", async () => {
    const journal: Journal = []
    const report = await applyPlan({
      targets: [
        shared(journal, [
          fakeStep(journal, 'import'),
          fakeStep(journal, 'a1', {part: 'thunderbird'}),
          fakeStep(journal, 'b1', {part: 'evolution'}),
          fakeStep(journal, 'b2', {part: 'evolution', fail: wrongPassword()}),
          fakeStep(journal, 'a2', {part: 'thunderbird'}),
          fakeStep(journal, 'b3', {part: 'evolution'}),
        ]),
      ],
    })
    const [result] = report.targets
    // B's steps are undone newest first as soon as one fails; A's next step still runs, B's next one does not.
    expect(journal).toEqual(['apply import', 'apply a1', 'apply b1', 'apply b2', 'undo b2', 'undo b1', 'apply a2', 'close S'])
    expect(statuses(result)).toEqual(['import:done', 'a1:done', 'b1:undone', 'b2:failed', 'a2:done', 'b3:not-run'])
    expect(result.status).toBe('done')
    expect(result.rolledBack).toBe(false)
    expect(result.failedClients).toEqual([{client: 'evolution', reason: 'the password was not accepted', code: 'bad-password', exitCode: ExitCode.wrongPassword, hints: ['type it again']}])
    expect(result.steps[3].error).toBe('the password was not accepted')
    expect(exitCodeOf(report)).toBe(ExitCode.partial)
  })

  it('rolls the whole target back when the last client fails too, as for a target of one client', async () => {
    const journal: Journal = []
    const report = await applyPlan({
      targets: [
        shared(journal, [
          fakeStep(journal, 'import'),
          fakeStep(journal, 'a', {part: 'thunderbird', fail: new Error('prefs.js is read-only')}),
          fakeStep(journal, 'b', {part: 'evolution', fail: wrongPassword()}),
        ]),
      ],
    })
    const [result] = report.targets
    // A is undone alone when it fails (B still needs the import); when B fails, nothing uses the import: it goes too.
    expect(journal).toEqual(['apply import', 'apply a', 'undo a', 'apply b', 'undo b', 'undo import', 'close S'])
    expect(statuses(result)).toEqual(['import:undone', 'a:failed', 'b:failed'])
    expect(result).toMatchObject({status: 'failed', reason: 'the password was not accepted', code: 'bad-password', exitCode: ExitCode.wrongPassword, rolledBack: true})
    // Nothing was done: the run's exit code is the failure's own, not "partly done".
    expect(exitCodeOf(report)).toBe(ExitCode.wrongPassword)
  })

  it("fails the whole target when one of the store's own steps fails", async () => {
    const journal: Journal = []
    const [result] = (
      await applyPlan({targets: [shared(journal, [fakeStep(journal, 'import'), fakeStep(journal, 'trust', {fail: new Error('x')}), fakeStep(journal, 'a', {part: 'thunderbird'}), fakeStep(journal, 'b', {part: 'evolution'})])]})
    ).targets
    expect(journal).toEqual(['apply import', 'apply trust', 'undo trust', 'undo import', 'close S'])
    expect(result).toMatchObject({status: 'failed', rolledBack: true})
    expect(result.failedClients).toBeUndefined()
  })
})

describe('exitCodeOf', () => {
  const target = (status: TargetReport['status'], exitCode?: TargetReport['exitCode']): TargetReport => ({
    client: 'thunderbird',
    clients: ['thunderbird'],
    label: 'P',
    location: '/p',
    accounts: [],
    status,
    changed: status === 'done',
    exitCode,
    rolledBack: false,
    steps: [],
    warnings: [],
  })
  const report = (...targets: TargetReport[]): ApplyReport => ({targets, cancelled: false})

  it('is 0 when nothing failed', () => {
    expect(exitCodeOf(report(target('done'), target('unchanged'), target('skipped')))).toBe(0)
    expect(exitCodeOf(report())).toBe(0)
  })

  it('is 7 when some targets failed and others were done or already right', () => {
    expect(exitCodeOf(report(target('done'), target('failed', ExitCode.busy)))).toBe(ExitCode.partial)
    expect(exitCodeOf(report(target('failed', ExitCode.busy), target('unchanged')))).toBe(7)
  })

  it("is the first failure's own code when nothing succeeded", () => {
    expect(exitCodeOf(report(target('failed', ExitCode.wrongPassword), target('failed', ExitCode.busy)))).toBe(ExitCode.wrongPassword)
    expect(exitCodeOf(report(target('skipped'), target('failed', ExitCode.notForSmime)))).toBe(ExitCode.notForSmime)
    expect(exitCodeOf(report(target('failed', ExitCode.external)))).toBe(ExitCode.external)
    expect(exitCodeOf(report(target('failed')))).toBe(ExitCode.unexpected)
  })

  it('is 7 when a client of a shared store failed while the others were done', () => {
    const failedClients = [{client: 'evolution', reason: 'no', code: 'x', exitCode: ExitCode.busy, hints: []}]
    expect(exitCodeOf(report({...target('done'), clients: ['thunderbird', 'evolution'], failedClients}))).toBe(ExitCode.partial)
  })

  it('is 130 when the run was cancelled', () => {
    expect(exitCodeOf({targets: [target('done')], cancelled: true})).toBe(ExitCode.cancelled)
  })
})
