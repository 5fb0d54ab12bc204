/**
 * Where Evolution keeps S/MIME keys: the NSS database that Camel opens, chosen in camel_init
 * (GNOME/evolution-data-server, src/camel/camel.c, nss_has_system_db and camel_init; the same in
 * 3.46, Debian 12's):
 * 1. `sql:/etc/pki/nssdb` when a line of /etc/pki/nssdb/pkcs11.txt is exactly `library=libnsssysinit.so`
 *    (Fedora's and RHEL's shared system database, which merges in the user's own);
 * 2. else `sql:~/.pki/nssdb` when that path exists (g_file_test EXISTS | IS_DIR: either is enough);
 * 3. else, in current EDS, `sql:$XDG_DATA_HOME/pki/nssdb` (g_get_user_data_dir, default ~/.local/share);
 *    older EDS has no such step and uses ~/.pki/nssdb: EDS 3.46 (Debian 12) does, as
 *    test/clients/evolution/shared-nss-database.test.ts shows with the real Camel.
 * In cases 2 and 3 Camel creates the folder (0700) if it is missing.
 *
 * So when neither user folder exists, mailcert answers ~/.pki/nssdb: every Camel uses it once it
 * exists. Only when the XDG folder alone exists do the versions differ; then the XDG folder is the
 * answer unless the caller knows that its Camel is an old one. The Flatpak is not covered here.
 */
import {stat} from 'node:fs/promises'
import path from 'node:path'

import {KiB, readBoundedFile} from '../../system/bounded-read.js'

export interface EvolutionMachine {
  home: string
  env: NodeJS.ProcessEnv
  /** Tests only: the folder under which /etc is read. */
  systemRoot?: string
  /**
   * Whether this Camel looks at $XDG_DATA_HOME/pki/nssdb when ~/.pki/nssdb is missing (current EDS;
   * the default), or always uses ~/.pki/nssdb (EDS 3.46 and older).
   */
  camelUsesXdgDataHome?: boolean
}

export interface EvolutionNssDatabase {
  /** The database folder, without the `sql:` prefix. */
  dir: string
  /** Whether the folder holds an SQL database already (cert9.db). */
  exists: boolean
  /** The system-wide /etc/pki/nssdb (nsssysinit), not the user's own. */
  systemWide: boolean
}

export const SYSTEM_NSS_DATABASE = '/etc/pki/nssdb'
const SYSINIT_LINE = Buffer.from('library=libnsssysinit.so\n', 'latin1')
// camel reads the file with fgets into an 80-byte buffer: a longer line comes in 79-byte pieces.
const FGETS_PIECE = 79
const PKCS11_TXT_LIMIT = 1024 * KiB

/** nss_has_system_db: whether some fgets piece of pkcs11.txt is exactly `library=libnsssysinit.so\n`. */
export function enablesSystemDatabase(pkcs11Txt: Buffer): boolean {
  let start = 0
  while (start < pkcs11Txt.length) {
    const newline = pkcs11Txt.indexOf(0x0a, start)
    const lineEnd = newline === -1 ? pkcs11Txt.length : newline + 1
    const end = Math.min(lineEnd, start + FGETS_PIECE)
    if (pkcs11Txt.subarray(start, end).equals(SYSINIT_LINE)) return true
    start = end
  }
  return false
}

async function pathExists(candidate: string): Promise<boolean> {
  return stat(candidate).then(
    () => true,
    () => false,
  )
}

async function systemDatabaseEnabled(systemRoot: string): Promise<boolean> {
  try {
    return enablesSystemDatabase(await readBoundedFile(path.join(systemRoot, SYSTEM_NSS_DATABASE, 'pkcs11.txt'), PKCS11_TXT_LIMIT))
  } catch {
    // Camel's fopen failing (missing, unreadable) means no system database; so does a file no one would write.
    return false
  }
}

/** g_get_user_data_dir: $XDG_DATA_HOME when set and not empty, else ~/.local/share. */
function userDataDir(machine: EvolutionMachine): string {
  const fromEnv = machine.env.XDG_DATA_HOME
  return fromEnv ? fromEnv : path.join(machine.home, '.local', 'share')
}

export async function evolutionNssDatabase(machine: EvolutionMachine): Promise<EvolutionNssDatabase> {
  const systemRoot = machine.systemRoot ?? '/'
  if (await systemDatabaseEnabled(systemRoot)) {
    const dir = path.join(systemRoot, SYSTEM_NSS_DATABASE)
    return {dir, exists: await pathExists(path.join(dir, 'cert9.db')), systemWide: true}
  }
  const pki = path.join(machine.home, '.pki', 'nssdb')
  const xdg = path.join(userDataDir(machine), 'pki', 'nssdb')
  const useXdg = !(await pathExists(pki)) && (machine.camelUsesXdgDataHome ?? true) && (await pathExists(xdg))
  const dir = useXdg ? xdg : pki
  return {dir, exists: await pathExists(path.join(dir, 'cert9.db')), systemWide: false}
}
