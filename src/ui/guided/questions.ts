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

function profileNames(profiles: ThunderbirdProfile[]): string {
  return `${profiles.length === 1 ? 'profile' : 'profiles'} ${profiles.map((profile) => `"${profile.name}"`).join(', ')}`
}

/** What to say when Thunderbird runs on profiles mailcert must change; `again` after Enter did not close it. */
export function closeMessage(busy: ThunderbirdProfile[], again: boolean): string {
  return again
    ? `Thunderbird is still running on ${profileNames(busy)}. Close all its windows (and quit it if it stays in the system tray), then press Enter. (Ctrl+C stops here; nothing has changed.)`
    : `Thunderbird is running (${profileNames(busy)}). Close Thunderbird, then press Enter. (Ctrl+C stops here; nothing has changed.)`
}

/**
 * A mail client runs on a profile mailcert must change: ask to close it rather than fail. The
 * caller looks at the profile's lock again after each Enter and asks again while it is held; the
 * question returned here remembers the profiles it asked about, so that it then says "still".
 */
export function closeQuestion(): (busy: ThunderbirdProfile[]) => Promise<boolean> {
  const asked = new Set<string>()
  return async (busy) => {
    const again = busy.some((profile) => asked.has(profile.dir))
    for (const profile of busy) asked.add(profile.dir)
    const {input} = await import('@inquirer/prompts')
    await input({message: closeMessage(busy, again)})
    return true
  }
}
