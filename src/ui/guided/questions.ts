/**
 * The guided installer's yes/no questions, each with the safe default and the reason a person
 * needs to answer it well.
 */
import type {ThunderbirdProfile} from '../../clients/thunderbird/discovery.js'

export async function askSignByDefault(): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message: 'Sign every message you send by default? (Recipients see that it is really from you, and get your certificate to write back encrypted.)', default: true})
}

export async function askEncryptByDefault(): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return confirm({
    message: 'Encrypt every message by default? (Usually no: you can only encrypt to people whose certificate you already have, so most messages would fail to send. You can encrypt one message at a time instead.)',
    default: false,
  })
}

export async function askApply(): Promise<boolean> {
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message: 'Make these changes?', default: true})
}

/** A mail client runs on a profile mailcert must change: ask to close it rather than fail. */
export async function askToClose(busy: ThunderbirdProfile[]): Promise<boolean> {
  const {input} = await import('@inquirer/prompts')
  const names = busy.map((profile) => `"${profile.name}"`).join(', ')
  await input({message: `Thunderbird is running (profile ${names}). Close Thunderbird, then press Enter. (Ctrl+C stops here; nothing has changed.)`})
  return true
}
