import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { assertFinite, datasetFromArrays, gatherBatch, toTensors } from '../../src/data/index.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';

test('toTensors uploads x (n x d) and one-hot y (n x classes)', async () => {
  await setupBackend();
  const ds = datasetFromArrays({ name: 't', x: Float32Array.from({ length: 12 }, (_, i) => i / 4), y: [2, 0, 1, 2], classes: 3 });
  const before = tf.memory().numTensors;
  const { x, y } = toTensors(gatherBatch(ds, [3, 1]), ds.classes);
  assert.deepEqual(x.shape, [2, 3]);
  assert.deepEqual(y.shape, [2, 3]);
  assert.equal(x.dtype, 'float32');
  assert.deepEqual(Array.from(await x.data()), [9 / 4, 10 / 4, 11 / 4, 3 / 4, 1, 5 / 4]);
  assert.deepEqual(await y.array(), [[0, 0, 1], [1, 0, 0]]);
  tf.dispose([x, y]);
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => toTensors({ x: new Float32Array(2), y: Int32Array.of(5), n: 1 }, 3), (e: unknown) => e instanceof ConfigError && /label 5 at index 0 is outside 0\.\.2/.test((e as Error).message));
});

test('assertFinite reports the index of the first NaN or infinity', () => {
  assertFinite(new Float32Array([0, -3.5, 1e30]), 'ok');
  assert.throws(() => assertFinite(Float32Array.of(1, 2, NaN, Infinity), 'batch x'), (e: unknown) => e instanceof DataError && /^batch x: value at index 2 \(of 4\) is NaN/.test((e as Error).message));
  assert.throws(() => assertFinite([0, -Infinity], 'w'), /w: value at index 1 \(of 2\) is -Infinity/);
});

test('datasetFromArrays checks sizes, labels and finiteness', () => {
  const ok = datasetFromArrays({ name: 'img', x: new Float32Array(2 * 12), y: Int32Array.of(0, 1), classes: 2, imageShape: [3, 2, 2] });
  assert.deepEqual([ok.n, ok.d, ok.imageShape], [2, 12, [3, 2, 2]]);
  assert.throws(() => datasetFromArrays({ name: 'a', x: new Float32Array(5), y: [0, 1], classes: 2 }), /x: length 5 is not a multiple of the 2 labels/);
  assert.throws(() => datasetFromArrays({ name: 'a', x: new Float32Array(4), y: [0, 2], classes: 2 }), /y: label 2 at index 1 is outside 0\.\.1/);
  assert.throws(() => datasetFromArrays({ name: 'a', x: new Float32Array(4), y: [0, 1], classes: 2, imageShape: [1, 1, 3] }), /imageShape: \[1, 1, 3\] has 3 values but each row has 2/);
  assert.throws(() => datasetFromArrays({ name: 'a', x: Float32Array.of(0, NaN), y: [0], classes: 1 }), /a x: value at index 1/);
});
