import {defineConfig} from 'vitest/config'

import SlowestFirst, {SLOWEST} from './slowest-first.js'

/** A real Mac's security tool: the macOS workflow runs these (test/vitest.macos.config.ts). */
const REAL_MAC_ONLY = ['test/macos-real/**', '**/node_modules/**']
/**
 * The files that run mailcert's Windows code under Wine (test/helpers/windows.ts; natively in
 * .github/workflows/windows.yml): each wine call takes 1-3 s, and each file has a Wine user with a
 * wineserver of its own, so they run in processes of their own too.
 */
export const WINDOWS = ['test/windows/**/*.test.ts', 'test/**/windows/**/*.test.ts']

export default defineConfig({
  test: {
    // Each Thunderbird template profile is built once per run and shared by the test files, and so is
    // the Wine prefix template (global-setup.ts).
    globalSetup: ['test/global-setup.ts'],
    // @oclif/test's runCommand captures stdout itself; vitest's console interception would swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The slow files mostly wait on the programs they drive: a third worker keeps both cores busy
    // (a fourth made the run slower on 2 cores, 9 min 40 s against 8 min 52 s, measured from a clean clone).
    maxWorkers: 3,
    sequence: {sequencer: SlowestFirst},
    projects: [
      {
        // The files that drive real Thunderbird, Evolution, Wine and mailcert for minutes: each in a test
        // process of its own, so that nothing one leaves behind reaches another.
        extends: true,
        test: {name: 'own-process', include: [...SLOWEST, ...WINDOWS]},
      },
      {
        // The others share test processes: a new process for each file (loading vitest and the modules
        // again) cost about 0.4 s of CPU per file, a quarter of what these files take together.
        extends: true,
        test: {name: 'shared-process', include: ['test/**/*.test.ts'], exclude: [...SLOWEST, ...WINDOWS, ...REAL_MAC_ONLY], isolate: false},
      },
    ],
  },
})
