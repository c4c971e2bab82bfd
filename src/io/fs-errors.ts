/**
 * Operating-system file errors as one-line FileErrors: the path, what went wrong in words, and
 * what to do. Every reader and writer of src/io (and the runner's folders) goes through here, so
 * a missing folder, a file where a folder should be, a read-only disk or a full disk never
 * escapes as a raw `ENOENT` / `ENOSPC` with a stack trace.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ExactGnError, FileError } from '../util/errors.js';

/** What was being done when a file error happened (used in the message). */
export type FileAction = 'read' | 'write' | 'create the folder' | 'remove' | 'list';

/** The errno code of a Node.js system error, or undefined. */
export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Converts a system error from `action` on `path` into a FileError (an ExactGnError passes
 * through unchanged; anything without an errno code too, since it is not a file error).
 *
 * @example
 * try { writeFileSync('/missing/x', 'a'); } catch (e) { throw fileError(e, '/missing/x', 'write'); }
 * // FileError: /missing/x: cannot write: the folder /missing does not exist; create it or choose another path
 */
export function fileError(e: unknown, path: string, action: FileAction): unknown {
  if (e instanceof ExactGnError) return e;
  const code = errnoOf(e);
  if (code === undefined) return e;
  return new FileError(path, `cannot ${action}: ${explain(code, path, action)}`, code);
}

function explain(code: string, path: string, action: FileAction): string {
  const dir = dirname(resolve(path));
  switch (code) {
    case 'ENOENT':
      return action === 'read' || action === 'remove' || action === 'list'
        ? 'no such file or folder; check the path'
        : `the folder ${dir} does not exist; create it (mkdir -p) or choose another path`;
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder; choose another path (or move that file away)';
    case 'EISDIR':
      return 'it is a folder, not a file; choose a file name (or remove the folder)';
    case 'EEXIST':
      return action === 'create the folder' ? 'a file exists where a folder is needed; move it away or choose another path' : 'it already exists';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; make it writable (chmod) or choose a folder you own';
    case 'EROFS':
      return 'the file system is read-only; choose a writable folder';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left on the disk (or over quota); free some space and run the same command again (finished work is kept, and a run resumes where it stopped)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files; close other programs or raise the limit (ulimit -n), then run again';
    case 'ENAMETOOLONG':
      return 'the path is too long; choose a shorter one';
    case 'EIO':
      return 'an input/output error from the disk; check the disk, then run again';
    default:
      return `the operating system refused (${code}); check the path and its permissions`;
  }
}

/**
 * Checks, before any work, that `path` can be written as a file: not empty, not a folder, and in
 * an existing, writable folder. Throws a FileError naming the path (and `flag` when given) so a
 * long computation never ends in a failed write.
 *
 * @example
 * checkWritableFile('out/model.safetensors', '--out'); // FileError when out/ is missing
 */
export function checkWritableFile(path: string, flag?: string): void {
  const where = flag === undefined ? path : `${flag} ${path === '' ? '""' : path}`;
  if (typeof path !== 'string' || path === '') throw new FileError(where, 'the path is empty; give a file name');
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw fileError(e, where, 'write');
  }
  if (st?.isDirectory()) throw new FileError(where, 'cannot write: it is a folder, not a file; choose a file name (or remove the folder)', 'EISDIR');
  checkWritableFolder(dirname(resolve(path)), where);
}

/**
 * Checks that `dir` is an existing folder this process may write in. `where` names the path in
 * the error (default `dir`).
 */
export function checkWritableFolder(dir: string, where: string = dir): void {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') throw new FileError(where, `cannot write: the folder ${dir} does not exist; create it (mkdir -p) or choose another path`, 'ENOENT');
    throw fileError(e, where, 'write');
  }
  if (!st.isDirectory()) throw new FileError(where, `cannot write: ${dir} is a file, not a folder; choose another path (or move that file away)`, 'ENOTDIR');
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw fileError(e, where, 'write');
  }
}
