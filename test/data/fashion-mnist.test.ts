import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  FASHION_MNIST_DEBIAN_DIR,
  fashionMnistDir,
  loadDataset,
  loadFashionMnist,
  pixelStats,
  readFashionMnistRaw,
} from '../../src/data/index.js';
import { DataError } from '../../src/util/errors.js';
import { tempDir, writeMnistLike } from './fixtures.js';

const realDir = fashionMnistDir();
const present = existsSync(join(realDir, 'train-images-idx3-ubyte.gz')) || existsSync(join(realDir, 'train-images-idx3-ubyte'));
const skip = present ? false : `Fashion-MNIST not found in ${realDir}: run \`apt-get install dataset-fashion-mnist\` or set EXACT_GN_FASHION_MNIST_DIR`;

test('real Fashion-MNIST: sizes, balanced labels, pixel statistics, normalization', { skip }, () => {
  const raw = readFashionMnistRaw();
  assert.equal(raw.train.n, 60000);
  assert.equal(raw.test.n, 10000);
  const count = (y: Uint8Array): number[] => {
    const c = new Array<number>(10).fill(0);
    for (const v of y) c[v]!++;
    return c;
  };
  assert.deepEqual(count(raw.train.labels), new Array(10).fill(6000));
  assert.deepEqual(count(raw.test.labels), new Array(10).fill(1000));
  const stats = pixelStats(raw.train.images);
  assert.equal(stats.mean[0]!.toFixed(4), '0.2860');
  assert.equal(stats.std[0]!.toFixed(4), '0.3530');
  assert.deepEqual(Array.from(raw.test.labels.subarray(0, 5)), [9, 2, 1, 1, 6]);

  const ds = loadDataset('fashion-mnist', { limitTrain: 100, limitTest: 100, cache: false });
  assert.equal(ds.train.name, 'fashion-mnist');
  assert.deepEqual([ds.train.n, ds.test.n, ds.train.d], [100, 100, 784]);
  for (const k of [0, 400, 99 * 784 + 783]) {
    assert.ok(Math.abs(ds.train.x[k]! - (raw.train.images[k]! / 255 - 0.286) / 0.353) < 1e-6, `pixel ${k}`);
  }
});

test('the folder comes from { dir }, else EXACT_GN_FASHION_MNIST_DIR, else the Debian path', () => {
  const saved = process.env.EXACT_GN_FASHION_MNIST_DIR;
  try {
    delete process.env.EXACT_GN_FASHION_MNIST_DIR;
    assert.equal(fashionMnistDir(), FASHION_MNIST_DEBIAN_DIR);
    assert.equal(FASHION_MNIST_DEBIAN_DIR, '/usr/share/datasets/fashion-mnist');
    process.env.EXACT_GN_FASHION_MNIST_DIR = '/some/where';
    assert.equal(fashionMnistDir(), '/some/where');
    assert.equal(fashionMnistDir('/explicit'), '/explicit');
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_FASHION_MNIST_DIR;
    else process.env.EXACT_GN_FASHION_MNIST_DIR = saved;
  }
});

test('generated .gz files load with the Fashion-MNIST normalization', () => {
  const { dir, cleanup } = tempDir('fashion');
  try {
    writeMnistLike(dir, 4, 2, true);
    const { train } = loadFashionMnist({ dir, cache: false });
    // image 1, pixel 0: byte 7
    assert.ok(Math.abs(train.x[784]! - (7 / 255 - 0.286) / 0.353) < 1e-6);
    assert.deepEqual(Array.from(train.y), [1, 4, 7, 0]);
  } finally {
    cleanup();
  }
});

test('missing files say to apt-get install dataset-fashion-mnist or set the variable', () => {
  const { dir, cleanup } = tempDir('fashion');
  try {
    assert.throws(
      () => loadFashionMnist({ dir, cache: false }),
      (e: unknown) =>
        e instanceof DataError &&
        /missing train-images-idx3-ubyte.*apt-get install dataset-fashion-mnist.*EXACT_GN_FASHION_MNIST_DIR/.test((e as Error).message),
    );
  } finally {
    cleanup();
  }
});
