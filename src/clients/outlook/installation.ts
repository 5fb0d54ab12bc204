/**
 * Classic Outlook on this machine (research windows-outlook.md §5.1): where OUTLOOK.EXE is (App
 * Paths), its version (Click-to-Run's VersionToReport) and its bitness, which decides the header of
 * the security settings value. The executable's PE header is the most reliable source for the
 * bitness (registry hints outlive an uninstall), then Click-to-Run's Platform, then the MSI's Bitness.
 */
import {open} from 'node:fs/promises'

import {readValue, type RegistryOptions, textOf} from '../../system/windows/registry.js'
import type {OutlookBitness} from './security-settings.js'

const APP_PATHS = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\OUTLOOK.EXE'
const CLICK_TO_RUN = 'SOFTWARE\\Microsoft\\Office\\ClickToRun\\Configuration'
const MSI = 'SOFTWARE\\Microsoft\\Office\\16.0\\Outlook'
const VIEWS: RegistryOptions[] = [{view: 64}, {view: 32}]

export interface OutlookInstallation {
  /** OUTLOOK.EXE, when App Paths names it. */
  exe: string | null
  version: string | null
  bitness: OutlookBitness
  /** Where the bitness comes from, for check: `the PE header of OUTLOOK.EXE`, or `assumed` when nothing says. */
  bitnessFrom: string
}

/** The bitness a PE image is built for (IMAGE_FILE_HEADER.Machine), or null when the bytes are not a PE image. */
export function peBitness(header: Buffer): OutlookBitness | null {
  if (header.length < 0x40 || header.toString('latin1', 0, 2) !== 'MZ') return null
  const pe = header.readUInt32LE(0x3c)
  if (pe + 6 > header.length || header.toString('latin1', pe, pe + 4) !== 'PE\0\0') return null
  const machine = header.readUInt16LE(pe + 4)
  if (machine === 0x014c) return 32
  if (machine === 0x8664 || machine === 0xaa64) return 64
  return null
}

async function fileBitness(exe: string): Promise<OutlookBitness | null> {
  const file = await open(exe, 'r').catch(() => null)
  if (!file) return null
  try {
    const buffer = Buffer.alloc(4096)
    const {bytesRead} = await file.read(buffer, 0, buffer.length, 0)
    return peBitness(buffer.subarray(0, bytesRead))
  } finally {
    await file.close()
  }
}

function firstText(key: string, name: string): string | null {
  for (const view of VIEWS) {
    const text = textOf(readValue('HKLM', key, name, view))
    if (text) return text
  }
  return null
}

const bitnessOfName = (name: string | null): OutlookBitness | null => (name === 'x64' ? 64 : name === 'x86' ? 32 : null)

/** Null when neither App Paths nor Click-to-Run knows an Outlook. */
export async function findOutlook(): Promise<OutlookInstallation | null> {
  const exe = firstText(APP_PATHS, '')
  const clickToRun = {platform: firstText(CLICK_TO_RUN, 'Platform'), version: firstText(CLICK_TO_RUN, 'VersionToReport')}
  if (!exe && !clickToRun.version) return null
  const fromFile = exe ? await fileBitness(exe) : null
  const fromClickToRun = bitnessOfName(clickToRun.platform)
  const fromMsi = bitnessOfName(firstText(MSI, 'Bitness'))
  const [bitness, bitnessFrom]: [OutlookBitness, string] = fromFile
    ? [fromFile, 'the PE header of OUTLOOK.EXE']
    : fromClickToRun
      ? [fromClickToRun, "Click-to-Run's Platform"]
      : fromMsi
        ? [fromMsi, "the installer's Bitness"]
        : [64, 'assumed (nothing on this machine says)']
  return {exe, version: clickToRun.version, bitness, bitnessFrom}
}
