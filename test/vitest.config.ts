import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // @oclif/test's runCommand captures stdout itself; vitest's console interception would swallow it.
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
