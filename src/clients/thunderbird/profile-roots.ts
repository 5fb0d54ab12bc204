/**
 * Where Thunderbird keeps profiles.ini, per platform and packaging (research/thunderbird-nss.md §1.1).
 * Pure: the caller passes the platform, home folder and environment, so the Windows and macOS
 * layouts are tested on Linux against sandbox folders.
 */
import path from 'node:path'

export interface ProfileRoot {
  dir: string
  /** How this Thunderbird was packaged, as people know it. */
  packaging: 'standard' | 'snap' | 'flatpak' | 'xdg' | 'msix'
  /** Flatpak/Snap run in their own PID namespace: a PID in the lock file means nothing outside. */
  sandboxed: boolean
  /** Needs the folder listing expanded (`*` is one folder level). */
  pattern?: boolean
}

export interface RootContext {
  platform: NodeJS.Platform
  home: string
  env: NodeJS.ProcessEnv
  /** Tests only (MAILCERT_SYSTEM_ROOT): where the system's own folders are. */
  systemRoot?: string
}

export function profileRoots({platform, home, env}: RootContext): ProfileRoot[] {
  if (platform === 'win32') {
    const win = path.win32
    const appData = env.APPDATA ?? win.join(home, 'AppData', 'Roaming')
    const localAppData = env.LOCALAPPDATA ?? win.join(home, 'AppData', 'Local')
    return [
      {dir: win.join(appData, 'Thunderbird'), packaging: 'standard', sandboxed: false},
      // Microsoft Store builds virtualise AppData (unconfirmed layout; see the research notes).
      {dir: win.join(localAppData, 'Packages', '*', 'LocalCache', 'Roaming', 'Thunderbird'), packaging: 'msix', sandboxed: false, pattern: true},
    ]
  }
  if (platform === 'darwin') return [{dir: path.posix.join(home, 'Library', 'Thunderbird'), packaging: 'standard', sandboxed: false}]

  const posix = path.posix
  const xdgConfig = env.XDG_CONFIG_HOME && posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : posix.join(home, '.config')
  return [
    {dir: posix.join(home, '.thunderbird'), packaging: 'standard', sandboxed: false},
    {dir: posix.join(home, 'snap', 'thunderbird', 'common', '.thunderbird'), packaging: 'snap', sandboxed: true},
    // Every Flatpak id: org.mozilla.Thunderbird, net.thunderbird.Thunderbird, and whatever comes next.
    {dir: posix.join(home, '.var', 'app', '*', '.thunderbird'), packaging: 'flatpak', sandboxed: true, pattern: true},
    {dir: posix.join(xdgConfig, 'thunderbird'), packaging: 'xdg', sandboxed: false},
  ]
}
