import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { functionSpaceTarget, gnOptions, gnUpdate } from '../../src/gn/step.js';
import { disposeParams, forEachParam, mapParams, type Params, type RevMLP } from '../../src/model/revmlp.js';
import { fixedToHost, hostDirectionalDerivative, hostForward, hostLogits, axpyHost, paramsToHost, type HostParams } from '../../src/model/reference.js';
import { ConfigError, NumericalError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

/** T = (softmax(o) - y) U^T computed on the host, independently of the GN code. */
function referenceTarget(model: RevMLP, xHost: Float32Array, labels: Int32Array, n: number): Float64Array {
  const fixed = fixedToHost(model);
  const o = hostLogits(fixed, hostForward(fixed, paramsToHost(model.params), xHost, n), n);
  const { inputDim: d, classes: k } = model.config;
  const T = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, o[r * k + c]!);
    let s = 0;
    const p = new Float64Array(k);
    for (let c = 0; c < k; c++) s += p[c] = Math.exp(o[r * k + c]! - max);
    for (let c = 0; c < k; c++) {
      const e = p[c]! / s - (labels[r] === c ? 1 : 0);
      for (let i = 0; i < d; i++) T[r * d + i] = T[r * d + i]! + e * fixed.U[i * k + c]!;
    }
  }
  return T;
}

/** Host copy of the update restricted to one block (other blocks zero). */
function onlyBlock(update: HostParams, l: number): HostParams {
  const out: HostParams = new Map();
  for (const [name, v] of update) out.set(name, name.startsWith(`blocks.${l}.`) ? v : new Float64Array(v.length));
  return out;
}

const CASES = [
  { name: 'near init (W ~ 1e-3)', wStd: 1e-3, bStd: 0 },
  { name: 'large weights (W ~ 0.3)', wStd: 0.3, bStd: 0.1 },
];

test('exactness: each block realizes the target T (float64 finite differences, independent of the GN code)', () => {
  const n = 6;
  for (const c of CASES) {
    for (const cfg of [
      { inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 1 }, // block 1 linear: rank <= 9 >= n
      { inputDim: 12, hidden: 48, blocks: 3, classes: 3, seed: 2, activation: 'tanh' as const },
      { inputDim: 16, hidden: null, blocks: 2, classes: 4, seed: 3, firstBlockLinear: false },
      // No bottleneck and a linear first block: P is the block input itself and S = P, so the kept
      // forward features share tensors across blocks (a regression: they were disposed too early).
      { inputDim: 16, hidden: null, blocks: 3, classes: 4, seed: 4 },
    ]) {
      const model = tinyModel(cfg, c.wStd, c.bStd);
      const { x, xHost, labels } = randomBatch(n, cfg.inputDim, cfg.classes, 17);
      const { update, blocks } = gnUpdate(model, x, labels, { residual: true });
      const T = referenceTarget(model, xHost, labels, n);
      const upd = paramsToHost(update);
      const theta = paramsToHost(model.params);
      const fixed = fixedToHost(model);
      for (let l = 0; l < cfg.blocks; l++) {
        assert.equal(blocks[l]!.exact, true, `${c.name} ${JSON.stringify(cfg)} block ${l} should have full rank`);
        const dz = hostDirectionalDerivative(fixed, theta, onlyBlock(upd, l), xHost, n, 1e-5);
        const err = relErr(dz, T);
        assert.ok(err < 1e-3, `${c.name} ${JSON.stringify(cfg)} block ${l}: |J_l dTheta_l - T|/|T| = ${err}`);
        assert.ok(blocks[l]!.residual! < 1e-3, `in-library residual ${blocks[l]!.residual}`);
      }
      disposeParams(update);
      x.dispose();
      model.dispose();
    }
  }
});

/** Explicit parameter Jacobian [n*d, P] by float64 central differences, one column per parameter. */
function explicitJacobian(model: RevMLP, xHost: Float32Array, n: number): { J: Float64Array[]; names: [string, number][] } {
  const fixed = fixedToHost(model);
  const theta = paramsToHost(model.params);
  const cols: Float64Array[] = [];
  const names: [string, number][] = [];
  for (const [name, v] of theta) {
    for (let i = 0; i < v.length; i++) {
      const e: HostParams = new Map([[name, Object.assign(new Float64Array(v.length), { [i]: 1 })]]);
      cols.push(hostDirectionalDerivative(fixed, theta, e, xHost, n, 1e-6));
      names.push([name, i]);
    }
  }
  return { J: cols, names };
}

test('brute force: explicit Jacobian times the full update equals L * T; the rules agree near init and differ at large weights', () => {
  const n = 6;
  const cfg = { inputDim: 8, hidden: 32, blocks: 2, classes: 3, seed: 5, firstBlockLinear: false };
  const relDiffs: number[] = [];
  for (const c of CASES) {
    const model = tinyModel(cfg, c.wStd, c.bStd);
    const { x, xHost, labels } = randomBatch(n, 8, 3, 23);
    const { J, names } = explicitJacobian(model, xHost, n);
    assert.equal(J.length, 2 * 2 * (4 * 32 + 4));
    const T = referenceTarget(model, xHost, labels, n);
    const results: Record<string, HostParams> = {};
    for (const rule of ['block', 'half-coupling'] as const) {
      const { update } = gnUpdate(model, x, labels, { rule });
      results[rule] = paramsToHost(update);
      disposeParams(update);
    }
    const jdt = (u: HostParams): Float64Array => {
      const out = new Float64Array(n * 8);
      names.forEach(([name, i], col) => {
        const a = u.get(name)![i]!;
        const Jc = J[col]!;
        for (let r = 0; r < out.length; r++) out[r] = out[r]! + Jc[r]! * a;
      });
      return out;
    };
    const LT = T.map((v) => v * cfg.blocks);
    const errBlock = relErr(jdt(results.block!), LT);
    assert.ok(errBlock < 1e-3, `${c.name}: |J dTheta - L T| / |L T| = ${errBlock}`);
    const errHc = relErr(jdt(results['half-coupling']!), LT);
    const flat = (u: HostParams): number[] => [...u.values()].flatMap((v) => [...v]);
    const diff = relErr(flat(results['half-coupling']!), flat(results.block!));
    relDiffs.push(diff);
    if (c.wStd < 0.01) {
      assert.ok(diff < 1e-2, `near init the rules should agree, relative difference ${diff}`);
      assert.ok(errHc < 1e-2, `near init the paper-era rule is nearly exact too: ${errHc}`);
    } else {
      assert.ok(diff > 0.05, `at large weights the rules should differ, relative difference ${diff}`);
      assert.ok(errHc > 10 * errBlock, `at large weights the paper-era rule misses L*T: ${errHc} vs ${errBlock}`);
    }
    x.dispose();
    model.dispose();
  }
  assert.ok(relDiffs[1]! > 10 * relDiffs[0]!);
});

test('a linear first block with n > d/2 + 1 is reported as not exact; later blocks still are', () => {
  const model = tinyModel({ inputDim: 8, hidden: 32, blocks: 2, classes: 3, seed: 9 }, 0.3, 0.1);
  const { x, labels } = randomBatch(8, 8, 3, 3);
  const { update, blocks } = gnUpdate(model, x, labels, { residual: true });
  assert.equal(blocks[0]!.exact, false);
  assert.ok(blocks[0]!.f.rank <= 5, `rank of [X2 V^T, 1] is at most d/2 + 1 = 5, got ${blocks[0]!.f.rank}`);
  assert.equal(blocks[1]!.exact, true);
  assert.ok(blocks[1]!.residual! < 1e-3);
  assert.ok(blocks[0]!.residual! > 1e-2);
  disposeParams(update);
  x.dispose();
  assert.throws(
    () => gnUpdate(model, tf.tensor2d(new Float32Array(8 * 8).map((_, i) => Math.sin(i)), [8, 8]), labels, { pinv: 'none' }),
    (e: unknown) => e instanceof NumericalError && /block 0 f/.test((e as Error).message) && /truncated|damped/.test((e as Error).message),
  );
  model.dispose();
});

test('function-space targets: H e = p - y (ce-hessian), (H + lambda I) e = p - y (ce-damped), mse', () => {
  const n = 3;
  const k = 4;
  const logits = new Float64Array([0.1, -1, 2, 0.5, 1, 1, 1, 1, -3, 0, 4, 1]);
  const labels = new Int32Array([2, 0, 1]);
  const idt = functionSpaceTarget(logits, labels, n, k, 'ce-identity');
  const hes = functionSpaceTarget(logits, labels, n, k, 'ce-hessian');
  const lam = 0.05;
  const dmp = functionSpaceTarget(logits, labels, n, k, 'ce-damped', lam);
  const mse = functionSpaceTarget(logits, labels, n, k, 'mse');
  for (let r = 0; r < n; r++) {
    const row = [...logits.slice(r * k, r * k + k)];
    const m = Math.max(...row);
    const ex = row.map((v) => Math.exp(v - m));
    const s = ex.reduce((a, b) => a + b);
    const p = ex.map((v) => v / s);
    const res = p.map((pc, c) => pc - (labels[r] === c ? 1 : 0));
    const He = (e: ArrayLike<number>, l: number): number[] => {
      const pe = p.reduce((acc, pc, c) => acc + pc * e[c]!, 0);
      return p.map((pc, c) => pc * e[c]! - pc * pe + l * e[c]!);
    };
    const eh = hes.slice(r * k, r * k + k);
    const ed = dmp.slice(r * k, r * k + k);
    He(eh, 0).forEach((v, c) => assert.ok(Math.abs(v - res[c]!) < 1e-12, `H e = p - y, row ${r}`));
    assert.ok(Math.abs(eh.reduce((a, b) => a + b)) < 1e-12, 'pseudo-inverse solution is orthogonal to the null space 1');
    He(ed, lam).forEach((v, c) => assert.ok(Math.abs(v - res[c]!) < 1e-12, `(H + lambda I) e = p - y, row ${r}`));
    res.forEach((v, c) => assert.ok(Math.abs(idt[r * k + c]! - v) < 1e-15));
    row.forEach((v, c) => assert.equal(mse[r * k + c], v - (labels[r] === c ? 1 : 0)));
  }
});

test('every target kind and pinv method runs; mean scaling divides by L; transpose is the gradient direction', () => {
  const model = tinyModel({ inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 4 }, 0.1, 0.05);
  const { x, labels } = randomBatch(6, 16, 4, 5);
  const base = gnUpdate(model, x, labels);
  for (const target of ['ce-hessian', 'ce-damped', 'mse'] as const) {
    const { update } = gnUpdate(model, x, labels, { target });
    forEachParam(update, (name, t) => assert.ok(tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]) === 1, `${target} ${name}`));
    disposeParams(update);
  }
  const mean = gnUpdate(model, x, labels, { scaling: 'mean' });
  const a = paramsToHost(base.update);
  const b = paramsToHost(mean.update);
  for (const [name, v] of a) assert.ok(relErr(b.get(name)!.map((u) => u * 2), v) < 1e-6, name);
  for (const pinv of ['none', 'damped', 'transpose'] as const) {
    const { update, blocks } = gnUpdate(model, x, labels, { pinv, damping: 1e-2 });
    assert.equal(blocks[1]!.f.method.split('/')[0], pinv);
    disposeParams(update);
  }
  // transpose: dTheta_f of the last block = A^T t1, i.e. the gradient of <t1, A Theta>, which for the
  // last block's f is (up to the 1/n factor) the CE gradient direction w.r.t. W_f when g is ~0.
  disposeParams(base.update);
  disposeParams(mean.update);
  x.dispose();
  model.dispose();
});

test('GN options and labels are validated', () => {
  assert.throws(() => gnOptions({ rule: 'blockwise' as never }), (e: unknown) => e instanceof ConfigError && /gn.rule: unknown value "blockwise"; use one of block, half-coupling/.test((e as Error).message));
  assert.throws(() => gnOptions({ rtol: -1 }), /gn.rtol: must be a finite number >= 0, got -1/);
  assert.throws(() => gnOptions({ damping: 0 }), /gn.damping: must be a finite number > 0/);
  assert.throws(() => gnOptions({ lr: 1 } as never), /gn.lr: unknown key/);
  const model = tinyModel({ inputDim: 8, hidden: 8, blocks: 1, classes: 3, seed: 1 });
  const { x } = randomBatch(4, 8, 3);
  assert.throws(() => gnUpdate(model, x, new Int32Array([0, 1, 2, 3])), /labels: label 3 at row 3 is out of range \[0, 3\)/);
  assert.throws(() => gnUpdate(model, x, new Int32Array([0, 1])), /labels: expected 4 labels/);
  x.dispose();
  model.dispose();
});

test('no bottleneck with a linear first block: steps run, with and without kept activations, and leak nothing', () => {
  const saved = process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
  try {
    for (const budget of ['0', '1024']) {
      process.env.EXACT_GN_KEEP_ACTIVATIONS_MB = budget;
      const model = tinyModel({ inputDim: 16, hidden: null, blocks: 3, classes: 4, seed: 6 }, 0.1, 0.05);
      const { x, labels } = randomBatch(6, 16, 4, 12);
      const first = gnUpdate(model, x, labels, { residual: true });
      disposeParams(first.update);
      const before = tf.memory().numTensors;
      const again = gnUpdate(model, x, labels, { residual: true });
      disposeParams(again.update);
      assert.equal(tf.memory().numTensors, before, `budget ${budget} MB`);
      for (const b of again.blocks) assert.ok(b.residual! < 1e-3, `budget ${budget}: block ${b.block} residual ${b.residual}`);
      x.dispose();
      model.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
    else process.env.EXACT_GN_KEEP_ACTIVATIONS_MB = saved;
  }
});

test('the update is deterministic and does not leak tensors', () => {
  const model = tinyModel({ inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 8 });
  const { x, labels } = randomBatch(6, 16, 4, 2);
  const first = gnUpdate(model, x, labels, { residual: true, spectrum: true });
  const before = tf.memory().numTensors;
  const second = gnUpdate(model, x, labels, { residual: true, spectrum: true });
  let count = 0;
  forEachParam(second.update, () => count++);
  assert.equal(tf.memory().numTensors, before + count);
  const a = paramsToHost(first.update);
  for (const [name, v] of paramsToHost(second.update)) assert.deepEqual(v, a.get(name));
  assert.equal(first.blocks[0]!.f.spectrum!.length, 6);
  disposeParams(first.update);
  disposeParams(second.update);
  x.dispose();
  model.dispose();
});

void axpyHost;
void mapParams;
export type { Params };
