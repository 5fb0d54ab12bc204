'use strict'
/* eslint-disable @typescript-eslint/no-require-imports -- a SEA main script is CommonJS, and require is how it loads modules */
// The main script of mailcert's single executables (scripts/package.mjs builds them with Node's
// single executable applications feature). Node 20 runs it as CommonJS whose `require` reaches only
// built-in modules, and it cannot import ESM itself; so the app travels as one compressed asset
// (`app`: dist, bin, package.json, oclif's manifest and the production node_modules, with koffi's
// Windows module) that is unpacked once per version and archive hash into the per-user cache, and
// then run from there as an ordinary module tree (createRequire), where oclif finds its commands and
// plugins as it does in an npm install. Later starts read one marker file.
//
// The cache is this user's alone: made 0700, and on POSIX systems refused when it, or the folder it
// is in, belongs to someone else or can be written by others (they could plant code that this
// program would then run). The marker holds the archive's SHA-256, which the build stored beside
// it; a folder without the right marker is never run. The unpacked tree is made in a temporary
// folder beside its place and renamed into it, so an interrupted start leaves nothing half-written
// that a later start would run.
//
// The archive: a 4-byte big-endian length, that many bytes of JSON ([{path, mode, size}]), then the
// files' bytes one after the other; the whole brotli-compressed (scripts/sea/archive.mjs writes it).
const {existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} = require('node:fs')
const {createRequire} = require('node:module')
const {homedir} = require('node:os')
const {dirname, isAbsolute, join, sep} = require('node:path')
const {getAsset} = require('node:sea')
const {brotliDecompressSync} = require('node:zlib')

const MARKER = '.mailcert-archive'

function cacheRoot() {
  if (process.platform === 'win32') {
    const local = process.env.LOCALAPPDATA
    if (!local) fail('LOCALAPPDATA is not set: mailcert keeps its unpacked program there (%LOCALAPPDATA%\\mailcert\\Cache).')
    return join(local, 'mailcert', 'Cache')
  }
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'mailcert')
  const xdg = process.env.XDG_CACHE_HOME
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'mailcert')
}

function fail(message) {
  process.stderr.write(`mailcert: ${message}\n`)
  // 1, unexpected failure: nothing of mailcert ran (the documented codes are its commands').
  process.exit(1)
}

/** On POSIX: the folder is a real folder of this user's that nobody else can write to. (Windows: %LOCALAPPDATA% is per-user by its ACL.) */
function checkOwnFolder(folder) {
  if (process.platform === 'win32') return
  const stats = lstatSync(folder)
  const uid = process.getuid()
  if (!stats.isDirectory() || stats.uid !== uid || (stats.mode & 0o022) !== 0) {
    fail(`${folder} is not a folder of yours that only you can write to, so mailcert will not run code from it. Remove it (or make it yours with mode 0700) and try again.`)
  }
}

function markerMatches(folder, sha256) {
  try {
    return readFileSync(join(folder, MARKER), 'utf8') === sha256
  } catch {
    return false
  }
}

function unpack(archive, into) {
  const bytes = brotliDecompressSync(archive)
  const indexLength = bytes.readUInt32BE(0)
  const index = JSON.parse(bytes.subarray(4, 4 + indexLength).toString('utf8'))
  let offset = 4 + indexLength
  const made = new Set([into])
  for (const file of index) {
    const target = join(into, ...file.path.split('/'))
    if (!target.startsWith(into + sep)) fail(`the packed file ${file.path} points outside its folder: this executable is damaged.`)
    const folder = dirname(target)
    if (!made.has(folder)) {
      mkdirSync(folder, {recursive: true, mode: 0o700})
      made.add(folder)
    }
    writeFileSync(target, bytes.subarray(offset, offset + file.size), {mode: file.mode & 0o700})
    offset += file.size
  }
}

/** The unpacked app of this executable, unpacking it first when it is not there yet. */
function appFolder() {
  const meta = JSON.parse(getAsset('meta.json', 'utf8'))
  const root = cacheRoot()
  mkdirSync(root, {recursive: true, mode: 0o700})
  checkOwnFolder(dirname(root))
  checkOwnFolder(root)
  const folder = join(root, `app-${meta.version}-${meta.sha256.slice(0, 16)}`)
  if (markerMatches(folder, meta.sha256)) {
    checkOwnFolder(folder)
    return folder
  }
  const work = mkdtempSync(join(root, '.unpack-'))
  try {
    unpack(Buffer.from(getAsset('app')), work)
    // The marker last: a folder with it is complete.
    writeFileSync(join(work, MARKER), meta.sha256, {mode: 0o600})
    // Whatever is in the place without the right marker is not ours to run.
    if (existsSync(folder) && !markerMatches(folder, meta.sha256)) rmSync(folder, {recursive: true, force: true})
    try {
      renameSync(work, folder)
    } catch (error) {
      // Another start of this executable unpacked the same archive in the meantime.
      if (!markerMatches(folder, meta.sha256)) throw error
    }
  } finally {
    rmSync(work, {recursive: true, force: true})
  }
  checkOwnFolder(folder)
  return folder
}

const entry = join(appFolder(), 'sea-entry.cjs')
createRequire(entry)(entry).catch((error) => {
  process.stderr.write(`mailcert: ${error && error.stack ? error.stack : error}\n`)
  process.exitCode = 1
})
