/**
 * The guided installer's last question on a Mac: the same identity as a configuration profile, for
 * another Mac or for an MDM. Written next to the person's other files (Desktop), protected by the
 * file's own password, which the profile's installer asks for; where that password will not do for
 * macOS, `mailcert profile` (which lets them choose one) is named instead.
 */
import {access} from 'node:fs/promises'
import path from 'node:path'

import {UsageError} from '../../errors.js'
import type {Identity} from '../../identity/identity.js'
import {defaultProfileFileName} from '../../profiles/mobileconfig.js'
import {profilePasswordFor} from '../../profiles/profile-password.js'
import {writeMobileconfig} from '../../profiles/write-mobileconfig.js'
import type {Machine} from '../../system/platform.js'
import {tildePath} from './file-choice.js'

export async function offerProfile(machine: Machine, identity: Identity, opened: {file: string; password: string}, log: (message: string) => void): Promise<void> {
  if (machine.os !== 'macos') return
  const {confirm} = await import('@inquirer/prompts')
  const wanted = await confirm({message: 'Also save it as a configuration profile (.mobileconfig), to install on another Mac or to give your MDM?', default: false})
  if (!wanted) return
  const command = `mailcert profile ${opened.file}`
  const choice = profilePasswordFor(opened.password, {})
  if (!('password' in choice)) {
    log(`Your file's password cannot protect a profile (macOS may not take it). Run \`${command}\`: it lets you choose one.`)
    return
  }
  const desktop = path.join(machine.home, 'Desktop')
  const dir = await access(desktop).then(
    () => desktop,
    () => machine.home,
  )
  const target = path.join(dir, defaultProfileFileName(identity.certificate))
  try {
    await writeMobileconfig(identity, choice.password, {path: target})
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    log(`${error.message} To write it elsewhere: ${command} --out FILE`)
    return
  }
  log(
    `Saved ${tildePath(target, machine.home)}. It holds your private key, protected by your file's password; only you can read it. On the other Mac, open it, then approve it in System Settings > Privacy & Security > Profiles (General > Device Management on some versions) and type that password.`,
  )
}
