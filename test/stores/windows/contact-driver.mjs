// Runs the Windows contact store's session for real (under Wine or on Windows) and writes what each
// operation gave as JSON to the file named by the first argument. The operations come on stdin:
//   [{op: 'holds' | 'add', file, role} | {op: 'remove', added} | {op: 'verdict', file, chain: [file]}
//    | {op: 'put' | 'take-out', store, file}]
// `put` and `take-out` change a store directly (user-stores.ts), as something other than the contact
// session would: a root the user trusts, and clean-up on a real Windows runner. Each operation's
// failure is recorded and the next one still runs.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const dist = (module) => import(pathToFileURL(path.join(here, '..', '..', '..', 'dist', module)).href)
const [outFile] = process.argv.slice(2)
const results = []

try {
  const operations = JSON.parse(fs.readFileSync(0, 'utf8'))
  const {certificatesFromPem, parseCertificate} = await dist('identity/certificate.js')
  const {WindowsContactSession} = await dist('stores/windows/contact-store.js')
  const {addToStore, removeFromStore} = await dist('stores/windows/user-stores.js')
  const certificate = (file) => parseCertificate(certificatesFromPem(fs.readFileSync(file, 'utf8'))[0])
  const session = new WindowsContactSession()
  for (const operation of operations) {
    try {
      let value
      if (operation.op === 'holds') value = await session.holds(certificate(operation.file), operation.role)
      else if (operation.op === 'add') value = await session.add(certificate(operation.file), operation.role)
      else if (operation.op === 'remove') value = await session.remove(operation.added)
      else if (operation.op === 'verdict') value = await session.encryptionVerdict(certificate(operation.file), operation.chain.map(certificate))
      else if (operation.op === 'put') value = addToStore(operation.store, certificate(operation.file).der)
      else if (operation.op === 'take-out') value = removeFromStore(operation.store, certificate(operation.file).fingerprints.sha1.toUpperCase())
      else throw new Error(`unknown operation ${operation.op}`)
      results.push({op: operation.op, value: value ?? null})
    } catch (error) {
      results.push({op: operation.op, error: {name: error?.name, message: error?.message ?? String(error), code: error?.code}})
    }
  }
  await session.close()
  fs.writeFileSync(outFile, JSON.stringify({results}, null, 2))
} catch (error) {
  fs.writeFileSync(outFile, JSON.stringify({results, error: error?.stack ?? String(error)}, null, 2))
}
