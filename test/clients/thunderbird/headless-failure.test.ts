import {describe, expect, it} from 'vitest'

import {thunderbirdFailure} from '../../../src/clients/thunderbird/headless-failure.js'
import {ExitCode, ExternalError} from '../../../src/errors.js'
import {MarionetteError} from '../../../src/system/marionette.js'

const context = {timeoutMs: 45_000, insteadHint: "NSS's tools let mailcert do this without starting Thunderbird. Install them: sudo apt-get install libnss3-tools", output: 'Gtk-CRITICAL'}

describe('a headless Thunderbird that fails to do what it was asked', () => {
  it.each([
    ['timeout', 'thunderbird-not-answering', 'Thunderbird stopped answering: it did not list the certificates in the profile within 45 s.'],
    ['closed', 'thunderbird-connection-lost', 'Thunderbird closed its remote-control connection before it could list the certificates in the profile; it may have crashed or been closed.'],
    ['refused', 'thunderbird-connection-lost', 'Thunderbird closed its remote-control connection before it could list the certificates in the profile; it may have crashed or been closed.'],
    ['malformed', 'thunderbird-bad-answer', "Thunderbird's answer could not be read, so it did not list the certificates in the profile: malformed message (x)."],
    ['error', 'thunderbird-script-failed', 'Thunderbird could not list the certificates in the profile.'],
  ] as const)('%s: is a failure of Thunderbird (exit 9, %s) that says what it did not do', (failure, code, message) => {
    const error = thunderbirdFailure(new MarionetteError(failure === 'malformed' ? 'malformed message (x)' : 'TypeError: x', failure, 'WebDriver:ExecuteScript'), 'list the certificates in the profile', context)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error).toMatchObject({tool: 'Thunderbird', code, exitCode: ExitCode.external, message})
    expect(error.hints).toContain(context.insteadHint)
    expect([error.message, ...error.hints].join('\n')).not.toContain('bug')
  })

  it('not answering: says to close Thunderbird, to use NSS tools, and how to give it more time', () => {
    const error = thunderbirdFailure(new MarionetteError('no answer', 'timeout', 'WebDriver:NewSession'), 'start its remote-control session', context)
    expect(error.hints).toEqual([
      'If Thunderbird is open, close it, then run mailcert again.',
      context.insteadHint,
      'On a slow machine give Thunderbird more time: set MAILCERT_THUNDERBIRD_TIMEOUT to more seconds (now 45).',
    ])
    expect(error.output).toBe('Gtk-CRITICAL')
  })

  it("a script error: Thunderbird's own message is what it said, and no NSS hint where NSS's tools do not exist", () => {
    const error = thunderbirdFailure(new MarionetteError('NS_ERROR_FAILURE', 'error', 'WebDriver:ExecuteScript', 'javascript error'), 'import the certificate', {...context, insteadHint: null})
    expect(error.output).toBe('NS_ERROR_FAILURE')
    expect(error.hints).toEqual([])
  })
})
