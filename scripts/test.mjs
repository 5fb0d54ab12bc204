#!/usr/bin/env zx
// The whole test command: the type check, the linter and the build side by side (each runs in one
// process on one core, and none reads what another writes: the linter ignores dist/), then every test.
import {$} from 'zx'

$.verbose = true
await Promise.all([$`npm run typecheck`, $`npm run lint`, $`npm run build`])
await $`npm run test:unit`
