#!/usr/bin/env zx
// Installs the system programs the tests drive for real: NSS's tools (certutil, pk12util, vfychain,
// modutil), Thunderbird, OpenSSL, tmux (for the interactive tests), lsof (macOS-style lock checks),
// python3 (the dbKey ground truth asks libnss3 through ctypes), strace (the crash tests kill
// mailcert, or fail its writes, at a given system call), setpriv (run as another user), and Evolution
// with evolution-data-server, its GObject bindings for python3 and D-Bus (the Evolution tests have the
// real source registry write and read the sources, and Camel open the NSS database), and sqlite3 (the
// macOS tests build a real Accounts4.sqlite and read it as macOS's own sqlite3 would), and Wine (wine
// and its 64-bit loader wine64: the Windows tests run mailcert's Win32 code under it), and Ansible with
// OpenSSH's server and iproute2 (the Ansible test runs the module against hosts in network namespaces
// of its own, reached over SSH; its JSON output comes from the ansible.posix collection). Debian and Ubuntu
// only; elsewhere it names what is missing and fails, because the tests must not silently skip them.
// Then the Windows runtime those tests run under Wine: Windows Node and koffi's Windows binary
// (scripts/windows-runtime.mjs; npm packages, fetched again after each npm ci). And Linux Node's
// official binary, which the single-executable tests build mailcert's Linux executable from
// (scripts/sea/base-binaries.mjs; the Windows one is the Windows Node above).
//
//   npx zx scripts/install-system-deps.mjs        (or: npm run test:setup)
import {fileURLToPath} from 'node:url'

import {$, fs, which} from 'zx'

import {ensureBaseBinary} from './sea/base-binaries.mjs'
import {ensureWindowsRuntime} from './windows-runtime.mjs'
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
  {file: '/usr/bin/sqlite3', package: 'sqlite3'},
  {program: 'setpriv', package: 'util-linux'},
  {program: 'evolution', package: 'evolution'},
  {program: 'dbus-run-session', package: 'dbus'},
  {program: 'wine', package: 'wine'},
  {program: 'wineserver', package: 'wine'},
  {program: 'wineboot', package: 'wine'},
  // Debian's wine runs 64-bit programs through this loader (not on PATH).
  {file: '/usr/lib/wine/wine64', package: 'wine64'},
  {file: '/usr/libexec/evolution-source-registry', package: 'evolution-data-server'},
  {program: 'ansible-playbook', package: 'ansible'},
  {program: 'ansible-vault', package: 'ansible'},
  {file: '/usr/lib/python3/dist-packages/ansible_collections/ansible/posix/plugins/callback/json.py', package: 'ansible'},
  {file: '/usr/sbin/sshd', package: 'openssh-server'},
  {program: 'ssh-keygen', package: 'openssh-client'},
  {program: 'ip', package: 'iproute2'},
  // Runs mailcert (and the NSS tools it starts) at a later date: a certificate about to expire, or expired, without test-only clocks in mailcert.
  {program: 'faketime', package: 'faketime'},
  // The system python3 (not a pyenv one on PATH) is the one with the distribution's gi bindings.
  {python: 'import gi', package: 'python3-gi'},
  {python: "import gi; gi.require_version('EDataServer', '1.2'); from gi.repository import EDataServer", package: 'gir1.2-edataserver-1.2'},
  {python: "import gi; gi.require_version('Camel', '1.2'); from gi.repository import Camel", package: 'gir1.2-camel-1.2'},
]

const what = (need) => need.program ?? need.file ?? `python3 -c "${need.python}"`

async function present(need) {
  if (need.program) return Boolean(await which(need.program, {nothrow: true}))
  if (need.file) return fs.pathExists(need.file)
  return (await $({nothrow: true})`/usr/bin/python3 -c ${need.python}`).exitCode === 0
}

const missing = []
for (const need of needs) {
  if (!(await present(need))) missing.push(need)
}
if (missing.length === 0) {
  console.log('System programs for the tests: all present.')
} else {
  await install(missing)
}
await windowsRuntime()
await executableBase()

async function install(missing) {
  const packages = [...new Set(missing.map((need) => need.package))]
  console.log(`Installing ${packages.join(', ')} (for ${missing.map(what).join(', ')})`)
  if (!(await which('apt-get', {nothrow: true}))) {
    console.error(`No apt-get here. Install these packages with your system's package manager: ${packages.join(' ')}`)
    process.exit(1)
}
const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
const env = {...process.env, DEBIAN_FRONTEND: 'noninteractive'}
await $({env, stdio: 'inherit'})`${asRoot} apt-get update -qq`
await $({env, stdio: 'inherit'})`${asRoot} apt-get install -y -qq --no-install-recommends ${packages}`

for (const need of missing) {
  if (!(await present(need))) {
    console.error(`${what(need)} is still missing after installing ${need.package}.`)
    process.exit(1)
  }
}
console.log('System programs for the tests: installed.')
}

async function windowsRuntime() {
  try {
    const fetched = await ensureWindowsRuntime()
    console.log(fetched.length === 0 ? 'Windows runtime for the tests: present.' : `Windows runtime for the tests: fetched ${fetched.join(', ')}.`)
  } catch (error) {
    console.error(`The Windows runtime for the tests could not be made: ${error.message}`)
    process.exit(1)
  }
}

async function executableBase() {
  try {
    const {fetched} = await ensureBaseBinary(fileURLToPath(new URL('..', import.meta.url)), 'linux')
    console.log(`Linux Node for the single-executable tests: ${fetched ? 'fetched' : 'present'}.`)
  } catch (error) {
    console.error(`Linux Node for the single-executable tests could not be fetched: ${error.message}`)
    process.exit(1)
  }
}
