import {defineConfig} from 'vitest/config'

/** The tests that need a real Mac (its /usr/bin/security): only the macOS workflow runs them. */
export default defineConfig({
  test: {
    include: ['test/macos-real/**/*.test.ts'],
    disableConsoleIntercept: true,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
})
