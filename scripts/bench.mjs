#!/usr/bin/env zx
// Start-up and parsing speed, as ratios against `node -e 0` and the raw tools measured in the same
// run (absolute numbers vary between machines; ratios much less). Build first: npm run build.
//
//   npx zx scripts/bench.mjs [--runs 9]
//
// Targets (issue 2): `mailcert --version` within 2.5x of `node -e 0`; `inspect` of an ordinary
// file within 4x; a 600,000-iteration NSS export inspected in under 1.5 s, with AES (PBES2) and with
// 3DES (the PKCS#12 KDF, six 600,000-round chains). Exits 1 if one is missed.
// Also how long an install takes to give up on a Thunderbird that never opens its remote-control
// port, against the timeout it was given plus `node -e 0` (it must stop then, not hang on).
import {performance} from 'node:perf_hooks'

import {$, argv, fs, os, path} from 'zx'

$.verbose = false
const root = path.resolve(import.meta.dirname, '..')
const runs = Number(argv.runs ?? 9)
const fixtures = path.join(root, 'test', 'fixtures', 'p12')
const bin = path.join(root, 'bin', 'run.js')

if (!fs.existsSync(path.join(root, 'dist'))) {
  console.error('Build first: npm run build')
  process.exit(2)
}

// Median wall time of a command, in milliseconds. The environment carries the PKCS#12 password.
async function median(label, command, env = {}) {
  const times = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await $({env: {...process.env, ...env}, nothrow: true, quiet: true})`${command}`
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  const value = times[Math.floor(times.length / 2)]
  console.log(`${label.padEnd(52)} ${value.toFixed(0).padStart(6)} ms`)
  return value
}

const passwordFile = path.join(os.tmpdir(), `mailcert-bench-${process.pid}`)
await fs.writeFile(passwordFile, 'test', {mode: 0o600})
const nssPasswordFile = `${passwordFile}-nss`
await fs.writeFile(nssPasswordFile, 'pässwörd', {mode: 0o600})

/**
 * A HOME with one Thunderbird profile for alice@example.com whose Thunderbird (compatibility.ini's
 * LastAppDir) only sleeps: it never opens its remote-control port.
 */
async function silentThunderbirdHome() {
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-bench-home-'))
  const profile = path.join(home, '.thunderbird', 'bench.default')
  const program = path.join(home, 'thunderbird-app')
  await fs.mkdirp(profile)
  await fs.mkdirp(program)
  await fs.writeFile(path.join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=bench.default\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n')
  await fs.copy(path.join(root, 'test', 'fixtures', 'thunderbird', 'prefs-with-accounts.js'), path.join(profile, 'prefs.js'))
  await fs.writeFile(path.join(profile, 'compatibility.ini'), `[Compatibility]\nLastVersion=153.8.0_20260101000000/20260101000000\nLastAppDir=${program}\n`)
  await $`certutil -N --empty-password -d ${`sql:${profile}`}`
  await fs.writeFile(path.join(program, 'thunderbird'), '#!/bin/sh\nexec sleep 600\n', {mode: 0o755})
  return home
}
const THUNDERBIRD_TIMEOUT_S = 2

try {
  console.log(`median of ${runs} runs each\n`)
  const node = await median('node -e 0', ['node', '-e', '0'])
  const version = await median('mailcert --version', ['node', bin, '--version'])
  const help = await median('mailcert --help', ['node', bin, '--help'])
  const inspect = await median('mailcert inspect mailbox-rsa.p12', ['node', bin, 'inspect', path.join(fixtures, 'mailbox-rsa.p12')], {MAILCERT_PASSWORD: 'test'})
  const inspectJson = await median('mailcert inspect mailbox-rsa.p12 --json', ['node', bin, 'inspect', '--json', path.join(fixtures, 'mailbox-rsa.p12')], {MAILCERT_PASSWORD: 'test'})
  const opensslInfo = await median('openssl pkcs12 -info mailbox-rsa.p12', ['openssl', 'pkcs12', '-info', '-noout', '-in', path.join(fixtures, 'mailbox-rsa.p12'), '-passin', `file:${passwordFile}`])
  const nssExport = await median('mailcert inspect rsa-nss-export.p12 (600k, AES)', ['node', bin, 'inspect', path.join(fixtures, 'rsa-nss-export.p12')], {MAILCERT_PASSWORD: 'pässwörd'})
  const opensslNss = await median('openssl pkcs12 -info rsa-nss-export.p12', ['openssl', 'pkcs12', '-info', '-noout', '-in', path.join(fixtures, 'rsa-nss-export.p12'), '-passin', `file:${nssPasswordFile}`])
  const nss3des = await median('mailcert inspect rsa-nss-export-3des.p12 (600k, 3DES)', ['node', bin, 'inspect', path.join(fixtures, 'rsa-nss-export-3des.p12')], {MAILCERT_PASSWORD: 'pässwörd'})
  const opensslNss3des = await median('openssl pkcs12 -info rsa-nss-export-3des.p12', ['openssl', 'pkcs12', '-info', '-noout', '-in', path.join(fixtures, 'rsa-nss-export-3des.p12'), '-passin', `file:${nssPasswordFile}`])

  let silentThunderbird = null
  if ((await $({nothrow: true})`which certutil`).exitCode === 0) {
    const home = await silentThunderbirdHome()
    const command = ['node', bin, 'install', path.join(fixtures, 'mailbox-rsa.p12'), '--yes', '--nss-driver', 'thunderbird']
    const env = {HOME: home, MAILCERT_PASSWORD: 'test', MAILCERT_THUNDERBIRD_TIMEOUT: String(THUNDERBIRD_TIMEOUT_S)}
    try {
      // Only a run that gets as far as waiting for Thunderbird, and gives up on it (exit 9), measures that.
      const once = await $({env: {...process.env, ...env}, nothrow: true, quiet: true})`${command}`
      if (once.exitCode === 9) silentThunderbird = await median(`install, Thunderbird silent (timeout ${THUNDERBIRD_TIMEOUT_S} s)`, command, env)
      else console.log(`install, Thunderbird silent: not measured (exit ${once.exitCode}, expected 9: ${once.stderr.trim().split('\n')[0]})`)
    } finally {
      await fs.remove(home)
    }
  } else {
    console.log('install, Thunderbird silent: skipped (certutil is needed to make the profile database)')
  }
  const checks = [
    ['--version / node -e 0', version / node, 2.5],
    ['--help / node -e 0', help / node, null],
    ['inspect / node -e 0', inspect / node, 4],
    ['inspect --json / node -e 0', inspectJson / node, 4],
    ['inspect / openssl pkcs12 -info', inspect / opensslInfo, null],
    ['inspect 600k AES / openssl', nssExport / opensslNss, null],
    ['inspect 600k 3DES / openssl', nss3des / opensslNss3des, null],
    ...(silentThunderbird === null ? [] : [['silent Thunderbird / (timeout + node -e 0)', silentThunderbird / (THUNDERBIRD_TIMEOUT_S * 1000 + node), null]]),
  ]
  console.log('\nratios')
  let failed = false
  for (const [label, ratio, limit] of checks) {
    const verdict = limit === null ? '' : ratio <= limit ? `  ok (target <= ${limit}x)` : `  MISSED (target <= ${limit}x)`
    if (limit !== null && ratio > limit) failed = true
    console.log(`${label.padEnd(40)} ${ratio.toFixed(2).padStart(6)}x${verdict}`)
  }
  for (const [label, time] of [
    ['600,000-iteration NSS export, AES', nssExport],
    ['600,000-iteration NSS export, 3DES', nss3des],
  ]) {
    const within = time < 1500
    if (!within) failed = true
    console.log(`${label.padEnd(40)} ${(time / 1000).toFixed(2).padStart(6)} s  ${within ? 'ok' : 'MISSED'} (target < 1.5 s)`)
  }
  process.exitCode = failed ? 1 : 0
} finally {
  await fs.remove(passwordFile)
  await fs.remove(nssPasswordFile)
}

// ---- The single executable (scripts/package.mjs) -------------------------------------------------
// build/mailcert-linux-x64's start-up against `node -e 0`: --version and inspect from a warm per-user
// cache (what every start but the first costs), and the first start, which unpacks the app into an
// empty cache (once per version). No target: for the record. Build it first: npm run package -- --target linux
// (Measured on the loaded 2-core machine: --version 1.26x of node -e 0, against 1.12x for bin/run.js;
// inspect within 10% of bin/run.js's; the first start 3.8x.)
{
  const executable = path.join(root, 'build', 'mailcert-linux-x64')
  if (fs.existsSync(executable)) {
    const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-bench-sea-'))
    try {
      console.log('\nsingle executable (build/mailcert-linux-x64)')
      const node = await median('node -e 0', ['node', '-e', '0'])
      const firstStarts = []
      for (let i = 0; i < runs; i++) {
        await fs.emptyDir(cache)
        const start = performance.now()
        await $({env: {...process.env, XDG_CACHE_HOME: cache}, quiet: true})`${executable} --version`
        firstStarts.push(performance.now() - start)
      }
      firstStarts.sort((a, b) => a - b)
      const first = firstStarts[Math.floor(firstStarts.length / 2)]
      console.log(`${'executable --version, first start (unpacks)'.padEnd(52)} ${first.toFixed(0).padStart(6)} ms`)
      const version = await median('executable --version', [executable, '--version'], {XDG_CACHE_HOME: cache})
      const inspect = await median('executable inspect mailbox-rsa.p12', [executable, 'inspect', path.join(fixtures, 'mailbox-rsa.p12')], {XDG_CACHE_HOME: cache, MAILCERT_PASSWORD: 'test'})
      for (const [label, time] of [['executable --version / node -e 0', version], ['executable inspect / node -e 0', inspect], ['executable first start / node -e 0', first]]) {
        console.log(`${label.padEnd(40)} ${(time / node).toFixed(2).padStart(6)}x`)
      }
    } finally {
      await fs.remove(cache)
    }
  } else {
    console.log('\nsingle executable: not measured (build it first: npm run package -- --target linux)')
  }
}

// ---- One host's install with NSS's tools, against the raw tool calls it replaces -----------------
// A fresh Thunderbird profile for each run (made outside the timing): `mailcert install --nss-driver
// tools` against what a script does by hand for the same identity: `pk12util -i` (the identity),
// `certutil -M` (the private root trusted for e-mail), plus one `node -e 0` for the start-up. What
// mailcert adds on top: reading and checking the file, re-encoding it, the chain check, the journal,
// prefs.js. No target: a ratio to watch.
if ((await $({nothrow: true})`which certutil pk12util`).exitCode === 0) {
  const file = path.join(fixtures, 'mailbox-rsa.p12')
  const p12Password = path.join(os.tmpdir(), `mailcert-bench-install-${process.pid}`)
  await fs.writeFile(p12Password, 'test', {mode: 0o600})
  const freshProfile = async () => {
    const home = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-bench-install-'))
    const profile = path.join(home, '.thunderbird', 'bench.default')
    await fs.mkdirp(profile)
    await fs.writeFile(path.join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=bench.default\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n')
    await fs.copy(path.join(root, 'test', 'fixtures', 'thunderbird', 'prefs-with-accounts.js'), path.join(profile, 'prefs.js'))
    await $`certutil -N --empty-password -d ${`sql:${profile}`}`
    return {home, db: `sql:${profile}`}
  }
  const onFreshProfiles = async (label, work) => {
    const times = []
    for (let i = 0; i < runs; i++) {
      const box = await freshProfile()
      try {
        const start = performance.now()
        await work(box)
        times.push(performance.now() - start)
      } finally {
        await fs.remove(box.home)
      }
    }
    times.sort((a, b) => a - b)
    const value = times[Math.floor(times.length / 2)]
    console.log(`${label.padEnd(52)} ${value.toFixed(0).padStart(6)} ms`)
    return value
  }
  try {
    console.log('\none host\'s install (tools driver)')
    const node = await median('node -e 0', ['node', '-e', '0'])
    const install = await onFreshProfiles('mailcert install --nss-driver tools', async ({home}) => {
      const env = {...process.env, HOME: home, MAILCERT_PASSWORD: 'test', MAILCERT_NO_LOG: '1'}
      const result = await $({env, nothrow: true, quiet: true})`node ${bin} install ${file} --yes --trust-root --nss-driver tools`
      if (result.exitCode !== 0) throw new Error(`install failed (exit ${result.exitCode}): ${result.stderr}`)
    })
    const raw = await onFreshProfiles('pk12util -i + certutil -M (the same by hand)', async ({db}) => {
      await $({quiet: true})`pk12util -i ${file} -d ${db} -w ${p12Password}`
      await $({quiet: true})`certutil -M -d ${db} -n ${'mailcert Test Root CA - mailcert Test PKI'} -t ,C,`
    })
    console.log(`${'install / (raw NSS calls + node -e 0)'.padEnd(40)} ${(install / (raw + node)).toFixed(2).padStart(6)}x`)
  } finally {
    await fs.remove(p12Password)
  }
} else {
  console.log('\none host\'s install: not measured (NSS\'s tools are needed)')
}

// ---- mailcert status on a crowded NSS database ------------------------------------------------
// Target (issue: detection for fleet engines): `mailcert status --fingerprint X` on a Thunderbird
// profile whose database holds 500 identities answers in under 1 s. The database is made once per
// run with one certutil batch (-B), in /dev/shm where there is one (sqlite's syncs make a disk ten
// times slower at this), then copied into the profile; mailcert install then sets up alice in it.
{
  const IDENTITIES = 500
  const STATUS_TARGET_MS = 1000
  const fingerprint = JSON.parse(await fs.readFile(path.join(root, 'test', 'fixtures', 'manifest.json'), 'utf8'))['p12/mailbox-rsa.p12'].sha256
  const scratchRoot = (await fs.pathExists('/dev/shm')) ? '/dev/shm' : os.tmpdir()
  const scratch = await fs.mkdtemp(path.join(scratchRoot, 'mailcert-bench-nss-'))
  const home = await fs.mkdtemp(path.join(os.tmpdir(), 'mailcert-bench-status-'))
  try {
    if ((await $({nothrow: true})`which certutil`).exitCode !== 0) {
      console.log('\nstatus, 500 identities: skipped (certutil is needed to make the database)')
    } else {
      const db = path.join(scratch, 'db')
      await fs.mkdirp(db)
      await $`certutil -N --empty-password -d ${`sql:${db}`}`
      const noise = path.join(scratch, 'noise')
      await fs.writeFile(noise, (await import('node:crypto')).randomBytes(64))
      const batch = Array.from({length: IDENTITIES}, (_, i) => `-S -n "Bench User ${i}" -s "CN=Bench User ${i},E=user${i}@example.com" -x -t u,u,u -k ec -q nistp256 -z ${noise} -m ${i + 1} -v 120 --extSAN email:user${i}@example.com --keyUsage digitalSignature,keyEncipherment --extKeyUsage emailProtection`)
      await fs.writeFile(path.join(scratch, 'batch'), `${batch.join('\n')}\n`)
      const made = performance.now()
      await $({quiet: true})`certutil -B -d ${`sql:${db}`} -i ${path.join(scratch, 'batch')}`
      const madeMs = performance.now() - made

      const profile = path.join(home, '.thunderbird', 'bench.default')
      await fs.mkdirp(profile)
      await fs.writeFile(path.join(home, '.thunderbird', 'profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=bench.default\nDefault=1\n\n[General]\nStartWithLastProfile=1\nVersion=2\n')
      await fs.copy(path.join(root, 'test', 'fixtures', 'thunderbird', 'prefs-with-accounts.js'), path.join(profile, 'prefs.js'))
      for (const file of ['cert9.db', 'key4.db', 'pkcs11.txt']) await fs.copy(path.join(db, file), path.join(profile, file))
      const env = {HOME: home, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', MAILCERT_PASSWORD: 'test'}
      const install = await $({env: {...process.env, ...env}, nothrow: true, quiet: true})`node ${bin} install ${path.join(fixtures, 'mailbox-rsa.p12')} --yes --trust-root --nss-driver tools`
      const listed = (await $`certutil -L -d ${`sql:${profile}`}`).stdout.split('\n').filter((line) => /u,u,u/.test(line)).length
      const once = await $({env: {...process.env, ...env}, nothrow: true, quiet: true})`node ${bin} status --fingerprint ${fingerprint}`
      if (install.exitCode !== 0 || once.exitCode !== 0) {
        console.log(`\nstatus, ${IDENTITIES} identities: not measured (install exit ${install.exitCode}, status exit ${once.exitCode}: ${(install.stderr || once.stderr).trim().split('\n')[0]})`)
        process.exitCode = 1
      } else {
        console.log(`\n${IDENTITIES} identities made in ${(madeMs / 1000).toFixed(1)} s (certutil -B); the profile holds ${listed} with their keys`)
        const nodeAgain = await median('node -e 0', ['node', '-e', '0'])
        const status = await median(`mailcert status --fingerprint (${IDENTITIES} identities)`, ['node', bin, 'status', '--fingerprint', fingerprint], env)
        const within = status < STATUS_TARGET_MS
        console.log(`${'status / node -e 0'.padEnd(40)} ${(status / nodeAgain).toFixed(2).padStart(6)}x`)
        console.log(`${`status, ${IDENTITIES} identities`.padEnd(40)} ${(status / 1000).toFixed(2).padStart(6)} s  ${within ? 'ok' : 'MISSED'} (target < ${STATUS_TARGET_MS / 1000} s)`)
        if (!within) process.exitCode = 1
      }
    }
  } finally {
    await fs.remove(scratch)
    await fs.remove(home)
  }
}
