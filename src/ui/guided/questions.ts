/**
 * The guided installer's yes/no questions, each with the safe default and the reason a person
 * needs to answer it well.
 */
import type {ClientPlace} from '../../clients/client.js'

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

function placeNames(places: ClientPlace[]): string {
  const noun = places[0]?.noun ?? 'profile'
  return `${places.length === 1 ? noun : `${noun}s`} ${places.map((place) => `"${place.name}"`).join(', ')}`
}

/** What to say when a mail client runs where mailcert must change; `again` after Enter did not close it. */
export function closeMessage(busy: ClientPlace[], again: boolean): string {
  const names = [...new Set(busy.map((place) => place.clientName))]
  const who = names.join(' and ')
  const parts = names.map((name) => placeNames(busy.filter((place) => place.clientName === name))).join('; ')
  return again
    ? `${who} ${names.length === 1 ? 'is' : 'are'} still running on ${parts}. Close all its windows (and quit it if it stays in the system tray), then press Enter. (Ctrl+C stops here; nothing has changed.)`
    : `${who} ${names.length === 1 ? 'is' : 'are'} running (${parts}). Close ${who}, then press Enter. (Ctrl+C stops here; nothing has changed.)`
}

/**
 * A mail client runs on a place mailcert must change: ask to close it rather than fail. The
 * caller looks again after each Enter and asks again while it runs; the question returned here
 * remembers the places it asked about, so that it then says "still".
 */
export function closeQuestion(): (busy: ClientPlace[]) => Promise<boolean> {
  const asked = new Set<string>()
  return async (busy) => {
    const again = busy.some((place) => asked.has(place.location))
    for (const place of busy) asked.add(place.location)
    const {input} = await import('@inquirer/prompts')
    await input({message: closeMessage(busy, again)})
    return true
  }
}
