import {describe, expect, it} from 'vitest'

import {isUserName, parseDsclRecord, parsePasswdLine} from '../../src/system/user-account.js'

describe('user records', () => {
  it('reads a passwd(5) line as getent prints it', () => {
    expect(parsePasswdLine('alice:x:1001:1002:Alice Example,,,:/home/alice:/bin/bash\n')).toEqual({name: 'alice', uid: 1001, gid: 1002, home: '/home/alice', shell: '/bin/bash'})
    expect(parsePasswdLine('svc:x:998:998::/var/lib/svc:')).toMatchObject({shell: '/bin/sh'})
    expect(parsePasswdLine('broken:x:abc:1::/home/b:/bin/sh')).toBeNull()
    expect(parsePasswdLine('short:x:1:1')).toBeNull()
    expect(parsePasswdLine('rel:x:1:1::home/rel:/bin/sh')).toBeNull()
  })

  it('reads dscl -read output, values on the same line or (with spaces) on the next', () => {
    const text = 'NFSHomeDirectory:\n /Users/Alice Example\nPrimaryGroupID: 20\nUniqueID: 501\nUserShell: /bin/zsh\n'
    expect(parseDsclRecord('alice', text)).toEqual({name: 'alice', uid: 501, gid: 20, home: '/Users/Alice Example', shell: '/bin/zsh'})
    expect(parseDsclRecord('alice', 'UniqueID: 501\nPrimaryGroupID: 20\n')).toBeNull()
  })

  it('takes only names that cannot be mistaken for an option', () => {
    expect(['alice', 'a.b_c-d', 'machine$', 'x@corp'].every(isUserName)).toBe(true)
    expect(['-u', '', 'a b', 'a:b', 'a/b'].some(isUserName)).toBe(false)
  })
})
