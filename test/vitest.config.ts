import {defineConfig} from 'vitest/config'

import SlowestFirst from './slowest-first.js'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds each Thunderbird template profile once per run, for every test file (global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // @oclif/test's runCommand captures stdout itself; vitest's console interception would swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The slow files mostly wait on the programs they drive: a third worker keeps both cores busy
    // (a fourth made the run slower on 2 cores, 9 min 40 s against 8 min 52 s, measured from a clean clone).
    maxWorkers: 3,
    sequence: {sequencer: SlowestFirst},
  },
})
