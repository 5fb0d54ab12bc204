import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'

import {enablesSystemDatabase, evolutionNssDatabase} from '../../../src/clients/evolution/shared-nss-database.js'
import {createNssDatabase} from '../../../src/stores/nss/create-database.js'

const EDS_SCRIPT = fileURLToPath(new URL('../../helpers/evolution-eds.py', import.meta.url))

function machine(options: {xdgDataHome?: string; camelUsesXdgDataHome?: boolean} = {}) {
  const root = mkdtempSync(join(tmpdir(), 'mailcert-evo-nss-'))
  const home = join(root, 'home')
  const systemRoot = join(root, 'root')
  mkdirSync(home)
  mkdirSync(systemRoot)
  const env: NodeJS.ProcessEnv = options.xdgDataHome === undefined ? {} : {XDG_DATA_HOME: options.xdgDataHome.replace('$HOME', home)}
  return {home, systemRoot, env, camelUsesXdgDataHome: options.camelUsesXdgDataHome}
}

// As Fedora ships it (nss-sysinit): the system database's module list.
const FEDORA_PKCS11_TXT = 'library=libnsssysinit.so\nname=NSS Internal PKCS #11 Module\nparameters=configdir=\'sql:/etc/pki/nssdb\' certPrefix=\'\' keyPrefix=\'\' secmod=\'secmod.db\' flags=readOnly\nNSS=Flags=internal,critical trustOrder=75 cipherOrder=100 slotParams=(1={slotFlags=[RSA,DSA,DH,RC2,RC4,DES,RANDOM,SHA1,MD5,MD2,SSL,TLS,AES,Camellia,SEED,SHA256,SHA512] askpw=any timeout=30})\n'

describe('enablesSystemDatabase, as camel_init reads pkcs11.txt (fgets into 80 bytes, strcmp with the newline)', () => {
  it('finds the line, and only exactly that line', () => {
    expect(enablesSystemDatabase(Buffer.from(FEDORA_PKCS11_TXT))).toBe(true)
    expect(enablesSystemDatabase(Buffer.from('name=x\nlibrary=libnsssysinit.so\n'))).toBe(true)
    expect(enablesSystemDatabase(Buffer.from('library=libnsssysinit.so'))).toBe(false)
    expect(enablesSystemDatabase(Buffer.from('library=libnsssysinit.so\r\n'))).toBe(false)
    expect(enablesSystemDatabase(Buffer.from(' library=libnsssysinit.so\n'))).toBe(false)
    expect(enablesSystemDatabase(Buffer.from('library=\nname=NSS Internal PKCS #11 Module\n'))).toBe(false)
    expect(enablesSystemDatabase(Buffer.from(''))).toBe(false)
  })

  it('a long line is read in 79-byte pieces, so its tail can match', () => {
    expect(enablesSystemDatabase(Buffer.from(`${'x'.repeat(79)}library=libnsssysinit.so\n`))).toBe(true)
    expect(enablesSystemDatabase(Buffer.from(`${'x'.repeat(78)}library=libnsssysinit.so\n`))).toBe(false)
  })
})

describe('evolutionNssDatabase', () => {
  it('the system database when pkcs11.txt enables nsssysinit', async () => {
    const m = machine()
    mkdirSync(join(m.home, '.pki', 'nssdb'), {recursive: true})
    mkdirSync(join(m.systemRoot, 'etc', 'pki', 'nssdb'), {recursive: true})
    writeFileSync(join(m.systemRoot, 'etc', 'pki', 'nssdb', 'pkcs11.txt'), FEDORA_PKCS11_TXT)
    // Debian has no libnsssysinit.so for certutil to load with this pkcs11.txt: the database file stands for the database.
    writeFileSync(join(m.systemRoot, 'etc', 'pki', 'nssdb', 'cert9.db'), '')
    expect(await evolutionNssDatabase(m)).toEqual({dir: join(m.systemRoot, 'etc', 'pki', 'nssdb'), exists: true, systemWide: true})
  })

  it('~/.pki/nssdb when it exists, whatever else does; a pkcs11.txt without the line does not count', async () => {
    const m = machine({xdgDataHome: '$HOME/data'})
    mkdirSync(join(m.systemRoot, 'etc', 'pki', 'nssdb'), {recursive: true})
    writeFileSync(join(m.systemRoot, 'etc', 'pki', 'nssdb', 'pkcs11.txt'), 'library=\n')
    await createNssDatabase(join(m.home, 'data', 'pki', 'nssdb'))
    mkdirSync(join(m.home, '.pki', 'nssdb'), {recursive: true})
    expect(await evolutionNssDatabase(m)).toEqual({dir: join(m.home, '.pki', 'nssdb'), exists: false, systemWide: false})
    await createNssDatabase(join(m.home, '.pki', 'nssdb'))
    expect((await evolutionNssDatabase(m)).exists).toBe(true)
  })

  it('nothing yet: ~/.pki/nssdb, which every Camel uses once it exists', async () => {
    const m = machine({xdgDataHome: '$HOME/data'})
    expect(await evolutionNssDatabase(m)).toEqual({dir: join(m.home, '.pki', 'nssdb'), exists: false, systemWide: false})
  })

  it('only the XDG folder: it (current Camel), at $XDG_DATA_HOME or ~/.local/share; ~/.pki for an old Camel', async () => {
    const withXdg = machine({xdgDataHome: '$HOME/data'})
    mkdirSync(join(withXdg.home, 'data', 'pki', 'nssdb'), {recursive: true})
    expect((await evolutionNssDatabase(withXdg)).dir).toBe(join(withXdg.home, 'data', 'pki', 'nssdb'))
    expect((await evolutionNssDatabase({...withXdg, camelUsesXdgDataHome: false})).dir).toBe(join(withXdg.home, '.pki', 'nssdb'))

    const emptyXdg = machine({xdgDataHome: ''})
    mkdirSync(join(emptyXdg.home, '.local', 'share', 'pki', 'nssdb'), {recursive: true})
    expect((await evolutionNssDatabase(emptyXdg)).dir).toBe(join(emptyXdg.home, '.local', 'share', 'pki', 'nssdb'))
  })

  it('agrees with the real Camel (EDS 3.46 here, which has no XDG step): the folder camel_init opens is the one named', async () => {
    function camelInit(home: string, env: NodeJS.ProcessEnv): void {
      execFileSync('/usr/bin/python3', [EDS_SCRIPT, 'camel-init'], {env: {PATH: '/usr/bin:/bin', HOME: home, GSETTINGS_BACKEND: 'memory', ...env}, timeout: 30_000})
    }
    const fresh = machine({xdgDataHome: '$HOME/data'})
    const named = await evolutionNssDatabase({...fresh, camelUsesXdgDataHome: false})
    camelInit(fresh.home, fresh.env)
    expect(existsSync(join(named.dir, 'cert9.db'))).toBe(true)
    expect(existsSync(join(fresh.home, 'data', 'pki'))).toBe(false)

    const xdgOnly = machine({xdgDataHome: '$HOME/data'})
    await createNssDatabase(join(xdgOnly.home, 'data', 'pki', 'nssdb'))
    const namedForOld = await evolutionNssDatabase({...xdgOnly, camelUsesXdgDataHome: false})
    camelInit(xdgOnly.home, xdgOnly.env)
    expect(namedForOld.dir).toBe(join(xdgOnly.home, '.pki', 'nssdb'))
    expect(existsSync(join(namedForOld.dir, 'cert9.db'))).toBe(true)
  })
})
