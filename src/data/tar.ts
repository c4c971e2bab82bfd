/**
 * A minimal reader for (uncompressed) tar archives: ustar and old-style headers, with the GNU
 * long-name ('L') and pax ('x') path extensions. Regular files and folders are returned; links
 * and devices are skipped. It only parses: extraction (and path safety) is the caller's job.
 */
import { DataError } from '../util/errors.js';

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive ('/'-separated, as stored). */
  name: string;
  type: 'file' | 'dir';
  /** File content (empty for folders); a view into the archive bytes. */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** Parses an octal field (or a base-256 one, high bit set, for large sizes). */
function number(bytes: Uint8Array, start: number, length: number): number {
  if ((bytes[start]! & 0x80) !== 0) {
    let v = bytes[start]! & 0x7f;
    for (let i = start + 1; i < start + length; i++) v = v * 256 + bytes[i]!;
    return v;
  }
  const s = text(bytes, start, length).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function checksumOk(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === number(header, 148, 8);
}

function paxPath(data: Uint8Array): string | undefined {
  const records = decoder.decode(data).split('\n');
  for (const r of records) {
    const m = /^\d+ path=(.*)$/.exec(r);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * Lists the files and folders of a tar archive. Throws a DataError (naming `source`) on a bad
 * header checksum, a size field that is not a non-negative integer, or a member that runs past
 * the end. Every member moves the walk forward, so any input ends in time linear in its size.
 *
 * @example
 * const entries = readTar(gunzipSync(readFileSync('cifar-10-binary.tar.gz')));
 * entries.map((e) => e.name); // ['cifar-10-batches-bin/', 'cifar-10-batches-bin/data_batch_1.bin', ...]
 */
export function readTar(bytes: Uint8Array, source = 'tar archive'): TarEntry[] {
  const entries: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new DataError(`bad tar header checksum at byte ${pos} (corrupt archive)`, source);
    const size = number(header, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) {
      // A negative or unparsable size would stall or rewind the walk over the archive.
      throw new DataError(`bad tar size field ${JSON.stringify(text(header, 124, 12))} at byte ${pos} (corrupt archive); re-download it`, source);
    }
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new DataError(`tar member at byte ${pos} needs ${size} bytes but the archive ends after ${bytes.length - dataStart} (truncated)`, source);
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header, 257, 6).startsWith('ustar') ? text(header, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, type: 'file', data });
    else if (type === '5') entries.push({ name, type: 'dir', data: data.subarray(0, 0) });
    // links, devices, FIFOs: skipped
  }
  return entries;
}
