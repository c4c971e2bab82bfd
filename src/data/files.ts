/**
 * Small file helpers for the loaders: read a byte range without reading the whole file, detect
 * gzip by its magic bytes, and find the first existing file among candidate names.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { DataError } from '../util/errors.js';

/** Random access to the bytes of a file (raw) or of its decompressed content (gzip). */
export interface ByteSource {
  readonly file: string;
  /** Total number of bytes (decompressed, for gzip). */
  readonly size: number;
  /** Whether the file was gzip-compressed. */
  readonly gzip: boolean;
  /** The exact total size (for gzip: decompresses everything; for raw files: `size`). */
  exactSize(): number;
  /** Reads `length` bytes at `offset` (clipped to the end). */
  read(offset: number, length: number): Uint8Array;
  /** Releases the file handle, if any. */
  close(): void;
}

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Opens a file for ranged reads. Gzip files (detected by their magic bytes, whatever the
 * extension) are decompressed in memory, only as far as needed; raw files are read on demand.
 * `hint` says how to obtain the file and is added to the not-found message.
 */
export function openBytes(file: string, hint: string): ByteSource {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'file not found' : `cannot open (${code ?? (e as Error).message})`;
    throw new DataError(`${what}; ${hint}`, file);
  }
  const size = fstatSync(fd).size;
  const magic = new Uint8Array(2);
  readSync(fd, magic, 0, 2, 0);
  if (!isGzip(magic)) {
    return {
      file,
      size,
      gzip: false,
      read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        const out = new Uint8Array(n);
        let done = 0;
        while (done < n) {
          const got = readSync(fd, out, done, n - done, offset + done);
          if (got === 0) break;
          done += got;
        }
        return done === n ? out : out.subarray(0, done);
      },
      close() {
        closeSync(fd);
      },
      exactSize: () => size,
    };
  }
  closeSync(fd);
  return new GzipSource(file, readFileSync(file), hint);
}

/**
 * A gzip file decompressed lazily: only as far as reads need (partial inflate with
 * Z_SYNC_FLUSH on a growing prefix of the compressed bytes), fully on demand. `size` comes from
 * the gzip trailer (ISIZE) until the whole stream has been decompressed.
 */
class GzipSource implements ByteSource {
  readonly gzip = true;
  private out: Uint8Array = new Uint8Array(0);
  private complete = false;

  constructor(
    readonly file: string,
    private readonly compressed: Buffer,
    private readonly hint: string,
  ) {}

  get size(): number {
    if (this.complete) return this.out.length;
    const c = this.compressed;
    return c.length >= 18 ? c.readUInt32LE(c.length - 4) : this.exactSize();
  }

  /** The decompressed length, decompressing the whole stream (strict: corrupt data throws). */
  exactSize(): number {
    this.full();
    return this.out.length;
  }

  read(offset: number, length: number): Uint8Array {
    this.ensure(offset + length);
    return this.out.subarray(offset, Math.min(this.out.length, offset + length));
  }

  close(): void {}

  private ensure(end: number): void {
    if (this.complete || this.out.length >= end) return;
    if (end >= this.size / 2) return this.full();
    for (let take = Math.max(1 << 16, Math.ceil(end / 4)); take < this.compressed.length; take *= 4) {
      try {
        this.out = new Uint8Array(gunzipSync(this.compressed.subarray(0, take), { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
      } catch {
        break; // corrupt early: let the strict full pass report it
      }
      if (this.out.length >= end) return;
    }
    this.full();
  }

  private full(): void {
    if (this.complete) return;
    try {
      this.out = new Uint8Array(gunzipSync(this.compressed));
    } catch (e) {
      throw new DataError(`corrupt or truncated gzip data (${(e as Error).message}); re-obtain the file: ${this.hint}`, this.file);
    }
    this.complete = true;
  }
}

/** The first of `names` that exists in `dir`, or undefined. */
export function findFile(dir: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const p = join(dir, name);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return undefined;
}

/** True when `dir` is an existing folder. */
export function isDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
