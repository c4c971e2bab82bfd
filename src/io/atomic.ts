/**
 * Durable file writes: whole-file replacement that survives a crash at any instant (temp file,
 * fsync, rename, fsync of the directory), and append-only JSONL logs whose only possible damage
 * from a crash, a torn last line, is detected and repaired.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, ftruncateSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { ConfigError, DataError, FileError } from '../util/errors.js';
import { isPidAlive } from './lock.js';
import { fileError } from './fs-errors.js';

/** A write operation the test seam can fail (see setFileFaultForTests). */
export type FileOp = 'open' | 'write' | 'rename' | 'mkdir' | 'truncate';

let fault: ((op: FileOp, path: string) => void) | null = null;

/**
 * Test seam: `hook(op, path)` runs before every write operation of this module (and may throw a
 * system error such as `Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })` to simulate a full
 * or read-only disk without filling the real one). `null` removes it. Not for production use.
 *
 * @example
 * setFileFaultForTests((op) => { if (op === 'write') throw Object.assign(new Error('no space'), { code: 'ENOSPC' }); });
 */
export function setFileFaultForTests(hook: ((op: FileOp, path: string) => void) | null): void {
  fault = hook;
}

function seam(op: FileOp, path: string): void {
  if (fault !== null) fault(op, path);
}

/** Writes all of `data` to `fd`, looping over short writes. */
function writeAll(fd: number, data: Uint8Array, path: string): void {
  let done = 0;
  while (done < data.length) {
    seam('write', path);
    done += writeSync(fd, data, done, data.length - done);
  }
}

/**
 * Creates folder `dir` (and its parents) if needed. A file in the way, a read-only or full disk
 * is a FileError naming the folder.
 *
 * @example
 * ensureFolder('runs/3f9c0a1b2c3d4e5f/checkpoints');
 */
export function ensureFolder(dir: string): void {
  try {
    seam('mkdir', dir);
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileError(e, dir, 'create the folder');
  }
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

/** Fsyncs a directory so a rename in it is durable. Platforms that cannot open directories skip it. */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (e) {
    if (process.platform === 'win32') return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw e;
  } finally {
    closeSync(fd);
  }
}

/** A temp file name next to `path`, unique per process and call. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/**
 * Removes temp files that writeFileAtomic calls of dead processes left in `dir` (a process killed
 * mid-write cannot clean up). Only files whose writer pid is not running on this host are removed,
 * so call it where no other host writes into `dir`. Returns the removed file names.
 *
 * @example
 * removeOrphanTempFiles('runs/mnist'); // e.g. ['.checkpoint.safetensors.4242.0a1b2c3d4e5f.tmp']
 */
export function removeOrphanTempFiles(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw fileError(e, dir, 'list');
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (m === null || isPidAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // removed concurrently
    }
  }
  return removed;
}

/**
 * Replaces `path` with `data` atomically: a crash or kill at any point leaves either the old
 * content or the complete new content. Writes a temp file in the same directory, fsyncs it,
 * renames it over the target and fsyncs the directory. On error the temp file is removed and the
 * error rethrown.
 *
 * @example
 * writeFileAtomic('/tmp/state.json', JSON.stringify({ step: 3 }));
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  if (typeof path !== 'string' || path === '') throw new FileError(String(path), 'cannot write: the path is empty; give a file name');
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    seam('open', path);
    fd = openSync(tmp, 'wx');
    writeAll(fd, toBytes(data), path);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    seam('rename', path);
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // the temp file may never have been created
    }
    throw fileError(e, path, 'write');
  }
  try {
    fsyncDirectory(dirname(path));
  } catch (e) {
    throw fileError(e, dirname(path), 'write');
  }
}

/**
 * Appends one line (a newline is added) to `path`, creating it if needed, and fsyncs, so a row
 * reported as written survives a crash. The line must not contain a newline.
 *
 * @example
 * appendLineDurable('/tmp/results.jsonl', JSON.stringify({ step: 1, loss: 0.5 }));
 */
export function appendLineDurable(path: string, line: string): void {
  if (typeof line !== 'string') throw new ConfigError('line', `expected a string, got ${typeof line}`);
  if (/[\r\n]/.test(line)) {
    throw new ConfigError('line', `a JSONL row must be one line, but it contains a line break at index ${line.search(/[\r\n]/)}; JSON.stringify the row without indentation`);
  }
  let fd: number | undefined;
  try {
    seam('open', path);
    fd = openSync(path, 'a');
    writeAll(fd, toBytes(`${line}\n`), path);
    fsyncSync(fd);
  } catch (e) {
    throw fileError(e, path, 'write');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Appends `row` as one JSON line (see appendLineDurable).
 *
 * @example
 * appendJsonl('/tmp/results.jsonl', { step: 2, loss: 0.25 });
 */
export function appendJsonl(path: string, row: unknown): void {
  const line = JSON.stringify(row);
  if (line === undefined) throw new ConfigError('row', `${typeof row} cannot be written as JSON`);
  appendLineDurable(path, line);
}

/** The rows of a JSONL file, and whether an incomplete last line (from a crash) was skipped. */
export interface JsonlContents {
  rows: unknown[];
  tornTail: boolean;
}

function readOrDataError(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(e)})`, path);
  }
}

/**
 * Reads a JSONL file (one JSON value per line). An incomplete last line (no trailing newline, as
 * left by a crash mid-append) is skipped and reported as `tornTail: true`; call truncateTornTail
 * before appending again. Any other bad line (empty, invalid UTF-8 or JSON) is a DataError naming
 * the file and line number.
 *
 * @example
 * const { rows, tornTail } = readJsonl('/tmp/results.jsonl');
 */
export function readJsonl(path: string): JsonlContents {
  const bytes = readOrDataError(path);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const rows: unknown[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    if (nl < 0) return { rows, tornTail: true };
    lineNo++;
    rows.push(parseLine(bytes.subarray(start, nl), decoder, path, lineNo));
    start = nl + 1;
  }
  return { rows, tornTail: false };
}

function parseLine(bytes: Uint8Array, decoder: TextDecoder, path: string, lineNo: number): unknown {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new DataError(`line ${lineNo} is not valid UTF-8; the file is corrupt`, path);
  }
  if (text.trim() === '') throw new DataError(`line ${lineNo} is empty; every line of a JSONL file must hold one JSON value`, path);
  try {
    return JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message.slice(0, 200) : 'parse error';
    throw new DataError(`line ${lineNo} is not valid JSON (${why}): ${JSON.stringify(text.slice(0, 80))}`, path);
  }
}

/**
 * Removes an incomplete last line (bytes after the final newline) so appends continue on a fresh
 * line. Returns the number of bytes removed (0 when the file is clean or does not exist).
 *
 * @example
 * if (readJsonl(path).tornTail) truncateTornTail(path);
 */
export function truncateTornTail(path: string): number {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new DataError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, path);
  }
  const keep = bytes.lastIndexOf(0x0a) + 1;
  if (keep >= bytes.length) return 0;
  let fd: number | undefined;
  try {
    seam('truncate', path);
    fd = openSync(path, 'r+');
    ftruncateSync(fd, keep);
    fsyncSync(fd);
  } catch (e) {
    throw fileError(e, path, 'write');
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return bytes.length - keep;
}
