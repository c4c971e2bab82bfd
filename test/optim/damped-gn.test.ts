import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { createOptimizer, optimizerConfig, type StepResult } from '../../src/optim/optimizers.js';
import { adaptLambda, predictedReduction, DEFAULT_DAMPED_GN, type DampedGNOptions } from '../../src/optim/damped-gn.js';
import { fixedToHost, hostDirectionalDerivative, hostForward, hostLogits, paramsToHost, type HostFixed, type HostParams } from '../../src/model/reference.js';
import type { RevMLP } from '../../src/model/revmlp.js';
import type { UpdateRule } from '../../src/gn/step.js';
import { ConfigError } from '../../src/util/errors.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';
import { denseSolve, meanCe64, realizedSteps, softmax64, zAfter } from './brute.js';

before(async () => {
  await setupBackend();
});

// Every block ReLU, so the second block alone is a one-block RevMLP (used for dz/dy of block 1).
const CFG = { inputDim: 6, hidden: 5, blocks: 2, classes: 3, seed: 4, firstBlockLinear: false };
const N = 4;

/** Block `from` and later as a network of their own (parameters and V renamed to start at block 0). */
function tail(fixed: HostFixed, theta: HostParams, from: number): { fixed: HostFixed; theta: HostParams } {
  const rename = <T>(m: Map<string, T>): Map<string, T> => {
    const out = new Map<string, T>();
    for (const [k, v] of m) {
      const l = Number(k.split('.')[1]);
      if (l >= from) out.set(k.replace(`blocks.${l}.`, `blocks.${l - from}.`), v);
    }
    return out;
  };
  return { fixed: { ...fixed, config: { ...fixed.config, blocks: fixed.config.blocks - from }, V: rename(fixed.V) }, theta: rename(theta) };
}

/** Explicit Jacobian of the block-l output y_l (n x d) w.r.t. Theta of half `side` (columns j m + c), by central differences. */
function blockJacobian(fixed: HostFixed, theta: HostParams, xHost: Float32Array, l: number, side: 'f' | 'g'): Float64Array {
  const h = CFG.hidden;
  const m = CFG.inputDim / 2;
  const p = h + 1;
  const rows = N * CFG.inputDim;
  const J = new Float64Array(rows * p * m);
  const eps = 1e-6;
  for (let j = 0; j < p; j++) {
    for (let c = 0; c < m; c++) {
      const name = j < h ? `blocks.${l}.${side}.W` : `blocks.${l}.${side}.b`;
      const idx = j < h ? c * h + j : c;
      const shift = (s: number): HostParams => {
        const out = new Map(theta);
        const v = Float64Array.from(theta.get(name)!);
        v[idx] = v[idx]! + s;
        out.set(name, v);
        return out;
      };
      const zp = zAfter(fixed, shift(eps), xHost, N, l + 1);
      const zm = zAfter(fixed, shift(-eps), xHost, N, l + 1);
      for (let r = 0; r < rows; r++) J[r * p * m + j * m + c] = (zp[r]! - zm[r]!) / (2 * eps);
    }
  }
  return J;
}

/** x = (J_S^T J_S + lambda I)^{-1} J_S^T t over the rows S of J (explicit damped normal equations). */
function dampedLsq(J: Float64Array, cols: number, rowsSel: number[], t: Float64Array, lambda: number): Float64Array {
  const M = new Float64Array(cols * cols);
  const rhs = new Float64Array(cols);
  for (const r of rowsSel) {
    for (let a = 0; a < cols; a++) {
      const ja = J[r * cols + a]!;
      rhs[a] = rhs[a]! + ja * t[r]!;
      for (let b = 0; b < cols; b++) M[a * cols + b] = M[a * cols + b]! + ja * J[r * cols + b]!;
    }
  }
  for (let a = 0; a < cols; a++) M[a * cols + a] = M[a * cols + a]! + lambda;
  return denseSolve(M, rhs, cols);
}

/**
 * The damped GN step by brute force: T = (p - y) U^T; block l's tangent t_l = (dz/dy_l)^{-1} T per sample
 * (explicit d x d Jacobian of the later blocks); dTheta_f, dTheta_g from the explicit Jacobians of y_l.
 */
function bruteDampedStep(model: RevMLP, xHost: Float32Array, labels: Int32Array, lambda: number, rule: UpdateRule): Float64Array[] {
  const fixed = fixedToHost(model);
  const theta = paramsToHost(model.params);
  const d = CFG.inputDim;
  const k = CFG.classes;
  const m = d / 2;
  const pm = (CFG.hidden + 1) * m;
  const prob = softmax64(hostLogits(fixed, hostForward(fixed, theta, xHost, N), N), N, k);
  const T = new Float64Array(N * d);
  for (let r = 0; r < N; r++) for (let i = 0; i < d; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += (prob[r * k + c]! - (labels[r] === c ? 1 : 0)) * fixed.U[i * k + c]!;
    T[r * d + i] = s;
  }
  const out: Float64Array[] = [];
  for (let l = 0; l < CFG.blocks; l++) {
    let t = T;
    if (l < CFG.blocks - 1) {
      const tl = tail(fixed, theta, l + 1);
      const y = zAfter(fixed, theta, xHost, N, l + 1);
      const M = new Float64Array(N * d * d); // per sample, M[r][i][j] = dz_i / dy_j
      for (let j = 0; j < d; j++) {
        const yp = Float64Array.from(y);
        const ym = Float64Array.from(y);
        for (let r = 0; r < N; r++) {
          yp[r * d + j] = yp[r * d + j]! + 1e-6;
          ym[r * d + j] = ym[r * d + j]! - 1e-6;
        }
        const zp = hostForward(tl.fixed, tl.theta, yp, N);
        const zm = hostForward(tl.fixed, tl.theta, ym, N);
        for (let r = 0; r < N; r++) for (let i = 0; i < d; i++) M[r * d * d + i * d + j] = (zp[r * d + i]! - zm[r * d + i]!) / 2e-6;
      }
      t = new Float64Array(N * d);
      for (let r = 0; r < N; r++) t.set(denseSolve(M.subarray(r * d * d, (r + 1) * d * d), T.subarray(r * d, (r + 1) * d), d), r * d);
    }
    const Jf = blockJacobian(fixed, theta, xHost, l, 'f');
    const Jg = blockJacobian(fixed, theta, xHost, l, 'g');
    const rows1: number[] = [];
    const rows2: number[] = [];
    for (let r = 0; r < N; r++) for (let i = 0; i < d; i++) (i < m ? rows1 : rows2).push(r * d + i);
    // dTheta_f: damped least squares on y1 = x1 + f(x2), whose Jacobian is A_1 ⊗ I.
    const dF = dampedLsq(Jf, pm, rows1, t, lambda);
    // dTheta_g on y2 = x2 + g(y1): the target t2, minus (block rule) what dTheta_f already moved y2 by.
    const rhs = Float64Array.from(t);
    if (rule === 'block') {
      for (const r of rows2) {
        let s = 0;
        for (let a = 0; a < pm; a++) s += Jf[r * pm + a]! * dF[a]!;
        rhs[r] = rhs[r]! - s;
      }
    }
    const dG = dampedLsq(Jg, pm, rows2, rhs, lambda);
    out.push(dF, dG);
  }
  return out;
}

for (const rule of ['block', 'half-coupling'] as const) {
  test(`damped GN step = explicit damped solves on explicit Jacobians (float64 brute force), rule ${rule}`, () => {
    const model = tinyModel(CFG, 0.3, 0.1);
    const { xHost, x, labels } = randomBatch(N, CFG.inputDim, CFG.classes, 17);
    const lambda = 0.3;
    const expect = bruteDampedStep(model, xHost, labels, lambda, rule);
    const undamped = bruteDampedStep(model, xHost, labels, 1e-9, rule);
    const lr = 0.05;
    const opt = createOptimizer({ name: 'damped-gn', lr, gn: { damping: lambda, rule }, lm: { adapt: 'fixed' } });
    const before = paramsToHost(model.params);
    const res = opt.step(model, x, labels);
    const got = realizedSteps(before, model, lr);
    got.forEach((g, i) => {
      assert.ok(relErr(g, expect[i]!) < 1e-4, `half ${i}: relative error ${relErr(g, expect[i]!)}`);
      assert.ok(relErr(expect[i]!, undamped[i]!) > 1e-2, `half ${i}: the damping changes the step (${relErr(expect[i]!, undamped[i]!)})`);
    });
    assert.equal(res.lm!.lambda, Math.fround(lambda));
    assert.equal(res.lm!.nextLambda, Math.fround(lambda), 'fixed lambda stays');
    assert.ok(res.gn!.every((b) => !b.exact), 'damped blocks are never reported exact');
    x.dispose();
    opt.dispose();
    model.dispose();
  });
}

/** Brute-force predicted and actual reduction of the realized step theta_after - theta_before. */
function bruteGain(model: RevMLP, before: HostParams, xHost: Float32Array, labels: Int32Array, hessian: 'identity' | 'ce'): { predicted: number; actual: number } {
  const fixed = fixedToHost(model);
  const after = paramsToHost(model.params);
  const delta: HostParams = new Map([...after].map(([k, v]) => [k, v.map((a, i) => a - before.get(k)![i]!)]));
  const k = CFG.classes;
  const o0 = hostLogits(fixed, hostForward(fixed, before, xHost, N), N);
  const o1 = hostLogits(fixed, hostForward(fixed, after, xHost, N), N);
  const dO = hostLogits(fixed, hostDirectionalDerivative(fixed, before, delta, xHost, N), N);
  const p = softmax64(o0, N, k);
  let lin = 0;
  let quad = 0;
  for (let r = 0; r < N; r++) {
    for (let i = 0; i < k; i++) {
      lin += (p[r * k + i]! - (labels[r] === i ? 1 : 0)) * dO[r * k + i]!;
      for (let j = 0; j < k; j++) {
        const H = hessian === 'identity' ? (i === j ? 1 : 0) : (i === j ? p[r * k + i]! : 0) - p[r * k + i]! * p[r * k + j]!;
        quad += dO[r * k + i]! * H * dO[r * k + j]!;
      }
    }
  }
  return { predicted: -(lin / N + quad / (2 * N)), actual: meanCe64(o0, labels, N, k) - meanCe64(o1, labels, N, k) };
}

for (const target of ['ce-identity', 'ce-hessian'] as const) {
  test(`gain ratio: predicted (explicit quadratic model) and actual reduction by brute force, lambda follows the rule (${target})`, () => {
    const model = tinyModel(CFG, 0.3, 0.1);
    const opt = createOptimizer({ name: 'damped-gn', lr: 0.5, weightDecay: 0.01, gn: { damping: 1, target }, lm: {} });
    let lambda = Math.fround(1);
    for (let s = 0; s < 3; s++) {
      const { xHost, x, labels } = randomBatch(N, CFG.inputDim, CFG.classes, 40 + s);
      const before = paramsToHost(model.params);
      const { lm } = opt.step(model, x, labels) as Required<StepResult>;
      const b = bruteGain(model, before, xHost, labels, target === 'ce-identity' ? 'identity' : 'ce');
      assert.ok(Math.abs(lm.predicted - b.predicted) < 1e-4 * Math.abs(b.predicted) + 1e-7, `predicted ${lm.predicted} vs ${b.predicted}`);
      assert.ok(Math.abs(lm.actual - b.actual) < 1e-4 * Math.abs(b.actual) + 1e-6, `actual ${lm.actual} vs ${b.actual}`);
      assert.ok(Math.abs(lm.rho - b.actual / b.predicted) < 1e-3 * Math.abs(lm.rho) + 1e-4, `rho ${lm.rho}`);
      assert.equal(lm.lambda, lambda);
      lambda = adaptLambda(lambda, lm.rho, DEFAULT_DAMPED_GN);
      assert.equal(lm.nextLambda, lambda);
      x.dispose();
    }
    opt.dispose();
    model.dispose();
  });
}

test('the gain-ratio rule on hand-made ratios: shrink above 3/4, grow below 1/4 (NaN and -Infinity too), keep between, clamp, float32', () => {
  const o = DEFAULT_DAMPED_GN;
  const cases: [number, number, number][] = [
    // lambda, rho, expected
    [1, 0.9, 2 / 3],
    [1, 0.76, 2 / 3],
    [1, 0.75, 1],
    [1, 0.5, 1],
    [1, 0.25, 1],
    [1, 0.2, 1.5],
    [1, -3, 1.5],
    [1, -Infinity, 1.5],
    [1, NaN, 1.5],
    [1, 12, 2 / 3],
    [1.2e-8, 0.9, 1e-8],
    [9e7, 0, 1e8],
  ];
  for (const [lambda, rho, want] of cases) assert.equal(adaptLambda(lambda, rho, o), Math.fround(want), `lambda ${lambda}, rho ${rho}`);
  const custom: Pick<DampedGNOptions, 'lower' | 'upper' | 'decrease' | 'increase' | 'min' | 'max'> = { lower: 0.1, upper: 0.9, decrease: 0.1, increase: 10, min: 1e-3, max: 1e3 };
  assert.equal(adaptLambda(1, 0.95, custom), Math.fround(0.1));
  assert.equal(adaptLambda(1, 0.05, custom), 10);
  assert.equal(adaptLambda(1, 0.5, custom), 1);
  // predictedReduction: for dO = -a r with the identity model, pred = (a - a^2 / 2) |r|^2 / n.
  const logits = [0.2, -0.1, 0.5, 1, 0, -1];
  const labels = [2, 0];
  const p = softmax64(Float64Array.from(logits), 2, 3);
  const r = Array.from(p, (v, i) => v - (labels[Math.floor(i / 3)] === i % 3 ? 1 : 0));
  const rr = r.reduce((s, v) => s + v * v, 0);
  for (const a of [0.1, 1, 2]) {
    const pred = predictedReduction(logits, labels, r.map((v) => -a * v), 2, 3, 'identity');
    assert.ok(Math.abs(pred - (a - a * a / 2) * rr / 2) < 1e-12, `a = ${a}`);
  }
});

test('lm.reject undoes a step that raised the batch loss, and lambda grows', () => {
  const model = tinyModel(CFG, 0.3, 0.1);
  const { x, labels } = randomBatch(N, CFG.inputDim, CFG.classes, 50);
  // A weight decay far too large flips the weights (theta - lr (dTheta + 30 theta)): the loss goes up.
  const opt = createOptimizer({ name: 'damped-gn', lr: 1, weightDecay: 30, gn: { damping: 1e-3 }, lm: { reject: true } });
  const before = paramsToHost(model.params);
  const { lm } = opt.step(model, x, labels) as Required<StepResult>;
  assert.ok(lm.actual < 0, `the step raised the loss (actual ${lm.actual})`);
  assert.equal(lm.rejected, true);
  for (const [name, v] of paramsToHost(model.params)) assert.deepEqual(v, before.get(name), `${name} restored`);
  assert.equal(lm.nextLambda, Math.fround(1.5e-3));
  // A good step is kept.
  const small = createOptimizer({ name: 'damped-gn', lr: 0.01, gn: { damping: 1e-3 }, lm: { reject: true } });
  const res = small.step(model, x, labels) as Required<StepResult>;
  assert.equal(res.lm.rejected, false);
  assert.ok(res.lm.actual > 0);
  x.dispose();
  model.dispose();
});

test('damped GN state round trip: lambda restored exactly, the run continues bit for bit; tensor count flat across steps', () => {
  const batches = [0, 1, 2, 3, 4, 5].map((s) => randomBatch(N, CFG.inputDim, CFG.classes, 60 + s));
  const m1 = tinyModel(CFG, 0.3, 0.1);
  const cfg = { name: 'damped-gn' as const, lr: 0.5, gn: { damping: 0.7 } };
  const o1 = createOptimizer(cfg);
  const counts: number[] = [];
  for (let t = 0; t < 3; t++) {
    o1.step(m1, batches[t]!.x, batches[t]!.labels);
    counts.push(tf.memory().numTensors);
  }
  assert.deepEqual(counts, counts.map(() => counts[0]), `tensor count flat: ${counts}`);
  const st = o1.state();
  assert.equal(st.step, 3);
  const lambda = st.tensors.get('optim.damped-gn.lambda')!.data[0]!;
  assert.notEqual(lambda, Math.fround(0.7), 'lambda has moved');
  const m2 = tinyModel(CFG, 0.3, 0.1);
  m2.setParams(m1.params.map((bp) => ({ f: { Wt: tf.clone(bp.f.Wt), b: tf.clone(bp.f.b!) }, g: { Wt: tf.clone(bp.g.Wt), b: tf.clone(bp.g.b!) } })));
  const o2 = createOptimizer(cfg);
  o2.loadState(m2, { step: st.step, tensors: new Map(st.tensors) });
  for (let t = 3; t < 6; t++) {
    const a = o1.step(m1, batches[t]!.x, batches[t]!.labels);
    const b = o2.step(m2, batches[t]!.x, batches[t]!.labels);
    assert.deepEqual(b.lm, a.lm, `step ${t + 1}: same lambda, gain ratio and reductions`);
  }
  assert.deepEqual([...paramsToHost(m2.params)], [...paramsToHost(m1.params)]);
  assert.throws(() => o2.loadState(m2, { step: 1, tensors: new Map([['optim.damped-gn.lambda', { data: Float32Array.of(1, 2), shape: [2] }]]) }), ConfigError);
  assert.throws(() => o2.loadState(m2, { step: 1, tensors: new Map([['optim.damped-gn.lambda', { data: Float32Array.of(-1), shape: [1] }]]) }), /finite number > 0/);
  for (const b of batches) b.x.dispose();
  m1.dispose();
  m2.dispose();
});

test('damped GN options are validated with the field path and the reason', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ gn: { pinv: 'truncated' } }, /optimizer\.gn\.pinv: damped GN always uses pinv "damped"/],
    [{ gn: { target: 'mse' } }, /optimizer\.gn\.target: .*cross-entropy target/],
    [{ gn: { noise: 0.1 } }, /optimizer\.gn\.noise: does not apply to damped GN/],
    [{ gn: { damping: 0 } }, /optimizer\.gn\.damping: must be a finite number > 0/],
    [{ gn: { damping: 1e9 } }, /optimizer\.gn\.damping: the initial lambda 1000000000 is outside/],
    [{ lm: { lambda: 1 } }, /optimizer\.lm\.lambda: unknown key; .*lambda starts at gn\.damping/],
    [{ lm: { adapt: 'trust' } }, /optimizer\.lm\.adapt: unknown value "trust"/],
    [{ lm: { lower: 0.8 } }, /optimizer\.lm\.lower: must be below optimizer\.lm\.upper/],
    [{ lm: { decrease: 1.5 } }, /optimizer\.lm\.decrease: must be in \(0, 1\)/],
    [{ lm: { increase: 1 } }, /optimizer\.lm\.increase: must be > 1/],
    [{ lm: { min: 0 } }, /optimizer\.lm\.min: must be > 0/],
    [{ lm: { max: 1e-9 } }, /optimizer\.lm\.max: must be >=/],
    [{ lm: { reject: 'yes' } }, /optimizer\.lm\.reject: must be true or false/],
  ];
  for (const [over, re] of bad) {
    assert.throws(() => optimizerConfig({ name: 'damped-gn', lr: 0.1, ...over }), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(over));
  }
  assert.throws(() => optimizerConfig({ name: 'gn', lr: 0.1, lm: {} }), /Levenberg-Marquardt options only apply to optimizer "damped-gn"/);
  const ok = optimizerConfig({ name: 'damped-gn', lr: 0.1 });
  assert.equal(ok.gn.pinv, 'damped');
  assert.deepEqual(ok.lm, DEFAULT_DAMPED_GN);
});
