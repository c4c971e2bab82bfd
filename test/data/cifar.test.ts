import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { cifar10Dir, loadCifar10, loadDataset, readCifar10Raw } from '../../src/data/index.js';
import { DataError } from '../../src/util/errors.js';
import { cifarFileBytes, cifarLabel, cifarPixel, tempDir, writeCifarLike, writeFile } from './fixtures.js';

const MEAN = [0.4914, 0.4822, 0.4465];
const STD = [0.247, 0.2435, 0.2616];
const RECORDS = 3;

const dataError = (re: RegExp) => (e: unknown) => e instanceof DataError && re.test((e as Error).message);

test('generated CIFAR-10 files: concatenation order, labels, channel-major pixels, per-channel normalization', () => {
  const { dir, cleanup } = tempDir('cifar');
  try {
    writeCifarLike(dir, RECORDS);
    const { train, test: tst } = loadCifar10({ dir, cache: false });
    assert.deepEqual([train.n, tst.n, train.d, train.classes], [5 * RECORDS, RECORDS, 3072, 10]);
    assert.deepEqual(train.imageShape, [3, 32, 32]);
    assert.equal(train.name, 'cifar10');
    assert.deepEqual(Array.from(train.y), [0, 1, 2, 3, 4].flatMap((f) => [0, 1, 2].map((k) => cifarLabel(f, k))));
    assert.deepEqual(Array.from(tst.y), [0, 1, 2].map((k) => cifarLabel(5, k)));
    // Known pixels: image (file f, record k) is row 3f + k; value index c*1024 + r*32 + q.
    for (const [f, k, c, r, q] of [[0, 0, 0, 0, 0], [0, 2, 1, 5, 7], [3, 1, 2, 31, 31], [4, 2, 0, 16, 3]] as const) {
      const byte = cifarPixel(f, k, c, r, q);
      const got = train.x[(f * RECORDS + k) * 3072 + c * 1024 + r * 32 + q]!;
      assert.ok(Math.abs(got - (byte / 255 - MEAN[c]!) / STD[c]!) < 1e-6, `f${f} k${k} c${c} (${r},${q}): ${got}`);
    }
    // Hand check of one value: file 0, record 0, green channel, pixel (0, 0) = 101 -> (101/255 - 0.4822)/0.2435.
    assert.ok(Math.abs(train.x[1024]! - -0.353682) < 1e-5);
    const t = tst.x[2 * 3072 + 2 * 1024 + 10 * 32 + 20]!;
    assert.ok(Math.abs(t - (cifarPixel(5, 2, 2, 10, 20) / 255 - MEAN[2]!) / STD[2]!) < 1e-6);
  } finally {
    cleanup();
  }
});

test('the folder may be the cifar-10-batches-bin parent, given by { dir } or EXACT_GN_CIFAR10_DIR', () => {
  const { dir, cleanup } = tempDir('cifar');
  const saved = process.env.EXACT_GN_CIFAR10_DIR;
  try {
    const sub = join(dir, 'cifar-10-batches-bin');
    mkdirSync(sub);
    writeCifarLike(sub, 1);
    assert.equal(cifar10Dir(dir), sub);
    assert.equal(cifar10Dir(sub), sub);
    process.env.EXACT_GN_CIFAR10_DIR = dir;
    assert.equal(cifar10Dir(), sub);
    const ds = loadDataset('cifar10', { cache: false });
    assert.equal(ds.train.n, 5);
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_CIFAR10_DIR;
    else process.env.EXACT_GN_CIFAR10_DIR = saved;
    cleanup();
  }
});

test('limits read only the records needed, across files in order', () => {
  const { dir, cleanup } = tempDir('cifar');
  try {
    writeCifarLike(dir, RECORDS);
    // Damage files past the limit: a limited load never opens them.
    truncateSync(join(dir, 'data_batch_3.bin'), 100);
    const raw = readCifar10Raw({ dir, limitTrain: 4, limitTest: 1 });
    assert.equal(raw.train.n, 4);
    assert.deepEqual(Array.from(raw.train.labels), [cifarLabel(0, 0), cifarLabel(0, 1), cifarLabel(0, 2), cifarLabel(1, 0)]);
    assert.equal(raw.train.images[3 * 3072 + 5], cifarPixel(1, 0, 0, 0, 5));
    assert.equal(raw.test.n, 1);
    assert.throws(() => readCifar10Raw({ dir, limitTrain: 7 }), dataError(/data_batch_3\.bin: wrong size: expected 30730000 bytes/));
  } finally {
    cleanup();
  }
});

test('a truncated or wrong-sized file names the file, 30730000 expected bytes, and the actual size', () => {
  const { dir, cleanup } = tempDir('cifar');
  try {
    writeCifarLike(dir, 2);
    const p = join(dir, 'test_batch.bin');
    truncateSync(p, 2 * 3073 - 1);
    assert.throws(
      () => loadCifar10({ dir, cache: false }),
      (e: unknown) =>
        e instanceof DataError &&
        e.file === p &&
        /wrong size: expected 30730000 bytes \(10000 records of 3073 bytes; any positive multiple of 3073 is accepted\), got 6145 .*cifar-10-binary\.tar\.gz/.test((e as Error).message),
    );
    truncateSync(p, 0);
    assert.throws(() => loadCifar10({ dir, cache: false }), dataError(/test_batch\.bin: wrong size: .*got 0/));
    // A whole number of records, but fewer than its siblings (a cut real file).
    writeFile(dir, 'test_batch.bin', cifarFileBytes(5, 2));
    writeFile(dir, 'data_batch_4.bin', cifarFileBytes(3, 1));
    assert.throws(() => loadCifar10({ dir, cache: false }), dataError(/data_batch_4\.bin: holds 1 records but data_batch_1\.bin holds 2/));
    // A label byte above 9: not a CIFAR-10 file.
    const bad = cifarFileBytes(3, 2);
    bad[3073] = 200;
    writeFile(dir, 'data_batch_4.bin', bad);
    assert.throws(() => loadCifar10({ dir, cache: false }), dataError(/data_batch_4\.bin: record 1 has label 200, outside 0\.\.9/));
  } finally {
    cleanup();
  }
});

test('missing data says how to obtain it (download the binary version, env var, or exact-gn data download)', () => {
  const saved = process.env.EXACT_GN_CIFAR10_DIR;
  const { dir, cleanup } = tempDir('cifar');
  try {
    delete process.env.EXACT_GN_CIFAR10_DIR;
    const how = /CIFAR-10 binary version.*EXACT_GN_CIFAR10_DIR.*exact-gn data download cifar10/;
    assert.throws(() => loadCifar10(), dataError(new RegExp(`folder not given.*${how.source}`)));
    assert.throws(() => loadCifar10({ dir }), dataError(new RegExp(`neither data_batch_1\\.bin nor cifar-10-batches-bin/ is in this folder.*${how.source}`)));
    assert.throws(() => loadCifar10({ dir: join(dir, 'nope') }), dataError(/nope: CIFAR-10 folder not found/));
    mkdirSync(join(dir, 'cifar-10-batches-bin'));
    assert.throws(() => loadCifar10({ dir }), dataError(/data_batch_1\.bin: file not found; download the "CIFAR-10 binary version"/));
  } finally {
    if (saved !== undefined) process.env.EXACT_GN_CIFAR10_DIR = saved;
    cleanup();
  }
});

const realDir = process.env.EXACT_GN_CIFAR10_DIR;
test('real CIFAR-10 (when EXACT_GN_CIFAR10_DIR is set): 50000/10000 images, 5000 per class', { skip: realDir ? false : 'EXACT_GN_CIFAR10_DIR is not set (no real CIFAR-10 on this machine)' }, () => {
  const raw = readCifar10Raw({ dir: realDir });
  assert.equal(raw.train.n, 50000);
  assert.equal(raw.test.n, 10000);
  const c = new Array<number>(10).fill(0);
  for (const v of raw.train.labels) c[v]!++;
  assert.deepEqual(c, new Array(10).fill(5000));
});
