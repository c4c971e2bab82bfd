import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import type { RevMLP } from '../../src/model/revmlp.js';
import { empiricalNtk, jacobianProbeSimilarity, ntkProbe, ntkProbeProducts, ntkProbeSimilarity, randomProbe, outputProjection } from '../../src/metrics/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';
import { bruteForceJacobian, column, matmul, projectJacobian, transposeDense, type Dense } from './jacobian.js';

before(async () => {
  await setupBackend();
});

const CONFIGS = [
  { inputDim: 6, hidden: 8, blocks: 2, classes: 3, seed: 1 },
  { inputDim: 8, hidden: null, blocks: 2, classes: 4, seed: 2, activation: 'tanh' as const },
];
const N = 4;

interface Fixture {
  model: RevMLP;
  x: tf.Tensor2D;
  J: Dense;
  U: Float32Array;
  d: number;
  k: number;
}

function fixture(cfg: (typeof CONFIGS)[number], seed = 5): Fixture {
  const model = tinyModel(cfg, 0.3, 0.1);
  const { x, xHost } = randomBatch(N, cfg.inputDim, cfg.classes, seed);
  const J = bruteForceJacobian(model, xHost, N);
  return { model, x, J, U: Float32Array.from(model.U.dataSync()), d: cfg.inputDim, k: cfg.classes };
}

function release(f: Fixture): void {
  f.model.dispose();
  f.x.dispose();
}

test('ntkProbe equals J (J^T v) from a brute-force float64 Jacobian, z and logits outputs', () => {
  for (const cfg of CONFIGS) {
    const f = fixture(cfg);
    const before = tf.memory().numTensors;
    for (const output of ['z', 'logits'] as const) {
      const v = randomProbe(f.model, N, { output, seed: 3 });
      const vHost = column(v.dataSync());
      const Jo = output === 'z' ? f.J : projectJacobian(f.J, f.U, N, f.d, f.k);
      const jtv = matmul(transposeDense(Jo), vHost);
      const expected = matmul(Jo, jtv).data;
      const { ntk, jtv: got } = ntkProbeProducts(f.model, f.x, v, { output });
      assert.equal(ntk.length, N * (output === 'z' ? f.d : f.k));
      const err = relErr(ntk, expected);
      assert.ok(err < 1e-4, `${JSON.stringify(cfg)} ${output}: Theta v relative error ${err}`);
      const errJ = relErr(got, jtv.data);
      assert.ok(errJ < 1e-4, `${JSON.stringify(cfg)} ${output}: J^T v relative error ${errJ}`);
      assert.deepEqual(ntkProbe(f.model, f.x, v, { output }), ntk);
      v.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'ntkProbe leaked tensors');
    release(f);
  }
});

test('probe similarities: 1 against itself, and the cosine of the brute-force products between two models', () => {
  const cfg = CONFIGS[0]!;
  const a = fixture(cfg);
  const b = tinyModel({ ...cfg, seed: cfg.seed }, 0.5, 0.2); // same fixed V, U; other trained weights
  const { xHost } = randomBatch(N, cfg.inputDim, cfg.classes, 5);
  const Jb = bruteForceJacobian(b, xHost, N);
  const v = randomProbe(a.model, N, { seed: 9 });
  const vHost = column(v.dataSync());
  const ta = matmul(a.J, matmul(transposeDense(a.J), vHost)).data;
  const tb = matmul(Jb, matmul(transposeDense(Jb), vHost)).data;
  const cos = (p: ArrayLike<number>, q: ArrayLike<number>): number => {
    let pq = 0, pp = 0, qq = 0;
    for (let i = 0; i < p.length; i++) {
      pq += p[i]! * q[i]!;
      pp += p[i]! ** 2;
      qq += q[i]! ** 2;
    }
    return pq / Math.sqrt(pp * qq);
  };
  const before = tf.memory().numTensors;
  assert.ok(Math.abs(ntkProbeSimilarity(a.model, a.model, a.x, v) - 1) < 1e-6);
  assert.ok(Math.abs(jacobianProbeSimilarity(a.model, a.model, a.x, v) - 1) < 1e-6);
  const sim = ntkProbeSimilarity(a.model, b, a.x, v);
  assert.ok(Math.abs(sim - cos(ta, tb)) < 1e-5, `NTK probe similarity ${sim} vs brute force ${cos(ta, tb)}`);
  assert.ok(sim < 0.999, 'the two models should have different kernels');
  const jsim = jacobianProbeSimilarity(a.model, b, a.x, v);
  const ja = matmul(transposeDense(a.J), vHost).data;
  const jb = matmul(transposeDense(Jb), vHost).data;
  assert.ok(Math.abs(jsim - cos(ja, jb)) < 1e-5, `Jacobian probe similarity ${jsim} vs ${cos(ja, jb)}`);
  assert.equal(tf.memory().numTensors, before, 'similarities leaked tensors');
  v.dispose();
  b.dispose();
  release(a);
});

test('empiricalNtk equals the explicit J J^T (z unprojected, z projected, logits), sample-major', () => {
  for (const cfg of CONFIGS) {
    const f = fixture(cfg);
    const cases = [
      { output: 'z' as const, zProjection: 'none' as const, m: f.d },
      { output: 'z' as const, zProjection: 3, m: 3 },
      { output: 'logits' as const, m: f.k },
    ];
    for (const c of cases) {
      const before = tf.memory().numTensors;
      const res = empiricalNtk(f.model, f.x, c);
      assert.equal(tf.memory().numTensors, before, 'empiricalNtk leaked tensors');
      assert.equal(res.size, N * c.m);
      assert.equal(res.width, c.m);
      const M = c.output === 'logits' ? f.U : res.projection;
      const Jo = projectJacobian(f.J, M, N, f.d, c.m);
      const expected = matmul(Jo, transposeDense(Jo)).data;
      const err = relErr(res.kernel, expected);
      assert.ok(err < 1e-4, `${JSON.stringify(cfg)} ${JSON.stringify(c)}: kernel relative error ${err}`);
    }
    release(f);
  }
});

test('the z projection has orthonormal columns, is seeded, and bad sizes are rejected', () => {
  const model = tinyModel(CONFIGS[0]!);
  const { data, width } = outputProjection(model, { output: 'z', zProjection: 4, projectionSeed: 7 });
  const d = 6;
  for (let a = 0; a < width; a++) {
    for (let b = 0; b < width; b++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += data[i * width + a]! * data[i * width + b]!;
      assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-6);
    }
  }
  assert.deepEqual(outputProjection(model, { output: 'z', zProjection: 4, projectionSeed: 7 }).data, data);
  assert.notDeepEqual(outputProjection(model, { output: 'z', zProjection: 4, projectionSeed: 8 }).data, data);
  assert.throws(() => outputProjection(model, { output: 'z', zProjection: 7 }), ConfigError);
  const { x } = randomBatch(3, 6, 3);
  const wrong = tf.zeros([3, 5]) as tf.Tensor2D;
  assert.throws(() => ntkProbe(model, x, wrong), (e: unknown) => e instanceof ConfigError && /\[3, 6\]/.test(e.message));
  tf.dispose([x, wrong]);
  model.dispose();
});
