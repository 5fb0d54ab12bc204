import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {currentPackageFamily, packageFamily} from '../../src/system/os-release.js'

/** /etc/os-release as each distribution ships it (the fields that matter, and some that do not). */
const OS_RELEASE = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\n',
  ubuntu: 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION="24.04.1 LTS (Noble Numbat)"\nID=ubuntu\nID_LIKE=debian\nUBUNTU_CODENAME=noble\n',
  mint: 'NAME="Linux Mint"\nVERSION="22 (Wilma)"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="22"\n',
  fedora: 'NAME="Fedora Linux"\nVERSION="41 (Workstation Edition)"\nID=fedora\nVERSION_ID=41\nPLATFORM_ID="platform:f41"\n',
  rocky: 'NAME="Rocky Linux"\nVERSION="9.4 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n',
  opensuseLeap: 'NAME="openSUSE Leap"\nVERSION="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\nVERSION_ID="15.6"\n',
  tumbleweed: 'NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\nVERSION_ID="20241201"\n',
  arch: 'NAME="Arch Linux"\nPRETTY_NAME="Arch Linux"\nID=arch\nBUILD_ID=rolling\n',
  manjaro: "NAME='Manjaro Linux'\nID='manjaro'\nID_LIKE='arch'\n",
  alpine: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\n',
  nixos: 'NAME=NixOS\nID=nixos\nVERSION_ID="24.11"\n',
  void: 'NAME="Void"\nID="void"\nPRETTY_NAME="Void Linux"\n',
}

describe('packageFamily', () => {
  it.each([
    ['debian', 'debian'],
    ['ubuntu', 'debian'],
    ['mint', 'debian'],
    ['fedora', 'fedora'],
    ['rocky', 'fedora'],
    ['opensuseLeap', 'suse'],
    ['tumbleweed', 'suse'],
    ['arch', 'arch'],
    ['manjaro', 'arch'],
    ['alpine', 'alpine'],
    ['nixos', 'unknown'],
    ['void', 'unknown'],
  ] as const)('%s is %s', (distribution, family) => {
    expect(packageFamily(OS_RELEASE[distribution])).toBe(family)
  })

  it('reads ID and ID_LIKE only, not VERSION_ID or other fields that mention a distribution', () => {
    expect(packageFamily('ID=nixos\nVARIANT_ID=debian\nHOME_URL="https://debian.org"\n')).toBe('unknown')
  })

  it('is unknown for an empty file', () => {
    expect(packageFamily('')).toBe('unknown')
  })

  it('reads CRLF files and upper-case values', () => {
    expect(packageFamily('NAME="Ubuntu"\r\nID=Ubuntu\r\n')).toBe('debian')
  })
})

describe('currentPackageFamily', () => {
  it('reads this machine\'s /etc/os-release', async () => {
    expect(await currentPackageFamily()).toBe(packageFamily(readFileSync('/etc/os-release', 'utf8')))
  })
})
