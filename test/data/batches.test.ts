import { test } from 'node:test';
import assert from 'node:assert/strict';
import { datasetFromArrays, fullBatch, gatherBatch, miniBatches, type Dataset } from '../../src/data/index.js';
import { ConfigError } from '../../src/util/errors.js';

/** A dataset whose row i is [i, i + 0.5, i + 0.25] and label i % 10, so gathers are checkable. */
function indexed(n: number, d = 3): Dataset {
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = i + j / (2 * d);
  return datasetFromArrays({ name: 'indexed', x, y: Array.from({ length: n }, (_, i) => i % 10), classes: 10 });
}

test('mini-batch counts follow the paper: 60000/1024 -> 59, 50000/1024 -> 49, last partial kept', () => {
  const m = miniBatches({ n: 60000 }, 1024, 0, 42);
  assert.equal(m.length, 59);
  assert.deepEqual(m.slice(0, 58).map((b) => b.length), new Array(58).fill(1024));
  assert.equal(m[58]!.length, 60000 - 58 * 1024);
  const c = miniBatches({ n: 50000 }, 1024, 3, 42);
  assert.equal(c.length, 49);
  assert.equal(c[48]!.length, 50000 - 48 * 1024);
});

test('an epoch is a permutation: every index exactly once', () => {
  const n = 5003;
  const seen = new Uint8Array(n);
  for (const b of miniBatches({ n }, 256, 7, 43)) for (const i of b) seen[i]!++;
  assert.ok(seen.every((v) => v === 1));
});

test('batches depend only on (seed, epoch): same inputs -> same batches, resumable, different otherwise', () => {
  const a = miniBatches({ n: 3000 }, 128, 5, 42);
  const b = miniBatches({ n: 3000 }, 128, 5, 42);
  assert.deepEqual(a.map((x) => Array.from(x)), b.map((x) => Array.from(x)));
  // Calling other epochs first (a fresh process resuming at epoch 5) changes nothing.
  miniBatches({ n: 3000 }, 128, 0, 42);
  assert.deepEqual(Array.from(miniBatches({ n: 3000 }, 128, 5, 42)[0]!), Array.from(a[0]!));
  const otherEpoch = miniBatches({ n: 3000 }, 128, 6, 42)[0]!;
  const otherSeed = miniBatches({ n: 3000 }, 128, 5, 43)[0]!;
  assert.notDeepEqual(Array.from(otherEpoch), Array.from(a[0]!));
  assert.notDeepEqual(Array.from(otherSeed), Array.from(a[0]!));
  // Not the identity order.
  assert.notDeepEqual(Array.from(a[0]!), Array.from({ length: 128 }, (_, i) => i));
});

test('gatherBatch copies the requested rows and labels in order', () => {
  const ds = indexed(20);
  const b = gatherBatch(ds, Int32Array.of(7, 0, 19, 7));
  assert.deepEqual([b.n, b.d], [4, 3]);
  assert.deepEqual(Array.from(b.y), [7, 0, 9, 7]);
  assert.deepEqual(Array.from(b.x), [7, 7 + 1 / 6, 7 + 2 / 6, 0, 1 / 6, 2 / 6, 19, 19 + 1 / 6, 19 + 2 / 6, 7, 7 + 1 / 6, 7 + 2 / 6].map(Math.fround));
  b.x[0] = -1;
  assert.equal(ds.x[7 * 3], 7, 'the batch is a copy');
  assert.throws(() => gatherBatch(ds, [20]), (e: unknown) => e instanceof ConfigError && /index 20 at position 0 is outside 0\.\.19/.test((e as Error).message));
});

test('fullBatch takes the FIRST n images', () => {
  const ds = indexed(50);
  const b = fullBatch(ds, 16);
  assert.equal(b.n, 16);
  assert.deepEqual(Array.from(b.y), Array.from({ length: 16 }, (_, i) => i % 10));
  assert.equal(b.x[15 * 3], 15);
  assert.throws(() => fullBatch(ds, 51), (e: unknown) => e instanceof ConfigError && /n: must be an integer in 1\.\.50.*got 51/.test((e as Error).message));
});

test('bad batching arguments are ConfigErrors naming the field', () => {
  assert.throws(() => miniBatches({ n: 10 }, 0, 0, 1), /batchSize: must be a positive integer, got 0/);
  assert.throws(() => miniBatches({ n: 10 }, 4, -1, 1), /epoch: must be a non-negative integer, got -1/);
  assert.throws(() => miniBatches({ n: 10 }, 4, 0, 1.5), /seed: must be an integer, got 1.5/);
});
