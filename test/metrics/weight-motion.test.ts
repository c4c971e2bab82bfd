import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import type { Params } from '../../src/model/revmlp.js';
import { disposeParams } from '../../src/model/revmlp.js';
import { paramsSnapshot, weightMotion, weightMotionFromSnapshots } from '../../src/metrics/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';

before(async () => {
  await setupBackend();
});

/** One block, h = 2, d/2 = 2: Wt [2, 2] and b [2] per half. */
function params(fW: number[], fb: number[], gW: number[], gb: number[]): Params {
  return [
    {
      f: { Wt: tf.tensor2d(fW, [2, 2]), b: tf.tensor1d(fb) },
      g: { Wt: tf.tensor2d(gW, [2, 2]), b: tf.tensor1d(gb) },
    },
  ];
}

test('weight motion of hand-made parameters: cosine, norm ratio, relative change, NaN for zero biases', () => {
  const p0 = params([1, 0, 0, 1], [0, 0], [3, 0, 0, 4], [1, 0]);
  const pT = params([0, 1, 1, 0], [3, 4], [6, 0, 0, 8], [1, 1]);
  const before = tf.memory().numTensors;
  const rows = weightMotion(p0, pT);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(rows.map((r) => r.tensor), ['blocks.0.f.W', 'blocks.0.f.b', 'blocks.0.g.W', 'blocks.0.g.b']);
  const [fW, fb, gW, gb] = rows;
  // f.W: orthogonal (identity vs swap), same norm sqrt 2, distance 2.
  assert.equal(fW!.cosine, 0);
  assert.ok(Math.abs(fW!.normRatio - 1) < 1e-12);
  assert.ok(Math.abs(fW!.relChange - Math.SQRT2) < 1e-12);
  assert.deepEqual([fW!.block, fW!.half, fW!.kind], [0, 'f', 'W']);
  // f.b: zero at init -> NaN ratios, finite absolute norms.
  assert.ok(Number.isNaN(fb!.cosine) && Number.isNaN(fb!.normRatio) && Number.isNaN(fb!.relChange));
  assert.deepEqual([fb!.norm0, fb!.normT, fb!.distance], [0, 5, 5]);
  // g.W doubled: cosine 1, ratio 2, relative change 1.
  assert.ok(Math.abs(gW!.cosine - 1) < 1e-12);
  assert.ok(Math.abs(gW!.normRatio - 2) < 1e-12);
  assert.ok(Math.abs(gW!.relChange - 1) < 1e-12);
  // g.b: [1, 0] -> [1, 1]: cosine 1/sqrt 2, ratio sqrt 2, change 1.
  assert.ok(Math.abs(gb!.cosine - Math.SQRT1_2) < 1e-12);
  assert.ok(Math.abs(gb!.normRatio - Math.SQRT2) < 1e-12);
  assert.ok(Math.abs(gb!.relChange - 1) < 1e-12);
  assert.deepEqual(weightMotionFromSnapshots(paramsSnapshot(p0), paramsSnapshot(pT)), rows);
  disposeParams(p0);
  disposeParams(pT);
});

test('weight motion against itself is the identity, and mismatched sets are rejected', () => {
  const p = params([1, 2, 3, 4], [1, 1], [0.5, 0, 0, 0.5], [0, 2]);
  for (const r of weightMotion(p, p)) {
    assert.ok(Math.abs(r.cosine - 1) < 1e-12);
    assert.equal(r.relChange, 0);
    assert.equal(r.normRatio, 1);
  }
  const other: Params = [{ f: { Wt: tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]) }, g: { Wt: tf.tensor2d([1, 2, 3, 4], [2, 2]) } }];
  assert.throws(() => weightMotion(p, other), ConfigError);
  disposeParams(p);
  disposeParams(other);
});
