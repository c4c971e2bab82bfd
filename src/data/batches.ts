/**
 * Deterministic batching: the first-n full batch, seeded shuffled mini-batches (one permutation
 * per epoch, a function of (seed, epoch) only, so a resumed run sees the same batches), and
 * gathering rows into a contiguous batch.
 */
import { check } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { Batch, Dataset } from './types.js';

/**
 * The FIRST `n` images of `ds` as one batch (the paper's full-batch protocol uses n = 1024).
 *
 * @example
 * const b = fullBatch(loadMnist().train, 1024);
 * b.x.length; // 1024 * 784
 */
export function fullBatch(ds: Dataset, n: number): Batch {
  check(Number.isInteger(n) && n > 0 && n <= ds.n, 'n', () => `must be an integer in 1..${ds.n} (images in ${ds.name}), got ${n}`);
  return { x: ds.x.slice(0, n * ds.d), y: ds.y.slice(0, n), n, d: ds.d };
}

/**
 * The epoch's shuffled mini-batches as index arrays: a permutation of 0..n-1 drawn from
 * `new Rng(seed).fork('epoch-' + epoch)`, cut into batches of `batchSize`, last partial batch
 * kept (60000 / 1024 -> 59 batches, 50000 / 1024 -> 49).
 *
 * @example
 * const batches = miniBatches(train, 1024, 0, 42);
 * batches.length;  // 59 for MNIST
 * const b = gatherBatch(train, batches[0]!);
 */
export function miniBatches(ds: Pick<Dataset, 'n'>, batchSize: number, epoch: number, seed: number): Int32Array[] {
  check(Number.isInteger(batchSize) && batchSize > 0, 'batchSize', () => `must be a positive integer, got ${batchSize}`);
  check(Number.isInteger(epoch) && epoch >= 0, 'epoch', () => `must be a non-negative integer, got ${epoch}`);
  check(Number.isInteger(seed), 'seed', () => `must be an integer, got ${seed}`);
  const perm = new Rng(seed).fork(`epoch-${epoch}`).permutation(ds.n);
  const out: Int32Array[] = [];
  for (let start = 0; start < ds.n; start += batchSize) out.push(perm.slice(start, Math.min(ds.n, start + batchSize)));
  return out;
}

/**
 * Copies the rows `idx` of `ds` into a contiguous batch.
 *
 * @example
 * const b = gatherBatch(train, Int32Array.of(5, 0, 7));
 * b.y; // Int32Array [train.y[5], train.y[0], train.y[7]]
 */
export function gatherBatch(ds: Dataset, idx: ArrayLike<number>): Batch {
  const n = idx.length;
  const d = ds.d;
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const i = idx[r]!;
    check(Number.isInteger(i) && i >= 0 && i < ds.n, 'idx', () => `index ${i} at position ${r} is outside 0..${ds.n - 1}`);
    x.set(ds.x.subarray(i * d, (i + 1) * d), r * d);
    y[r] = ds.y[i]!;
  }
  return { x, y, n, d };
}
