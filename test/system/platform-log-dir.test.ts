/** Where the default log of a run without a terminal goes, per OS (src/system/platform.ts logDir). */
import {describe, expect, it} from 'vitest'

import {logDir, machineFor} from '../../src/system/platform.js'

describe('logDir', () => {
  it('Linux: $XDG_STATE_HOME/mailcert, else ~/.local/state/mailcert; a relative XDG_STATE_HOME is ignored', () => {
    expect(logDir(machineFor({platform: 'linux', home: '/home/a', env: {}}))).toBe('/home/a/.local/state/mailcert')
    expect(logDir(machineFor({platform: 'linux', home: '/home/a', env: {XDG_STATE_HOME: '/var/state/a'}}))).toBe('/var/state/a/mailcert')
    expect(logDir(machineFor({platform: 'linux', home: '/home/a', env: {XDG_STATE_HOME: ''}}))).toBe('/home/a/.local/state/mailcert')
    expect(logDir(machineFor({platform: 'linux', home: '/home/a', env: {XDG_STATE_HOME: 'state'}}))).toBe('/home/a/.local/state/mailcert')
  })

  it('macOS: ~/Library/Logs/mailcert, whatever XDG says', () => {
    expect(logDir(machineFor({platform: 'darwin', home: '/Users/a', env: {XDG_STATE_HOME: '/x'}}))).toBe('/Users/a/Library/Logs/mailcert')
  })

  it('Windows: %LOCALAPPDATA%\\mailcert\\Logs, else the profile\'s AppData\\Local; a test acting as Windows on Linux keeps its POSIX home', () => {
    expect(logDir(machineFor({platform: 'win32', home: 'C:\\Users\\a', env: {LOCALAPPDATA: 'D:\\Local'}}))).toBe('D:\\Local\\mailcert\\Logs')
    expect(logDir(machineFor({platform: 'win32', home: 'C:\\Users\\a', env: {}}))).toBe('C:\\Users\\a\\AppData\\Local\\mailcert\\Logs')
    expect(logDir(machineFor({platform: 'win32', home: 'C:\\Users\\a', env: {LOCALAPPDATA: 'Local'}}))).toBe('C:\\Users\\a\\AppData\\Local\\mailcert\\Logs')
    expect(logDir(machineFor({platform: 'win32', home: '/tmp/home', env: {}}))).toBe('/tmp/home/AppData/Local/mailcert/Logs')
  })
})
