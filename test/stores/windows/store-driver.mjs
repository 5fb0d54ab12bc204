// Runs the Windows store's planned steps for real (under Wine or on Windows) and writes what
// happened as JSON to the file named by the first argument. The request (with the fixture's
// password) comes on stdin, never in the argument list:
//   {action: 'install' | 'install-undo' | 'remove', file, password, trustRoot, keepRefused, exportable, entry}
// It applies the steps as install/apply.ts does: notes collected, a failed step and those before it undone.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = (module) => import(pathToFileURL(path.join(here, '..', '..', '..', 'dist', module)).href)
const [outFile] = process.argv.slice(2)
const result = {notes: [], steps: [], warnings: []}

function errorOf(error) {
  return {name: error?.name, message: error?.message ?? String(error), code: error?.code, exitCode: error?.exitCode, call: error?.call, win32Code: error?.win32Code}
}

try {
  const request = JSON.parse(fs.readFileSync(0, 'utf8'))
  const {WindowsStore} = await dist('stores/windows/windows-store.js')
  const {currentMachine} = await dist('system/platform.js')
  const store = new WindowsStore({machine: currentMachine(process.env.USERPROFILE ?? 'C:\\'), exportable: request.exportable === true})
  const recorder = {note: async (change) => void result.notes.push(change)}
  let steps
  if (request.action === 'remove') {
    steps = await store.planRemoval(request.entry, async () => request.stillUsed === true)
  } else {
    const {decodeInput, openPkcs12} = await dist('identity/input.js')
    const decoded = decodeInput(fs.readFileSync(request.file))
    const {identity} = await openPkcs12(decoded, request.password)
    result.certificate = {sha256: identity.certificate.fingerprints.sha256, thumbprint: identity.certificate.fingerprints.sha1.toUpperCase(), chain: identity.chain.map((c) => ({sha256: c.fingerprints.sha256, thumbprint: c.fingerprints.sha1.toUpperCase(), subject: c.subject.text}))}
    const planned = await store.planImport(identity, {readers: 'Outlook', keepRefused: request.keepRefused === true, trustRoot: async () => request.trustRoot === true})
    result.warnings = planned.warnings
    result.imported = planned.imported
    // `only`: run just these steps (a look at the store between them, from another process).
    steps = request.only ? planned.steps.filter((step) => request.only.includes(step.id)) : planned.steps
  }
  result.plan = steps.map((step) => step.describe())
  const done = []
  try {
    for (const step of steps) {
      done.push(step)
      const outcome = await step.apply(recorder)
      result.steps.push({id: step.id, outcome})
      if (!outcome.changed) done.pop()
      if (outcome.failTarget) break
    }
  } catch (error) {
    result.error = errorOf(error)
    for (const step of done.reverse()) await step.undo().catch((undoError) => (result.undoError = errorOf(undoError)))
    result.rolledBack = true
  }
  if (request.action === 'install-undo' && !result.error) {
    for (const step of done.reverse()) await step.undo()
    result.undone = true
  }
} catch (error) {
  result.error = errorOf(error)
  result.stack = error?.stack
}
fs.writeFileSync(outFile, JSON.stringify(result, null, 2))
