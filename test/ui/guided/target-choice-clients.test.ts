/**
 * The guided installer's checklist lists every client found: Thunderbird's profiles and Evolution's
 * identities side by side, each surveyed by its own client from what is on disk.
 */
import {cpSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {mailClients} from '../../../src/clients/index.js'
import {surveyClients} from '../../../src/install/install-service.js'
import {machineFor} from '../../../src/system/platform.js'
import {targetChoices} from '../../../src/ui/guided/target-choice.js'
import {FIXTURES} from '../../helpers/fixtures.js'
import {sandboxHome} from '../../helpers/run-cli.js'

describe('the checklist over every client', () => {
  it("shows Evolution's identities (written by evolution-data-server) beside a Thunderbird profile, ticking the certificate's address in both", async () => {
    const home = sandboxHome()
    cpSync(join(FIXTURES, 'evolution', 'sources'), join(home, '.config', 'evolution', 'sources'), {recursive: true})
    const profile = join(home, '.thunderbird', 'p.default-release')
    mkdirSync(profile, {recursive: true})
    cpSync(join(FIXTURES, 'thunderbird', 'prefs-with-accounts.js'), join(profile, 'prefs.js'))
    const machine = machineFor({platform: 'linux', home, env: {HOME: home, PATH: process.env.PATH}})
    const surveys = await surveyClients(await mailClients(), {machine, flags: {profile: [profile]}})
    const evolution = surveys.find((s) => s.client.id === 'evolution')!
    const addresses = evolution.places[0]!.accounts!.map((a) => a.email)
    expect(addresses.length).toBeGreaterThan(0)
    const groups = targetChoices(surveys.flatMap((s) => s.places), [addresses[0]!])
    const evolutionGroup = groups.find((g) => g.title.startsWith('Evolution'))!
    expect(evolutionGroup.choices.find((c) => c.name.startsWith(addresses[0]!))).toMatchObject({checked: true})
    expect(groups.some((g) => g.title.startsWith('Thunderbird profile'))).toBe(true)
  })
})
