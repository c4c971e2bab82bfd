// Generated data files for the data tests: IDX files, CIFAR-10 binary batches, tar archives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(label = 'data'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `exact-gn-${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** IDX bytes (uint8 data) for the given dims; `fill(i)` gives byte i of the data. */
export function idxBytes(dims: number[], fill: (i: number) => number = (i) => i % 256, magicType = 0x08): Uint8Array {
  const header = 4 + 4 * dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(header + size);
  const view = new DataView(out.buffer);
  out[2] = magicType;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < size; i++) out[header + i] = fill(i);
  return out;
}

/** Writes `bytes` to dir/name (gzip-compressed when `gzip`) and returns the path. */
export function writeFile(dir: string, name: string, bytes: Uint8Array, gzip = false): string {
  const p = join(dir, name);
  writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
  return p;
}

/**
 * Writes a tiny MNIST-format dataset (nTrain / nTest images of 28x28, raw or .gz) and returns the
 * images and labels that went in. Pixel (k, p) = (7k + p) % 256, label k = (3k + 1) % 10.
 */
export function writeMnistLike(dir: string, nTrain: number, nTest: number, gzip: boolean): void {
  const ext = gzip ? '.gz' : '';
  for (const [prefix, n] of [['train', nTrain], ['t10k', nTest]] as const) {
    writeFile(dir, `${prefix}-images-idx3-ubyte${ext}`, idxBytes([n, 28, 28], (i) => (7 * Math.floor(i / 784) + (i % 784)) % 256), gzip);
    writeFile(dir, `${prefix}-labels-idx1-ubyte${ext}`, idxBytes([n], (k) => (3 * k + 1) % 10), gzip);
  }
}

/** Pixel of generated CIFAR record k (in file `f`), channel c, row r, column q. */
export function cifarPixel(f: number, k: number, c: number, r: number, q: number): number {
  return (31 * f + 17 * k + 101 * c + 5 * r + 3 * q) % 256;
}

/** Label of generated CIFAR record k in file f. */
export function cifarLabel(f: number, k: number): number {
  return (f + 2 * k) % 10;
}

/** Bytes of a CIFAR-10 binary file with `records` records, in the exact on-disk format. */
export function cifarFileBytes(f: number, records: number): Uint8Array {
  const out = new Uint8Array(records * 3073);
  for (let k = 0; k < records; k++) {
    const at = k * 3073;
    out[at] = cifarLabel(f, k);
    for (let c = 0; c < 3; c++) for (let r = 0; r < 32; r++) for (let q = 0; q < 32; q++) out[at + 1 + c * 1024 + r * 32 + q] = cifarPixel(f, k, c, r, q);
  }
  return out;
}

export const CIFAR_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/** Writes the six CIFAR files (file index f = 0..5, `records` each) into dir. */
export function writeCifarLike(dir: string, records: number): void {
  CIFAR_FILES.forEach((name, f) => writeFile(dir, name, cifarFileBytes(f, records)));
}

/** A ustar archive of the given members (written by hand, independent of the reader). */
export function tarBytes(entries: { name: string; data?: Uint8Array; type?: 'file' | 'dir' }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const enc = new TextEncoder();
  const put = (h: Uint8Array, at: number, s: string): void => h.set(enc.encode(s), at);
  for (const e of entries) {
    const data = e.data ?? new Uint8Array(0);
    const h = new Uint8Array(512);
    put(h, 0, e.name);
    put(h, 100, '0000644\0');
    put(h, 108, '0000000\0');
    put(h, 116, '0000000\0');
    put(h, 124, data.length.toString(8).padStart(11, '0') + '\0');
    put(h, 136, '00000000000\0');
    h[156] = (e.type === 'dir' ? '5' : '0').charCodeAt(0);
    put(h, 257, 'ustar\0');
    put(h, 263, '00');
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    put(h, 148, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(h);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
