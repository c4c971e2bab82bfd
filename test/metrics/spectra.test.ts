import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { tf } from '../../src/backend/index.js';
import { blockSpectra, spectrumFromGram } from '../../src/metrics/index.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

/** Singular values (descending) by ml-matrix's SVD of the explicit matrix. */
function svdReference(rows: number[][]): number[] {
  const svd = new SingularValueDecomposition(new Matrix(rows), { computeLeftSingularVectors: false, computeRightSingularVectors: false, autoTranspose: true });
  return [...svd.diagonal].sort((a, b) => b - a);
}

function gramOf(rows: number[][]): Float64Array {
  const m = new Matrix(rows);
  return Float64Array.from(m.mmul(m.transpose()).to1DArray());
}

test('spectrumFromGram matches an SVD of A (wide, tall, rank-deficient) and counts the truncated rank', () => {
  const rng = new Rng(3);
  const cases: number[][][] = [
    Array.from({ length: 5 }, () => Array.from({ length: 9 }, () => rng.normal())), // n < p
    Array.from({ length: 7 }, () => Array.from({ length: 3 }, () => rng.normal())), // n > p
  ];
  // rank 2 in 6 x 6, with singular values spread over decades
  const u = Array.from({ length: 6 }, () => [rng.normal(), rng.normal()]);
  cases.push(u.map(([a, b]) => Array.from({ length: 6 }, (_, j) => 10 * a! * Math.cos(j) + 0.05 * b! * Math.sin(3 * j))));
  for (const A of cases) {
    const n = A.length;
    const p = A[0]!.length;
    const ref = svdReference(A);
    const s = spectrumFromGram(gramOf(A), n, p, { rtol: 1e-2, atol: 1e-5 });
    assert.equal(s.singularValues.length, Math.min(n, p));
    for (let i = 0; i < ref.length; i++) {
      // Gram route: absolute accuracy ~ sqrt(eps) s_max on the small ones.
      assert.ok(Math.abs(s.singularValues[i]! - ref[i]!) < 1e-6 * ref[0]!, `s_${i}: ${s.singularValues[i]} vs ${ref[i]}`);
    }
    const threshold = Math.max(1e-2 * ref[0]!, 1e-5);
    assert.equal(s.rank, ref.filter((v) => v >= threshold).length);
    assert.ok(Math.abs(s.sMax - ref[0]!) < 1e-9 * ref[0]!);
    if (n > p) assert.equal(s.gramCond, Infinity);
    else assert.ok(Math.abs(s.gramCond / (s.cond * s.cond) - 1) < 1e-6 || s.cond > 1e6);
  }
  const diag = spectrumFromGram(Float64Array.from([9, 0, 0, 4]), 2, 2);
  assert.deepEqual(Array.from(diag.singularValues), [3, 2]);
  assert.equal(diag.cond, 1.5);
  assert.equal(spectrumFromGram(Float64Array.from([9, 0, 0, 4]), 2, 2, { rtol: 0.8 }).rank, 1);
});

test('blockSpectra equals the SVD of A = [S, 1] built from the forward trace, per half-coupling', () => {
  const configs = [
    { inputDim: 8, hidden: 12, blocks: 2, classes: 3, seed: 2 },
    { inputDim: 10, hidden: null, blocks: 2, classes: 3, seed: 3, bias: false },
  ];
  for (const cfg of configs) {
    const model = tinyModel(cfg, 0.4, 0.2);
    const { x } = randomBatch(7, cfg.inputDim, 3, 4);
    const features = tf.tidy(() => model.forwardTrace(x).blocks.flatMap((b) => [b.Sf, b.Sg]).map((S) => S.arraySync() as number[][]));
    const before = tf.memory().numTensors;
    for (const products of ['host', 'backend'] as const) {
      const spectra = blockSpectra(model, x, { products });
      assert.equal(tf.memory().numTensors, before, 'blockSpectra leaked tensors');
      assert.equal(spectra.length, 2 * cfg.blocks);
      spectra.forEach((s, i) => {
        assert.equal(s.block, Math.floor(i / 2));
        assert.equal(s.half, i % 2 === 0 ? 'f' : 'g');
        const A = features[i]!.map((row) => (cfg.bias === false ? row : [...row, 1]));
        const ref = svdReference(A);
        assert.equal(s.features, A[0]!.length);
        assert.equal(s.singularValues.length, ref.length);
        const tol = products === 'host' ? 1e-6 : 2e-3;
        for (let k = 0; k < ref.length; k++) {
          assert.ok(Math.abs(s.singularValues[k]! - ref[k]!) < tol * ref[0]!, `${products} ${s.block}${s.half} s_${k}: ${s.singularValues[k]} vs ${ref[k]}`);
        }
      });
    }
    x.dispose();
    model.dispose();
  }
});

test('the linear first block of a model without bottleneck is rank-limited by d/2 + 1', () => {
  const model = tinyModel({ inputDim: 6, hidden: null, blocks: 1, classes: 2, seed: 1 }, 0.3, 0.1);
  const { x } = randomBatch(10, 6, 2, 1);
  const [f] = blockSpectra(model, x, { products: 'host' });
  assert.equal(f!.features, 4);
  assert.equal(f!.singularValues.length, 4);
  assert.equal(f!.gramCond, Infinity); // 10 samples, rank <= 4
  assert.ok(f!.rank <= 4);
  x.dispose();
  model.dispose();
});
