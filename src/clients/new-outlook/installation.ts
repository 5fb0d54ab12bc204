/**
 * Whether new Outlook for Windows (the Microsoft.OutlookForWindows app package, olk.exe) is on this
 * machine, which version, and whether classic Outlook's "Try the new Outlook" toggle is on
 * (research windows-outlook.md §5.2). All of it is read from the registry: a packaged app's
 * install folder is not listable by its user.
 */
import {readSubkeys, readValue, type RegistryRoot} from '../../system/windows/registry.js'

export const NEW_OUTLOOK_PACKAGE = 'Microsoft.OutlookForWindows'

/** Where Windows lists the app packages installed for the user, and for every user. */
const PACKAGE_LISTS: Array<{root: RegistryRoot; key: string}> = [
  {root: 'HKCU', key: 'Software\\Classes\\Local Settings\\Software\\Microsoft\\Windows\\CurrentVersion\\AppModel\\Repository\\Packages'},
  {root: 'HKLM', key: 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Appx\\AppxAllUserStore\\Applications'},
]

/** The toggle classic Outlook shows as "New Outlook" (1: the user switched to new Outlook). */
const TOGGLE = {key: 'Software\\Microsoft\\Office\\16.0\\Outlook\\Preferences', name: 'UseNewOutlook'}

export interface NewOutlookInstallation {
  /** The package's full name: `Microsoft.OutlookForWindows_1.2025.1.0_x64__8wekyb3d8bbwe`. */
  packageName: string
  version: string | null
  /** Classic Outlook's toggle is on: the user has moved to new Outlook. */
  toggleOn: boolean
}

/** A package full name is NAME_VERSION_ARCH_RESOURCE_PUBLISHER; the version is the second field. */
export function packageVersion(fullName: string): string | null {
  const version = fullName.split('_')[1]
  return version && /^\d+(\.\d+)*$/.test(version) ? version : null
}

/** The newest of the package names (by version), or null. */
export function newestPackage(names: string[]): string | null {
  const ours = names.filter((name) => name.toLowerCase().startsWith(`${NEW_OUTLOOK_PACKAGE.toLowerCase()}_`))
  const parts = (name: string) => (packageVersion(name) ?? '0').split('.').map(Number)
  const newer = (a: string, b: string) => {
    const [x, y] = [parts(a), parts(b)]
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
    return false
  }
  return ours.reduce<string | null>((best, name) => (best === null || newer(name, best) ? name : best), null)
}

export function findNewOutlook(): NewOutlookInstallation | null {
  const names = PACKAGE_LISTS.flatMap((list) => readSubkeys(list.root, list.key) ?? [])
  const packageName = newestPackage(names)
  if (!packageName) return null
  const toggle = readValue('HKCU', TOGGLE.key, TOGGLE.name)
  return {packageName, version: packageVersion(packageName), toggleOn: toggle?.type === 'REG_DWORD' && toggle.data.readUInt32LE(0) === 1}
}
