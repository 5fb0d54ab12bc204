import {defineConfig} from 'vitest/config'

import SlowestFirst from './slowest-first.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // @oclif/test's runCommand captures stdout itself; vitest's console interception would swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The slow files mostly wait on the programs they drive (Thunderbird starting, EDS on D-Bus): four
    // workers keep both cores busy (three left a sixth of them idle, measured in CI).
    maxWorkers: 4,
    sequence: {sequencer: SlowestFirst},
  },
})
