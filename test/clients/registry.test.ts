/**
 * Adding a client is adding a folder: a client written only in a test folder, given to the library
 * with the real ones, shows up in check and in the plan, and two of them reading one store share
 * one import. Nothing in src/ was edited for it.
 */
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {checkMachine} from '../../src/clients/check.js'
import {mailClients} from '../../src/clients/index.js'
import {decodeInput, openPkcs12} from '../../src/identity/input.js'
import {applyPlan, exitCodeOf} from '../../src/install/apply.js'
import {planInstall} from '../../src/install/install-service.js'
import {describePlan} from '../../src/install/plan.js'
import {machineFor} from '../../src/system/platform.js'
import {FIXTURES} from '../helpers/fixtures.js'
import {sandboxHome} from '../helpers/run-cli.js'
import {FolderStore, throwawayClient} from './throwaway/throwaway-client.js'

async function alice() {
  const input = decodeInput(readFileSync(join(FIXTURES, 'p12', 'mailbox-rsa.p12')))
  if (input.kind !== 'pkcs12') throw new Error('fixture is not PKCS#12')
  return (await openPkcs12(input, 'test')).identity
}

function setting(home: string, id: string): unknown {
  const file = join(home, `${id}.json`)
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null
}

function request(home: string, clients: Awaited<ReturnType<typeof mailClients>>, identity: Awaited<ReturnType<typeof alice>>) {
  return {
    identity,
    fromPkcs12: true,
    accounts: [],
    keepRefused: false,
    clients,
    context: {machine: machineFor({platform: 'linux', home, env: {HOME: home, PATH: process.env.PATH}}), flags: {}},
    trustRoot: async () => false,
    storePassword: async () => '',
    keyAccess: async () => null,
  }
}

describe('a client from outside src/', () => {
  it('appears in check beside the real clients, with its place and accounts', async () => {
    const home = sandboxHome()
    const store = new FolderStore(join(home, 'store'))
    const extra = throwawayClient({id: 'throwaway', home, store, accounts: [{key: 'a1', email: 'alice@example.com'}]})
    const result = await checkMachine({
      machine: machineFor({platform: 'linux', home, env: {HOME: home, PATH: process.env.PATH}}),
      flags: {},
      clients: [...(await mailClients()), extra],
      deep: false,
      all: false,
      storePassword: async () => undefined,
    })
    expect(result.clients.at(-1)).toMatchObject({client: 'throwaway', name: 'Throwaway throwaway', profiles: [{title: 'Settings', identities: [{email: 'alice@example.com', configured: false}]}]})
  })

  it('two clients reading one store: one import, then each one configured; one failing is undone alone (exit 7), both failing undo the import too', async () => {
    const identity = await alice()
    const home = sandboxHome()
    const store = new FolderStore(join(home, 'store'))
    const a = throwawayClient({id: 'client-a', home, store, accounts: [{key: 'a1', email: 'alice@example.com'}]})
    const b = throwawayClient({id: 'client-b', home, store, accounts: [{key: 'b1', email: 'alice@example.com'}], failing: true})

    const planned = await planInstall(request(home, [a, b], identity))
    expect(planned.plan.targets).toHaveLength(1)
    expect(planned.plan.targets[0]).toMatchObject({clients: ['client-a', 'client-b'], location: store.dir})
    expect(describePlan(planned.plan)).toEqual([
      `the test store ${store.dir} (Throwaway client-a (${join(home, 'client-a.json')}), Throwaway client-b (${join(home, 'client-b.json')})):`,
      `  - Put the certificate into ${store.dir}`,
      `  - Set alice@example.com to use the certificate in ${join(home, 'client-a.json')}`,
      `  - Set alice@example.com to use the certificate in ${join(home, 'client-b.json')}`,
    ])
    const report = await applyPlan(planned.plan)
    expect(exitCodeOf(report)).toBe(7)
    expect(report.targets[0]).toMatchObject({status: 'done', failedClients: [{client: 'client-b', code: 'settings-unwritable'}]})
    expect(setting(home, 'client-a')).toEqual({certificate: identity.certificate.fingerprints.sha256})
    expect(existsSync(join(store.dir, `${identity.certificate.fingerprints.sha256}.der`))).toBe(true)

    const home2 = sandboxHome()
    const store2 = new FolderStore(join(home2, 'store'))
    const both = [
      throwawayClient({id: 'client-a', home: home2, store: store2, accounts: [{key: 'a1', email: 'alice@example.com'}], failing: true}),
      throwawayClient({id: 'client-b', home: home2, store: store2, accounts: [{key: 'b1', email: 'alice@example.com'}], failing: true}),
    ]
    const failed = await applyPlan((await planInstall(request(home2, both, identity))).plan)
    expect(failed.targets[0]).toMatchObject({status: 'failed', rolledBack: true})
    expect(existsSync(join(store2.dir, `${identity.certificate.fingerprints.sha256}.der`))).toBe(false)
  })
})
