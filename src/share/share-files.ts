/**
 * `mailcert share`'s files: the certificate (`.cer`, DER), it and its chain (`.p7c`), and the signed
 * message (`.eml`), named after the address, in one folder. None is written when any of them exists
 * (unless `force`), and a failure takes back the files this run made, so that a folder never holds
 * half a set.
 */
import {lstat, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {ExitCode, UsageError, UserError} from '../errors.js'
import {certificatesOnly} from '../identity/cms-signed-data.js'
import type {Certificate} from '../identity/certificate-types.js'
import {writeFileAtomic} from '../system/atomic-file.js'
import {writeFailureReason} from '../system/write-failure.js'

export interface SharedFiles {
  certificate: string
  chain: string
  /** Null when the certificate cannot sign (a separate encryption certificate): then there is no signed message. */
  message: string | null
}

/** A file name from the address: what a person recognises, without characters a file system or a shell trips over. */
export function shareBaseName(address: string): string {
  return address.replace(/[^\w@.+-]/g, '_')
}

/** What is shared: a certificate, its issuers, and how to make the signed message (null: it cannot sign). */
export interface ShareContent {
  /** The address the files are named after (the certificate's first, or the one --account chose). */
  address: string
  certificate: Certificate
  chain: Certificate[]
  /** The signing half of a separate pair: in the .p7c too, since it is what checks the message's signature. */
  signingCertificate?: Certificate
  /** Called once no existing file stands in the way: signing may ask for a database's password. */
  message: (() => Promise<string>) | null
}

export function sharedFileNames(content: Pick<ShareContent, 'address' | 'message'>, folder: string): SharedFiles {
  const base = join(folder, shareBaseName(content.address))
  return {certificate: `${base}.cer`, chain: `${base}.p7c`, message: content.message ? `${base}.eml` : null}
}

function unwritable(path: string, error: NodeJS.ErrnoException): UserError {
  const reason = writeFailureReason(error)
  if (reason === undefined) throw error
  return new UserError(`${path} could not be written: ${reason}. Nothing was written.`, {
    code: 'share-unwritable',
    exitCode: ExitCode.usage,
    hints: ['Name a folder you can write to with --out.'],
  })
}

async function existing(path: string): Promise<'file' | 'other' | null> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw unwritable(path, error)
  })
  if (info === null) return null
  return info.isFile() ? 'file' : 'other'
}

/** The three (or two) files, written for `content`; public data, so readable by others (0644). */
export async function writeSharedFiles(content: ShareContent, folder: string, options: {force: boolean}): Promise<SharedFiles> {
  const names = sharedFileNames(content, folder)
  const contents: Array<[string, Buffer | string]> = [
    [names.certificate, content.certificate.der],
    [names.chain, certificatesOnly([content.certificate, ...(content.signingCertificate ? [content.signingCertificate] : []), ...content.chain])],
  ]
  const paths = [...contents.map(([path]) => path), ...(names.message === null ? [] : [names.message])]

  const found = await Promise.all(paths.map(async (path) => ({path, kind: await existing(path)})))
  const blocking = found.filter((f) => f.kind === 'other' || (f.kind === 'file' && !options.force))
  if (blocking.length > 0) {
    const listed = blocking.map((f) => f.path).join(', ')
    throw new UsageError(`${listed} already ${blocking.length === 1 ? 'exists' : 'exist'}; nothing was written.`, ['Pass --force to replace them, or choose another folder with --out.'], 'share-files-exist')
  }
  // Signed before anything is written: a refusal (a wrong database password, the wrong signer) leaves the folder as it was.
  if (names.message !== null) contents.push([names.message, await content.message!()])
  const made: string[] = []
  try {
    for (const [index, [path, bytes]] of contents.entries()) {
      await writeFileAtomic(path, bytes, 0o644)
      if (found[index]!.kind === null) made.push(path)
    }
  } catch (error) {
    await Promise.all(made.map((path) => rm(path, {force: true})))
    if ((error as NodeJS.ErrnoException).code) throw unwritable(folder, error as NodeJS.ErrnoException)
    throw error
  }
  return names
}
