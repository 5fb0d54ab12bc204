/**
 * Why a file mailcert was asked to write (a profile, the files of `share`) could not be written,
 * in words a person can act on; undefined for a failure that is not theirs to fix (a bug, or the
 * system's), which then surfaces as it is.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'you may not write there',
  EPERM: 'you may not write there',
  EROFS: 'the disk is read-only',
  EISDIR: 'it is a folder',
  ENOSPC: 'the disk is full',
}

export function writeFailureReason(error: NodeJS.ErrnoException): string | undefined {
  return REASONS[error.code ?? '']
}
