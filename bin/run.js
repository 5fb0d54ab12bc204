#!/usr/bin/env node
// The execute entry alone: --version and --help need nothing else of oclif's index.
import {execute} from '@oclif/core/execute'

// `mailcert` on its own is the guided installer: the command a person who just bought a
// certificate types. Everything else is oclif's usual dispatch.
const args = process.argv.slice(2)
await execute({dir: import.meta.url, args: args.length === 0 ? ['install'] : args})
