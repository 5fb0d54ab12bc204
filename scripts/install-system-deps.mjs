#!/usr/bin/env zx
// Installs the system programs the tests drive for real: NSS's tools (certutil, pk12util, vfychain,
// modutil), Thunderbird, OpenSSL, tmux (for the interactive tests), lsof (macOS-style lock checks),
// python3 (the dbKey ground truth asks libnss3 through ctypes), strace (the crash tests kill
// mailcert, or fail its writes, at a given system call) and setpriv (run as another user). Debian and Ubuntu only;
// elsewhere it names what is missing and fails, because the tests must not silently skip them.
//
//   npx zx scripts/install-system-deps.mjs        (or: npm run test:setup)
import {$, which} from 'zx'
$.verbose = false

const needs = [
  {program: 'certutil', package: 'libnss3-tools'},
  {program: 'pk12util', package: 'libnss3-tools'},
  {program: 'vfychain', package: 'libnss3-tools'},
  {program: 'modutil', package: 'libnss3-tools'},
  {program: 'thunderbird', package: 'thunderbird'},
  {program: 'openssl', package: 'openssl'},
  {program: 'tmux', package: 'tmux'},
  {program: 'lsof', package: 'lsof'},
  {program: 'python3', package: 'python3'},
  {program: 'strace', package: 'strace'},
  {program: 'setpriv', package: 'util-linux'},
]

const missing = []
for (const need of needs) {
  if (!(await which(need.program, {nothrow: true}))) missing.push(need)
}
if (missing.length === 0) {
  console.log('System programs for the tests: all present.')
  process.exit(0)
}

const packages = [...new Set(missing.map((need) => need.package))]
console.log(`Installing ${packages.join(', ')} (for ${missing.map((need) => need.program).join(', ')})`)
if (!(await which('apt-get', {nothrow: true}))) {
  console.error(`No apt-get here. Install these packages with your system's package manager: ${packages.join(' ')}`)
  process.exit(1)
}
const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'}
await $({env, stdio: 'inherit'})`${asRoot} apt-get update -qq`
await $({env, stdio: 'inherit'})`${asRoot} apt-get install -y -qq --no-install-recommends ${packages}`

for (const need of missing) {
  if (!(await which(need.program, {nothrow: true}))) {
    console.error(`${need.program} is still missing after installing ${need.package}.`)
    process.exit(1)
  }
}
console.log('System programs for the tests: installed.')
