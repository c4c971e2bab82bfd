import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tidy } from '../../src/backend/index.js';
import '@tensorflow/tfjs'; // registers tfjs autodiff gradients: the test's reference only
import { RevMLP, disposeParams, halfForward, halfJvpInput, mapParams } from '../../src/model/revmlp.js';
import { fixedToHost, hostDirectionalDerivative, hostForward, paramsToHost } from '../../src/model/reference.js';
import { modelConfig } from '../../src/model/config.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, randomDirection, relErr, tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

const SHAPES = [
  { inputDim: 8, hidden: 32, blocks: 2, classes: 3 },
  { inputDim: 12, hidden: null, blocks: 3, classes: 4 },
  { inputDim: 20, hidden: 64, blocks: 3, classes: 10, activation: 'tanh' as const },
  { inputDim: 16, hidden: 24, blocks: 1, classes: 2, bias: false, firstBlockLinear: false },
];

test('inverse(forward(x)) recovers x to float32 precision, with and without bottleneck', () => {
  for (const cfg of SHAPES) {
    const model = tinyModel({ ...cfg, seed: 3 }, 0.3, 0.1);
    const { x } = randomBatch(9, cfg.inputDim, cfg.classes);
    const z = model.forward(x).z;
    const back = model.inverse(z);
    const err = relErr(back.dataSync(), x.dataSync());
    assert.ok(err < 1e-5, `shape ${JSON.stringify(cfg)}: relative error ${err}`);
    // The map is not the identity: the output moved.
    assert.ok(relErr(z.dataSync(), x.dataSync()) > 1e-2);
    tf.dispose([x, z, back]);
    model.dispose();
  }
});

test('the float32 forward pass agrees with the float64 host reference', () => {
  for (const cfg of SHAPES) {
    const model = tinyModel({ ...cfg, seed: 5 });
    const { x, xHost } = randomBatch(5, cfg.inputDim, cfg.classes);
    const z = model.forward(x).z;
    const zRef = hostForward(fixedToHost(model), paramsToHost(model.params), xHost, 5);
    assert.ok(relErr(z.dataSync(), zRef) < 1e-5);
    tf.dispose([x, z]);
    model.dispose();
  }
});

test('parameter JVP agrees with float64 central finite differences', () => {
  for (const cfg of SHAPES) {
    const model = tinyModel({ ...cfg, seed: 11 });
    const { x, xHost } = randomBatch(6, cfg.inputDim, cfg.classes);
    const dir = randomDirection(model);
    const jvp = model.jvp(x, dir);
    const fd = hostDirectionalDerivative(fixedToHost(model), paramsToHost(model.params), paramsToHost(dir), xHost, 6);
    const err = relErr(jvp.dataSync(), fd);
    assert.ok(err < 1e-4, `${JSON.stringify(cfg)}: JVP vs FD relative error ${err}`);
    disposeParams(dir);
    tf.dispose([x, jvp]);
    model.dispose();
  }
});

test('half-coupling input JVP J_f(x) v agrees with finite differences', () => {
  const model = tinyModel({ inputDim: 10, hidden: 40, blocks: 2, classes: 3, seed: 2, activation: 'tanh' });
  const { x } = randomBatch(4, 5, 3, 8);
  const { x: v } = randomBatch(4, 5, 3, 9);
  for (const l of [0, 1]) {
    const fx = model.fixed[l]!.f;
    const pr = model.params[l]!.f;
    const res = tidy(() => {
      const eps = 1e-2; // float32: tanh is smooth, a central difference with eps 1e-2 has O(eps^2) error
      const { P } = halfForward(fx, pr, x);
      const jv = halfJvpInput(fx, pr, P, v);
      const plus = halfForward(fx, pr, tf.add(x, tf.mul(v, eps)) as tf.Tensor2D).out;
      const minus = halfForward(fx, pr, tf.sub(x, tf.mul(v, eps)) as tf.Tensor2D).out;
      const fd = tf.div(tf.sub(plus, minus), 2 * eps);
      return [jv.dataSync(), fd.dataSync()] as const;
    });
    assert.ok(relErr(res[0], res[1]) < 1e-3, `block ${l}: ${relErr(res[0], res[1])}`);
  }
  tf.dispose([x, v]);
  model.dispose();
});

test('VJP is the adjoint of the JVP and matches tfjs autodiff', () => {
  const cfg = { inputDim: 8, hidden: 16, blocks: 2, classes: 3, seed: 4 };
  const model = tinyModel(cfg);
  const { x } = randomBatch(5, 8, 3);
  const { x: gz } = randomBatch(5, 8, 3, 21);
  const dir = randomDirection(model, 5);
  const { grads, gx } = model.vjp(x, gz);
  const jvp = model.jvp(x, dir);
  // <gz, J dir> == <J^T gz, dir>
  const lhs = tidy(() => tf.sum(tf.mul(gz, jvp)).dataSync()[0]!);
  let rhs = 0;
  const gHost = paramsToHost(grads);
  const dHost = paramsToHost(dir);
  for (const [name, g] of gHost) {
    const d = dHost.get(name)!;
    for (let i = 0; i < g.length; i++) rhs += g[i]! * d[i]!;
  }
  assert.ok(Math.abs(lhs - rhs) / Math.abs(lhs) < 1e-4, `adjoint identity: ${lhs} vs ${rhs}`);
  // Against tf.grads on <gz, z(theta)>.
  const flat: tf.Tensor[] = [];
  for (const bp of model.params) flat.push(bp.f.Wt, bp.f.b!, bp.g.Wt, bp.g.b!);
  const auto = tf.grads((...ts: tf.Tensor[]) => {
    const params = model.params.map((_, l) => ({
      f: { Wt: ts[4 * l] as tf.Tensor2D, b: ts[4 * l + 1] as tf.Tensor1D },
      g: { Wt: ts[4 * l + 2] as tf.Tensor2D, b: ts[4 * l + 3] as tf.Tensor1D },
    }));
    return tf.sum(tf.mul(model.forward(x, params).z, gz));
  })(flat);
  const mine: tf.Tensor[] = [];
  for (const bp of grads) mine.push(bp.f.Wt, bp.f.b!, bp.g.Wt, bp.g.b!);
  auto.forEach((a, i) => assert.ok(relErr(mine[i]!.dataSync(), a.dataSync()) < 1e-4, `gradient ${i}`));
  // Cotangent on the input against autodiff too.
  const autoX = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(model.forward(xx as tf.Tensor2D).z, gz)))(x);
  assert.ok(relErr(gx.dataSync(), autoX.dataSync()) < 1e-4);
  tf.dispose([x, gz, jvp, gx, autoX, ...auto]);
  disposeParams(grads);
  disposeParams(dir);
  model.dispose();
});

test('seeded initialization is deterministic, independent per tensor, and U is orthonormal', () => {
  const cfg = { inputDim: 16, hidden: 24, blocks: 2, classes: 5, seed: 42 };
  const a = RevMLP.init(cfg);
  const b = RevMLP.init(cfg);
  const c = RevMLP.init({ ...cfg, seed: 43 });
  const ha = paramsToHost(a.params);
  const hb = paramsToHost(b.params);
  for (const [name, v] of ha) assert.deepEqual(v, hb.get(name), name);
  assert.notDeepEqual(ha.get('blocks.0.f.W'), paramsToHost(c.params).get('blocks.0.f.W'));
  // W std ~ 1e-3, b = 0, V std ~ 1/sqrt(h).
  const w = ha.get('blocks.1.g.W')!;
  const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(std > 0.8e-3 && std < 1.2e-3, `W std ${std}`);
  assert.ok(ha.get('blocks.0.f.b')!.every((v) => v === 0));
  const V = Array.from(a.fixed[0]!.f.V!.dataSync());
  const vstd = Math.sqrt(V.reduce((s, v) => s + v * v, 0) / V.length);
  assert.ok(Math.abs(vstd * Math.sqrt(24) - 1) < 0.15, `V std ${vstd}`);
  const UtU = tidy(() => tf.matMul(a.Ut, a.U).dataSync());
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) assert.ok(Math.abs(UtU[i * 5 + j]! - (i === j ? 1 : 0)) < 1e-5);
  // Changing h does not change U (each tensor has its own stream).
  const d = RevMLP.init({ ...cfg, hidden: 40 });
  assert.deepEqual(d.U.dataSync(), a.U.dataSync());
  for (const m of [a, b, c, d]) m.dispose();
});

test('representations: 2L states of width d, the last one is the output', () => {
  const model = tinyModel({ inputDim: 8, hidden: 16, blocks: 3, classes: 2, seed: 1 });
  const { x } = randomBatch(4, 8, 2);
  const reps = model.representations(x);
  assert.equal(reps.length, 6);
  for (const r of reps) assert.deepEqual(r.shape, [4, 8]);
  const z = model.forward(x).z;
  assert.deepEqual(reps[5]!.dataSync(), z.dataSync());
  tf.dispose([x, z, ...reps]);
  model.dispose();
});

test('bad configs and inputs are rejected with the field and value', () => {
  assert.throws(() => modelConfig({ inputDim: 7, hidden: 4, blocks: 1, classes: 2 }), (e: unknown) => e instanceof ConfigError && /model.inputDim: must be even.*got 7/.test((e as Error).message));
  assert.throws(() => modelConfig({ inputDim: 8, hidden: 0, blocks: 1, classes: 2 }), /model.hidden: must be a positive integer, got 0/);
  assert.throws(() => modelConfig({ inputDim: 8, hidden: 4, blocks: 1, classes: 2, activation: 'gelu' as never }), /model.activation: unknown activation "gelu"/);
  assert.throws(() => modelConfig({ inputDim: 8, hidden: 4, blocks: 1, classes: 2, depth: 3 } as never), /model.depth: unknown key/);
  const model = RevMLP.init({ inputDim: 8, hidden: 4, blocks: 1, classes: 2 });
  const x = tf.zeros([3, 6]) as tf.Tensor2D;
  assert.throws(() => model.forward(x), /x: expected a batch of shape \[n, 8\], got \[3, 6\]/);
  x.dispose();
  model.dispose();
});

test('mapParams builds a parameter set of the same structure', () => {
  const model = RevMLP.init({ inputDim: 8, hidden: 4, blocks: 2, classes: 2, bias: false });
  const z = tidy(() => mapParams(model.params, (t) => tf.zerosLike(t)));
  assert.equal(z.length, 2);
  assert.equal(z[0]!.f.b, undefined);
  assert.deepEqual(z[1]!.g.Wt.shape, [4, 4]);
  disposeParams(z);
  model.dispose();
});
