#!/usr/bin/env node
/** macOS's /usr/bin/sw_vers, reading ROOT/System/Library/CoreServices/SystemVersion.plist as the real one does. */
import {readFileSync} from 'node:fs'
import path from 'node:path'

const root = process.env.SECURITY_SIM_ROOT
const plist = readFileSync(path.join(root, 'System/Library/CoreServices/SystemVersion.plist'), 'utf8')
const value = (key) => new RegExp(`<key>${key}</key>\\s*<string>([^<]*)</string>`).exec(plist)?.[1] ?? ''
const fields = {productName: value('ProductName'), productVersion: value('ProductVersion'), buildVersion: value('ProductBuildVersion')}
const [option] = process.argv.slice(2)
if (option === undefined) {
  process.stdout.write(`ProductName:\t${fields.productName}\nProductVersion:\t${fields.productVersion}\nBuildVersion:\t${fields.buildVersion}\n`)
} else if (option === '-productName' || option === '-productVersion' || option === '-buildVersion') {
  process.stdout.write(`${fields[option.slice(1)]}\n`)
} else {
  process.stderr.write(`Usage: sw_vers [-productName|-productVersion|-buildVersion]\n`)
  process.exitCode = 1
}
