/**
 * The prefs a headless run puts into user.js for that run only: the Marionette port, and what keeps
 * Thunderbird offline and quiet. A run that goes online can hang before Marionette answers (a
 * server that refuses or drops the connection, or that asks for a password, opens an alert or a
 * sign-in prompt that nobody can answer), and it would fetch mail the user did not ask for.
 * Sources: comm-central OfflineStartup.sys.mjs (offline.startup_state), messenger.js
 * loadStartFolder (login_at_startup, mail.startup.enabledMailCheckOnce).
 */
import {editPrefs, formatUserPref, parsePrefs, type PrefValue} from './prefs-js.js'

export const PORT_PREF = 'marionette.port'

/** OfflineStartup's "always start offline" (0 remember, 1 ask, 2 online, 3 offline, 4 automatic). */
const ALWAYS_OFFLINE = 3

/**
 * The keys (`serverN`) of the mail servers that these files mention. A plain scan rather than the
 * strict parser: it must find the servers in any file Thunderbird reads, and a key named only in a
 * comment costs one pref that Thunderbird ignores.
 */
export function serverKeys(...files: Array<Buffer | null>): string[] {
  const keys = new Set<string>()
  for (const file of files) {
    if (!file) continue
    for (const match of file.toString('latin1').matchAll(/["']mail\.server\.([^."'\\]+)\./g)) {
      if (match[1] !== 'default') keys.add(match[1] as string)
    }
  }
  return [...keys]
}

export function runPrefs(servers: readonly string[]): Record<string, PrefValue> {
  const prefs: Record<string, PrefValue> = {
    // 0: Thunderbird binds a free port itself and writes it to MarionetteActivePort (headless.ts).
    [PORT_PREF]: 0,
    // With `-offline` on the command line; this also beats "ask me" (a dialog) and "always online".
    'offline.startup_state': ALWAYS_OFFLINE,
    // Otherwise the first start turns login_at_startup back on for the default account.
    'mail.startup.enabledMailCheckOnce': true,
    'mail.server.default.login_at_startup': false,
    'mail.server.default.check_new_mail': false,
    // Windows that a first start may open and that no one can close in a headless run.
    'mail.shell.checkDefaultClient': false,
    'mail.provider.suppress_dialog_on_startup': true,
    'mail.winsearch.firstRunDone': true,
    'mail.spotlight.firstRunDone': true,
    // The start page is a web page.
    'mailnews.start_page.enabled': false,
  }
  for (const server of servers) {
    prefs[`mail.server.${server}.login_at_startup`] = false
    prefs[`mail.server.${server}.check_new_mail`] = false
  }
  return prefs
}

/** The user's user.js with the run's prefs after it, so that they win over the user's own. */
export function userJsForRun(original: Buffer | null, prefs: Record<string, PrefValue>): Buffer {
  const before = original ?? Buffer.alloc(0)
  const separator = before.length === 0 || before.at(-1) === 0x0a ? '' : '\n'
  const lines = Object.entries(prefs).map(([name, value]) => `${formatUserPref(name, value)}\n`)
  return Buffer.concat([before, Buffer.from(separator + lines.join(''), 'utf8')])
}

/**
 * A prefs.js that Thunderbird wrote during the run for a profile that had none, without what the run
 * put there: the run's prefs (copied from user.js) and the offline state it remembers at exit
 * (`network.online`). Null when there is nothing to take out, or when the file cannot be read.
 */
export function prefsWithoutRun(written: Buffer, prefs: Record<string, PrefValue>): Buffer | null {
  let file
  try {
    file = parsePrefs(written)
  } catch {
    return null
  }
  const names = new Set([...Object.keys(prefs), 'network.online'])
  const present = file.entries.filter((entry) => entry.kind === 'user_pref' && names.has(entry.name))
  if (present.length === 0) return null
  return editPrefs(file, Object.fromEntries(present.map((entry) => [entry.name, null])))
}
