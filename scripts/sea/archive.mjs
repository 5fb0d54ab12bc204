// The app archive inside mailcert's single executables, in the layout scripts/sea/launcher.cjs
// unpacks: a 4-byte big-endian length, that many bytes of JSON ([{path, mode, size}], paths with
// `/`), then the files' bytes in that order; the whole brotli-compressed. A format of our own because
// the launcher can use only Node's built-in modules, and this one takes a dozen lines to read.
import {createHash} from 'node:crypto'
import {readdir, readFile, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {constants, brotliCompressSync} from 'node:zlib'

/** Every regular file below `dir`, as paths relative to it with `/`, sorted (so the same tree gives the same archive). */
export async function listFiles(dir, prefix = '') {
  const files = []
  for (const entry of (await readdir(join(dir, prefix), {withFileTypes: true})).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) files.push(...(await listFiles(dir, path)))
    else if (entry.isFile()) files.push(path)
    else throw new Error(`${path} is neither a file nor a folder: the archive holds only those.`)
  }
  return files
}

/** The archive of `dir`'s files, and its SHA-256 (hex). */
export async function packFolder(dir) {
  const index = []
  const contents = []
  for (const path of await listFiles(dir)) {
    const bytes = await readFile(join(dir, path))
    index.push({path, mode: (await stat(join(dir, path))).mode & 0o777, size: bytes.length})
    contents.push(bytes)
  }
  const indexBytes = Buffer.from(JSON.stringify(index), 'utf8')
  const length = Buffer.alloc(4)
  length.writeUInt32BE(indexBytes.length)
  const archive = brotliCompressSync(Buffer.concat([length, indexBytes, ...contents]), {
    params: {[constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_LGWIN]: 24},
  })
  return {archive, sha256: createHash('sha256').update(archive).digest('hex'), files: index.length}
}
