import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import '@tensorflow/tfjs'; // registers tfjs autodiff gradients: the reference for our hand-written VJP
import { createOptimizer, lossAndGrad, optimizerConfig } from '../../src/optim/optimizers.js';
import { disposeParams, type Params } from '../../src/model/revmlp.js';
import { paramsToHost } from '../../src/model/reference.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

const CFG = { inputDim: 16, hidden: 24, blocks: 2, classes: 4, seed: 6 };

/** Mean CE through tfjs autodiff (softmaxCrossEntropy), as a reference for lossAndGrad. */
function autodiffGrads(model: ReturnType<typeof tinyModel>, x: tf.Tensor2D, labels: Int32Array): Map<string, Float64Array> {
  const flat: tf.Tensor[] = [];
  for (const bp of model.params) flat.push(bp.f.Wt, bp.f.b!, bp.g.Wt, bp.g.b!);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), model.config.classes);
  const gs = tf.grads((...ts: tf.Tensor[]) => {
    const params: Params = model.params.map((_, l) => ({
      f: { Wt: ts[4 * l] as tf.Tensor2D, b: ts[4 * l + 1] as tf.Tensor1D },
      g: { Wt: ts[4 * l + 2] as tf.Tensor2D, b: ts[4 * l + 3] as tf.Tensor1D },
    }));
    return tf.losses.softmaxCrossEntropy(y, model.logits(x, params));
  })(flat);
  const params: Params = model.params.map((_, l) => ({
    f: { Wt: gs[4 * l] as tf.Tensor2D, b: gs[4 * l + 1] as tf.Tensor1D },
    g: { Wt: gs[4 * l + 2] as tf.Tensor2D, b: gs[4 * l + 3] as tf.Tensor1D },
  }));
  const host = paramsToHost(params);
  tf.dispose([y, ...gs]);
  return host;
}

test('lossAndGrad matches tfjs autodiff of the mean cross-entropy', () => {
  const model = tinyModel(CFG, 0.2, 0.1);
  const { x, labels } = randomBatch(7, 16, 4, 3);
  const { loss, grads } = lossAndGrad(model, x, labels);
  const ref = autodiffGrads(model, x, labels);
  for (const [name, g] of paramsToHost(grads)) assert.ok(relErr(g, ref.get(name)!) < 1e-4, name);
  const refLoss = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 4), model.logits(x)).dataSync()[0]!);
  assert.ok(Math.abs(loss - refLoss) < 1e-5);
  disposeParams(grads);
  x.dispose();
  model.dispose();
});

test('SGD and Adam follow their update formulas (PyTorch semantics, weight decay included)', () => {
  for (const wd of [0, 0.01]) {
    const model = tinyModel(CFG, 0.2, 0.1);
    const { x, labels } = randomBatch(5, 16, 4, 4);
    // SGD: theta - lr (g + wd theta)
    const theta0 = paramsToHost(model.params);
    const g0 = autodiffGrads(model, x, labels);
    const sgd = createOptimizer({ name: 'sgd', lr: 0.1, weightDecay: wd });
    sgd.step(model, x, labels);
    for (const [name, v] of paramsToHost(model.params)) {
      const expect = theta0.get(name)!.map((t, i) => t - 0.1 * (g0.get(name)![i]! + wd * t));
      assert.ok(relErr(v, expect) < 1e-5, `sgd ${name}`);
    }
    // Adam: two steps against a host implementation.
    const adam = createOptimizer({ name: 'adam', lr: 1e-2, weightDecay: wd });
    const m = new Map<string, Float64Array>();
    const s = new Map<string, Float64Array>();
    for (let t = 1; t <= 2; t++) {
      const th = paramsToHost(model.params);
      const g = autodiffGrads(model, x, labels);
      adam.step(model, x, labels);
      for (const [name, v] of paramsToHost(model.params)) {
        const gi = g.get(name)!.map((gv, i) => gv + wd * th.get(name)![i]!);
        const mi = (m.get(name) ?? new Float64Array(gi.length)).map((mv, i) => 0.9 * mv + 0.1 * gi[i]!);
        const si = (s.get(name) ?? new Float64Array(gi.length)).map((sv, i) => 0.999 * sv + 0.001 * gi[i]! ** 2);
        m.set(name, mi);
        s.set(name, si);
        const expect = th.get(name)!.map((tv, i) => tv - (1e-2 * (mi[i]! / (1 - 0.9 ** t))) / (Math.sqrt(si[i]! / (1 - 0.999 ** t)) + 1e-8));
        assert.ok(relErr(v, expect) < 1e-4, `adam step ${t} ${name}: ${relErr(v, expect)}`);
      }
    }
    assert.equal(adam.steps, 2);
    sgd.dispose();
    adam.dispose();
    x.dispose();
    model.dispose();
  }
});

test('a GN step with lr moves the output by -lr * L * T to first order', () => {
  const model = tinyModel({ inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 2 }, 0.1, 0.05);
  const { x, labels } = randomBatch(6, 16, 4, 9);
  const z0 = model.forward(x).z;
  const o0 = model.logits(x).arraySync();
  const lr = 1e-3;
  const opt = createOptimizer({ name: 'gn', lr });
  const { loss, gn } = opt.step(model, x, labels);
  assert.equal(gn!.length, 2);
  const z1 = model.forward(x).z;
  // Expected change: -lr * L * (p - y) U^T.
  const expected = tf.tidy(() => {
    const p = tf.softmax(tf.tensor2d(o0));
    const e = tf.sub(p, tf.oneHot(tf.tensor1d(labels, 'int32'), 4));
    return tf.mul(tf.matMul(e, model.Ut), -lr * 2).dataSync();
  });
  const actual = tf.tidy(() => tf.sub(z1, z0).dataSync());
  assert.ok(relErr(actual, expected) < 2e-2, `realized vs predicted output change: ${relErr(actual, expected)}`);
  assert.ok(Number.isFinite(loss));
  opt.dispose();
  tf.dispose([x, z0, z1]);
  model.dispose();
});

test('no tensor leaks: the tensor count is flat over 20 GN, 20 Adam and 20 SGD steps', () => {
  const model = tinyModel({ inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 3 }, 1e-3, 0);
  const { x, labels } = randomBatch(8, 16, 4, 1);
  for (const cfg of [{ name: 'gn' as const, lr: 0.1, gn: { residual: true, spectrum: true } }, { name: 'adam' as const, lr: 1e-3, weightDecay: 1e-4 }, { name: 'sgd' as const, lr: 0.1 }]) {
    const opt = createOptimizer(cfg);
    opt.step(model, x, labels); // Adam allocates its moments on the first step
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) opt.step(model, x, labels);
    assert.equal(tf.memory().numTensors, before, `${cfg.name}: tensors ${before} -> ${tf.memory().numTensors}`);
    opt.dispose();
  }
  x.dispose();
  model.dispose();
});

test('GN reduces the loss of its own batch far more than one SGD step', () => {
  const run = (name: 'gn' | 'sgd'): number => {
    const model = tinyModel({ inputDim: 16, hidden: 64, blocks: 2, classes: 4, seed: 3 }, 1e-3, 0);
    const { x, labels } = randomBatch(8, 16, 4, 1);
    const opt = createOptimizer({ name, lr: name === 'gn' ? 0.5 : 0.1 });
    const before = opt.step(model, x, labels).loss;
    const after = lossAndGrad(model, x, labels);
    disposeParams(after.grads);
    opt.dispose();
    x.dispose();
    model.dispose();
    return (after.loss - before) / before;
  };
  const gn = run('gn');
  const sgd = run('sgd');
  assert.ok(gn < -0.3, `GN relative change ${gn}`);
  assert.ok(gn < 3 * sgd, `GN ${gn} vs SGD ${sgd}`);
});

test('optimizer configs are validated with the field and value', () => {
  assert.throws(() => optimizerConfig({ name: 'lbfgs' as never, lr: 1 }), (e: unknown) => e instanceof ConfigError && /optimizer.name: unknown optimizer "lbfgs"/.test((e as Error).message));
  assert.throws(() => optimizerConfig({ name: 'adam', lr: 0 }), /optimizer.lr: must be a finite number > 0, got 0/);
  assert.throws(() => optimizerConfig({ name: 'adam', lr: 1, gn: { rule: 'block' } }), /optimizer.gn: GN options only apply/);
  assert.throws(() => optimizerConfig({ name: 'gn', lr: 1, gn: { pinv: 'svd' as never } }), /optimizer.gn.pinv: unknown value "svd"/);
  assert.throws(() => optimizerConfig({ name: 'sgd', lr: 1, momentum: 0.9 } as never), /optimizer.momentum: unknown key/);
});
