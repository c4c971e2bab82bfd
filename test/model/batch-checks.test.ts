// The step prologue every optimizer shares (src/model/batch-checks.ts): checkBatch, finiteBatchLoss,
// and the mean cross-entropy gradient (p - y) / n (src/model/loss.ts), against direct constructions.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { RevMLP } from '../../src/model/revmlp.js';
import { checkBatch, finiteBatchLoss } from '../../src/model/batch-checks.js';
import { crossEntropyHost, meanCrossEntropyGrad, softmaxHost } from '../../src/model/loss.js';
import { ConfigError, DataError, NumericalError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';

before(async () => {
  await setupBackend();
});

test('checkBatch: n and k of a good batch; a bad label, shape or options object is a ConfigError naming it', () => {
  const model = RevMLP.init({ inputDim: 8, hidden: 6, blocks: 1, classes: 3, seed: 1 });
  const x = tf.zeros([4, 8]) as tf.Tensor2D;
  assert.deepEqual(checkBatch(model, x, new Int32Array([0, 1, 2, 0])), { n: 4, k: 3 });
  assert.throws(() => checkBatch(model, x, new Int32Array([0, 1, 3, 0])), (e: unknown) => e instanceof ConfigError && /label 3 at row 2 is out of range \[0, 3\)/.test(e.message));
  assert.throws(() => checkBatch(model, x, new Int32Array([0, 1])), (e: unknown) => e instanceof ConfigError && /expected 4 labels/.test(e.message));
  const wrong = tf.zeros([4, 6]) as tf.Tensor2D;
  assert.throws(() => checkBatch(model, wrong, new Int32Array(4)), (e: unknown) => e instanceof ConfigError && /\[n, 8\], got \[4, 6\]/.test(e.message));
  assert.throws(() => checkBatch(model, x, new Int32Array(4), 'fast'), (e: unknown) => e instanceof ConfigError && /options/.test(e.message));
  x.dispose();
  wrong.dispose();
  model.dispose();
});

test('finiteBatchLoss: a finite loss passes; NaN inputs are named (DataError), else the model diverged (NumericalError)', () => {
  const good = tf.tensor2d([[1, 2], [3, 4]]);
  const bad = tf.tensor2d([[1, 2], [Infinity, 4]]);
  assert.equal(finiteBatchLoss(0.5, good), 0.5);
  assert.throws(() => finiteBatchLoss(NaN, bad, ' before the K-FAC step'), (e: unknown) => e instanceof DataError && /x holds Infinity at row 1, column 0/.test(e.message));
  assert.throws(() => finiteBatchLoss(Infinity, good, ' before the K-FAC step'), (e: unknown) => e instanceof NumericalError && /the batch loss is Infinity before the K-FAC step: the model has diverged/.test(e.message));
  good.dispose();
  bad.dispose();
});

test('meanCrossEntropyGrad equals the central finite difference of the mean cross-entropy', () => {
  const n = 3;
  const k = 4;
  const logits = Float64Array.from({ length: n * k }, (_, i) => Math.sin(1.7 * i) * 2);
  const labels = new Int32Array([2, 0, 3]);
  const g = meanCrossEntropyGrad(softmaxHost(logits, n, k), labels, n, k);
  const eps = 1e-5;
  for (let i = 0; i < n * k; i++) {
    const up = Float64Array.from(logits);
    const down = Float64Array.from(logits);
    up[i]! += eps;
    down[i]! -= eps;
    const fd = (crossEntropyHost(up, labels, n, k) - crossEntropyHost(down, labels, n, k)) / (2 * eps);
    assert.ok(Math.abs(g[i]! - fd) < 1e-6, `entry ${i}: ${g[i]} vs ${fd}`);
  }
});
