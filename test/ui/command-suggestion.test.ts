/** "Did you mean …?" for a mistyped command: a likely guess, or none. */
import {describe, expect, it} from 'vitest'

import {closestCommand, editDistance} from '../../src/ui/command-suggestion.js'

const COMMANDS = ['autocomplete', 'check', 'help', 'inspect', 'install', 'remove']

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('install', 'install')).toBe(0)
    expect(editDistance('instal', 'install')).toBe(1)
    expect(editDistance('remvoe', 'remove')).toBe(2)
    expect(editDistance('', 'help')).toBe(4)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })
})

describe('closestCommand', () => {
  it('names the command a typo was meant to be', () => {
    expect(closestCommand('instal', COMMANDS)).toBe('install')
    expect(closestCommand('chek', COMMANDS)).toBe('check')
    expect(closestCommand('remvoe', COMMANDS)).toBe('remove')
    expect(closestCommand('inpsect', COMMANDS)).toBe('inspect')
    expect(closestCommand('INSTALL', COMMANDS)).toBe('install')
  })

  it('compares a command with as many words as it has: the words after it are its arguments', () => {
    expect(closestCommand('instal:alice.p12', COMMANDS)).toBe('install')
    expect(closestCommand('inspekt:alice.p12', COMMANDS)).toBe('inspect')
  })

  it('guesses nothing for a word far from every command', () => {
    expect(closestCommand('xyzzy', COMMANDS)).toBeNull()
    expect(closestCommand('deploy', COMMANDS)).toBeNull()
  })
})
