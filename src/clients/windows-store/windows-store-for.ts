/**
 * The Windows certificate store as the store of classic and new Outlook: one import serves both.
 */
import {WindowsStore} from '../../stores/windows/windows-store.js'
import type {Machine} from '../../system/platform.js'
import type {FlagValues} from '../client.js'
import {exportableFlag} from './flags.js'

export function windowsStoreFor(machine: Machine, flags: FlagValues): WindowsStore {
  return new WindowsStore({machine, exportable: exportableFlag(flags)})
}
