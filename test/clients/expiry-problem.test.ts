import {describe, expect, it} from 'vitest'

import {expiryProblem} from '../../src/clients/expiry-problem.js'

const install = 'mailcert install YOUR-CERTIFICATE.p12 --client outlook --account alice@example.com'
const at = {profile: 'Outlook', account: 'alice@example.com'}
const notAfter = '2036-12-31T23:59:59.000Z'

describe('expiryProblem', () => {
  it('is nothing 30 days ahead, a warning with the command for the new file inside 30 days, an error once expired', () => {
    expect(expiryProblem({daysLeft: 30, notAfter}, 'The certificate', install, at)).toBeNull()
    expect(expiryProblem({daysLeft: 1, notAfter}, 'The certificate Outlook uses for alice@example.com', install, at)).toEqual({
      severity: 'warning',
      code: 'expires-soon',
      message: 'The certificate Outlook uses for alice@example.com expires in 1 day (2036-12-31).',
      fix: 'Ask your certificate authority for the new one now; when its file arrives: mailcert install NEW-CERTIFICATE.p12 --client outlook --account alice@example.com',
      ...at,
    })
    expect(expiryProblem({daysLeft: 0, notAfter}, 'The certificate', install, at)).toMatchObject({code: 'expires-soon', message: 'The certificate expires in 0 days (2036-12-31).'})
    expect(expiryProblem({daysLeft: -1, notAfter}, 'The signing certificate', install, at)).toEqual({
      severity: 'error',
      code: 'expired',
      message: 'The signing certificate expired on 2036-12-31: it can no longer sign, and nobody can encrypt to it.',
      fix: 'Get a new certificate from your certificate authority, then: mailcert install NEW-CERTIFICATE.p12 --client outlook --account alice@example.com (the old key stays, so mail encrypted to the old certificate still opens)',
      ...at,
    })
  })
})
