/** A ThunderbirdProfile as discovery would describe it, built from prefs.js text, for unit tests. */
import {dirname} from 'node:path'

import {readAccounts} from '../../src/clients/thunderbird/accounts.js'
import type {ThunderbirdProfile} from '../../src/clients/thunderbird/discovery.js'
import {parsePrefs} from '../../src/clients/thunderbird/prefs-js.js'

export function profileFromPrefs(dir: string, prefs: string | Buffer, overrides: Partial<ThunderbirdProfile> = {}): ThunderbirdProfile {
  return {
    name: 'default-release',
    dir,
    root: {dir: dirname(dir), packaging: 'standard', sandboxed: false},
    isDefault: true,
    version: '153.0',
    lastAppDir: null,
    database: 'sql',
    accounts: readAccounts(parsePrefs(prefs)),
    prefsState: 'ok',
    prefsProblem: null,
    prefsHints: [],
    lock: {busy: false},
    lockCheck: {platform: 'linux'},
    ...overrides,
  }
}
