import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ExitCode, UserError} from '../../../src/errors.js'
import {chooseNssDriver} from '../../../src/clients/thunderbird/nss-driver-choice.js'

describe('choosing how to reach the NSS database', () => {
  it('--nss-driver thunderbird where no Thunderbird is installed is the user\'s to fix (exit 2), with what to do', async () => {
    // Looked for as on macOS, where this Linux machine has no /Applications/Thunderbird.app.
    const home = mkdtempSync(join(tmpdir(), 'mailcert-home-'))
    const choice = chooseNssDriver('thunderbird', [], {platform: 'darwin', home, env: {PATH: ''}})
    await expect(choice).rejects.toBeInstanceOf(UserError)
    await expect(choice).rejects.toMatchObject({
      code: 'thunderbird-not-found',
      exitCode: ExitCode.usage,
      hints: ["Install Thunderbird in its usual place, or leave out --nss-driver to use NSS's tools."],
    })
  })
})
