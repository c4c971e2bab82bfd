import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/index.js';
import { createOptimizer, optimizerConfig } from '../../src/optim/optimizers.js';
import { kfacOptions, kfacStatistics, splitDamping, DEFAULT_KFAC, type KFACOptions } from '../../src/optim/kfac.js';
import { fixedToHost, hostForward, hostLogits, paramsToHost } from '../../src/model/reference.js';
import { RevMLP, type Params } from '../../src/model/revmlp.js';
import { featureWidth } from '../../src/model/config.js';
import { ConfigError, DataError } from '../../src/util/errors.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';
import { denseSolve, hostFeatures, hostOutputJacobian, kron, realizedSteps, softmax64 } from './brute.js';

before(async () => {
  await setupBackend();
});

// d = 6 (m = 3), h = 5 (p = 6), n = 4 < p: Abar is singular, so the damping matters.
const CFG = { inputDim: 6, hidden: 5, blocks: 2, classes: 3, seed: 3 };

interface Brute {
  A: Float64Array;
  G: Float64Array;
  grad: Float64Array;
}

/** Explicit float64 K-FAC statistics of every half: Abar, Gbar = (1/n) Σ B^T H B, grad = (1/n) Σ a (B^T r)^T. */
function bruteStats(model: RevMLP, xHost: Float32Array, labels: Int32Array, n: number, hessian: 'identity' | 'ce'): Brute[] {
  const cfg = model.config;
  const fixed = fixedToHost(model);
  const theta = paramsToHost(model.params);
  const k = cfg.classes;
  const m = cfg.inputDim / 2;
  const p = featureWidth(cfg) + 1;
  const prob = softmax64(hostLogits(fixed, hostForward(fixed, theta, xHost, n), n), n, k);
  const out: Brute[] = [];
  for (let l = 0; l < cfg.blocks; l++) {
    for (const side of ['f', 'g'] as const) {
      const a = hostFeatures(fixed, theta, xHost, n, l, side);
      const B = hostOutputJacobian(fixed, theta, xHost, n, l, side);
      const A = new Float64Array(p * p);
      const G = new Float64Array(m * m);
      const grad = new Float64Array(p * m);
      for (let r = 0; r < n; r++) {
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) A[i * p + j] = A[i * p + j]! + a[r * p + i]! * a[r * p + j]! / n;
        const H = new Float64Array(k * k);
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
          H[i * k + j] = hessian === 'identity' ? (i === j ? 1 : 0) : (i === j ? prob[r * k + i]! : 0) - prob[r * k + i]! * prob[r * k + j]!;
        }
        const Br = B.subarray(r * k * m, (r + 1) * k * m);
        for (let c1 = 0; c1 < m; c1++) for (let c2 = 0; c2 < m; c2++) {
          let s = 0;
          for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += Br[i * m + c1]! * H[i * k + j]! * Br[j * m + c2]!;
          G[c1 * m + c2] = G[c1 * m + c2]! + s / n;
        }
        for (let c = 0; c < m; c++) {
          let btr = 0;
          for (let i = 0; i < k; i++) btr += Br[i * m + c]! * (prob[r * k + i]! - (labels[r] === i ? 1 : 0));
          for (let j = 0; j < p; j++) grad[j * m + c] = grad[j * m + c]! + a[r * p + j]! * btr / n;
        }
      }
      out.push({ A, G, grad });
    }
  }
  return out;
}

/** The explicit damped curvature K of one half, as the test builds it from the documented formulas. */
function explicitK(A: Float64Array, G: Float64Array, p: number, m: number, o: KFACOptions): Float64Array {
  const eye = (q: number, s: number): Float64Array => {
    const e = new Float64Array(q * q);
    for (let i = 0; i < q; i++) e[i * q + i] = s;
    return e;
  };
  if (o.split === 'exact') {
    const K = kron(A, p, G, m);
    for (let i = 0; i < p * m; i++) K[i * p * m + i] = K[i * p * m + i]! + o.damping;
    return K;
  }
  let pi = 1;
  if (o.split === 'pi') {
    let trA = 0;
    let trG = 0;
    for (let i = 0; i < p; i++) trA += A[i * p + i]!;
    for (let i = 0; i < m; i++) trG += G[i * m + i]!;
    pi = Math.sqrt((trA / p) / (trG / m));
  }
  const gA = pi * Math.sqrt(o.damping);
  const gG = Math.sqrt(o.damping) / pi;
  const Ad = A.map((v, i) => v + eye(p, gA)[i]!);
  const Gd = G.map((v, i) => v + eye(m, gG)[i]!);
  return kron(Ad, p, Gd, m);
}

const CASES: { what: string; kfac: Partial<KFACOptions>; steps: number; wd: number }[] = [
  { what: 'pi-damping, identity Hessian, stale inverses (decay 0.5, refresh every 2)', kfac: { damping: 1e-2, decay: 0.5, invEvery: 2 }, steps: 3, wd: 0 },
  { what: 'even split, CE Hessian, weight decay', kfac: { hessian: 'ce', split: 'sqrt', damping: 5e-2, invEvery: 1 }, steps: 2, wd: 0.01 },
  { what: 'exact Tikhonov on the Kronecker product (eigenbases)', kfac: { split: 'exact', damping: 1e-2, decay: 0.7, invEvery: 2 }, steps: 3, wd: 0 },
];

for (const c of CASES) {
  test(`K-FAC step = explicit (Abar ⊗ Gbar + damping)^{-1} grad, float64 brute force: ${c.what}`, () => {
    const model = tinyModel(CFG, 0.3, 0.1);
    const o = kfacOptions(c.kfac);
    const lr = 0.05;
    const opt = createOptimizer({ name: 'kfac', lr, weightDecay: c.wd, kfac: c.kfac });
    const m = CFG.inputDim / 2;
    const p = CFG.hidden + 1;
    let avg: { A: Float64Array; G: Float64Array }[] | null = null;
    let K: Float64Array[] = [];
    for (let t = 1; t <= c.steps; t++) {
      const { xHost, x, labels } = randomBatch(4, CFG.inputDim, CFG.classes, 10 + t);
      const stats = bruteStats(model, xHost, labels, 4, o.hessian);
      const r = t === 1 ? 0 : Math.min(o.decay, 1 - 1 / t);
      const prev = avg as { A: Float64Array; G: Float64Array }[] | null;
      avg = stats.map((s, i) => ({
        A: s.A.map((v, j) => (prev ? r * prev[i]!.A[j]! : 0) + (1 - r) * v),
        G: s.G.map((v, j) => (prev ? r * prev[i]!.G[j]! : 0) + (1 - r) * v),
      }));
      if ((t - 1) % o.invEvery === 0) K = avg.map((f) => explicitK(f.A, f.G, p, m, o));
      const before = paramsToHost(model.params);
      opt.step(model, x, labels);
      const got = realizedSteps(before, model, lr);
      for (let i = 0; i < stats.length; i++) {
        const expect = denseSolve(K[i]!, stats[i]!.grad, p * m);
        if (c.wd > 0) {
          // theta - lr (Delta + wd theta): remove the decay term from the realized step.
          const th = (() => {
            const l = Math.floor(i / 2);
            const side = i % 2 === 0 ? 'f' : 'g';
            const W = before.get(`blocks.${l}.${side}.W`)!;
            const b = before.get(`blocks.${l}.${side}.b`)!;
            const out = new Float64Array(p * m);
            for (let j = 0; j < p - 1; j++) for (let cc = 0; cc < m; cc++) out[j * m + cc] = W[cc * (p - 1) + j]!;
            for (let cc = 0; cc < m; cc++) out[(p - 1) * m + cc] = b[cc]!;
            return out;
          })();
          for (let j = 0; j < got[i]!.length; j++) got[i]![j] = got[i]![j]! - c.wd * th[j]!;
        }
        const err = relErr(got[i]!, expect);
        if (process.env.SHOW_ERR) console.log(c.what, t, i, err);
        assert.ok(err < 1e-4, `step ${t}, half ${i}: relative error ${err}`);
      }
      x.dispose();
    }
    opt.dispose();
    model.dispose();
  });
}

test('K-FAC without bias: A = s(V x) alone (no ones column); the step equals the explicit solve', () => {
  const model = tinyModel({ ...CFG, bias: false }, 0.3, 0.1);
  // A twin with zero biases computes the same function: its brute-force B and features, minus the ones column.
  const host = new Map<string, Float32Array>();
  for (const [name, v] of paramsToHost(model.params)) host.set(name, Float32Array.from(v));
  model.fixed.forEach((b, l) => {
    for (const side of ['f', 'g'] as const) {
      host.set(`blocks.${l}.${side}.V`, Float32Array.from(b[side].V!.dataSync()));
      host.set(`blocks.${l}.${side}.b`, new Float32Array(CFG.inputDim / 2));
    }
  });
  host.set('readout.U', Float32Array.from(model.U.dataSync()));
  const twin = RevMLP.fromHost({ ...model.config, bias: true }, host);
  const { xHost, x, labels } = randomBatch(4, CFG.inputDim, CFG.classes, 77);
  const o = kfacOptions({ damping: 1e-2 });
  const h = CFG.hidden;
  const m = CFG.inputDim / 2;
  const stats = bruteStats(twin, xHost, labels, 4, 'identity').map((s) => ({
    A: Float64Array.from({ length: h * h }, (_, i) => s.A[Math.floor(i / h) * (h + 1) + (i % h)]!),
    G: s.G,
    grad: s.grad.slice(0, h * m),
  }));
  const lr = 0.05;
  const opt = createOptimizer({ name: 'kfac', lr, kfac: { damping: 1e-2 } });
  const before = paramsToHost(model.params);
  opt.step(model, x, labels);
  const got = realizedSteps(before, model, lr);
  stats.forEach((st, i) => {
    const expect = denseSolve(explicitK(st.A, st.G, h, m, o), st.grad, h * m);
    assert.ok(relErr(got[i]!, expect) < 1e-4, `half ${i}: ${relErr(got[i]!, expect)}`);
  });
  assert.equal(opt.state().tensors.get('optim.kfac.blocks.0.f.A')!.shape.join(), `${h},${h}`);
  x.dispose();
  opt.dispose();
  twin.dispose();
  model.dispose();
});

test('the pi split balances the factors by their mean eigenvalues, and falls back to the even split on a zero factor', () => {
  const A = Float64Array.from([4, 0, 0, 4]); // mean eigenvalue 4
  const G = Float64Array.from([1]); // mean eigenvalue 1
  const s = splitDamping(1e-2, 'pi', A, 2, G, 1);
  assert.ok(Math.abs(s.pi - 2) < 1e-12 && Math.abs(s.gA - 0.2) < 1e-12 && Math.abs(s.gG - 0.05) < 1e-12);
  assert.ok(Math.abs(s.gA * s.gG - 1e-2) < 1e-15, 'gA gG = lambda');
  assert.equal(splitDamping(1e-2, 'pi', A, 2, Float64Array.from([0]), 1).pi, 1);
  assert.equal(splitDamping(1e-2, 'sqrt', A, 2, G, 1).pi, 1);
});

/** The sampled Gbar by brute force: the documented draw eps_i (Rng(seed).fork('kfac-step-<t>')), v_i = C_i eps_i, g_i = B_i^T v_i. */
function bruteSampledG(model: RevMLP, xHost: Float32Array, n: number, hessian: 'identity' | 'ce', seed: number, step: number): Float64Array[] {
  const cfg = model.config;
  const fixed = fixedToHost(model);
  const theta = paramsToHost(model.params);
  const k = cfg.classes;
  const m = cfg.inputDim / 2;
  const prob = softmax64(hostLogits(fixed, hostForward(fixed, theta, xHost, n), n), n, k);
  const rng = new Rng(seed).fork(`kfac-step-${step}`);
  const v = new Float64Array(n * k);
  for (let r = 0; r < n; r++) {
    const eps = Array.from({ length: k }, () => rng.normal());
    const pr = prob.subarray(r * k, (r + 1) * k);
    const dot = eps.reduce((s, e, j) => s + Math.sqrt(pr[j]!) * e, 0);
    for (let j = 0; j < k; j++) v[r * k + j] = hessian === 'identity' ? eps[j]! : Math.sqrt(pr[j]!) * eps[j]! - pr[j]! * dot;
  }
  const out: Float64Array[] = [];
  for (let l = 0; l < cfg.blocks; l++) {
    for (const side of ['f', 'g'] as const) {
      const B = hostOutputJacobian(fixed, theta, xHost, n, l, side);
      const G = new Float64Array(m * m);
      for (let r = 0; r < n; r++) {
        const g = new Float64Array(m);
        for (let c = 0; c < m; c++) for (let j = 0; j < k; j++) g[c] = g[c]! + B[r * k * m + j * m + c]! * v[r * k + j]!;
        for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) G[a * m + b] = G[a * m + b]! + g[a]! * g[b]! / n;
      }
      out.push(G);
    }
  }
  return out;
}

test('sampled curvature: Gbar = (1/n) G^T G of one reverse pass of C eps (brute force of the documented draw), reproducible per step, unbiased', () => {
  const model = tinyModel(CFG, 0.3, 0.1);
  const { xHost, x, labels } = randomBatch(4, CFG.inputDim, CFG.classes, 21);
  for (const hessian of ['identity', 'ce'] as const) {
    const exact = kfacStatistics(model, x, labels, { hessian, curvature: 'exact', seed: 0 }, 1);
    const brute = bruteStats(model, xHost, labels, 4, hessian);
    exact.halves.forEach((h, i) => assert.ok(relErr(h.G.dataSync(), brute[i]!.G) < 1e-4, `exact Gbar, half ${i}`));
    for (const step of [3, 8]) {
      const s = kfacStatistics(model, x, labels, { hessian, curvature: 'sampled', seed: 5 }, step);
      const want = bruteSampledG(model, xHost, 4, hessian, 5, step);
      s.halves.forEach((h, i) => {
        assert.ok(relErr(h.G.dataSync(), want[i]!) < 1e-4, `${hessian} step ${step} half ${i}: ${relErr(h.G.dataSync(), want[i]!)}`);
        assert.ok(relErr(h.grad.dataSync(), exact.halves[i]!.grad.dataSync()) < 1e-6, 'the gradient does not depend on the sampling');
        assert.ok(relErr(h.G.dataSync(), exact.halves[i]!.G.dataSync()) > 1e-2, 'one draw is not the exact factor');
      });
      const again = kfacStatistics(model, x, labels, { hessian, curvature: 'sampled', seed: 5 }, step);
      assert.deepEqual(again.halves[0]!.G.dataSync(), s.halves[0]!.G.dataSync(), 'same seed and step, same draw');
      for (const t of [s, again]) for (const h of t.halves) tf.dispose([h.A, h.G, h.grad]);
    }
    // Unbiased: E[eps eps^T] = I, so the mean over draws approaches the exact factor (60 draws: ~0.1 off).
    const draws = 60;
    const sum = exact.halves.map((h) => new Float64Array(h.G.size));
    for (let t = 1; t <= draws; t++) {
      const s = kfacStatistics(model, x, labels, { hessian, curvature: 'sampled', seed: 9 }, t);
      s.halves.forEach((h, i) => {
        const g = h.G.dataSync();
        for (let j = 0; j < g.length; j++) sum[i]![j] = sum[i]![j]! + g[j]! / draws;
        tf.dispose([h.A, h.G, h.grad]);
      });
    }
    sum.forEach((g, i) => assert.ok(relErr(g, exact.halves[i]!.G.dataSync()) < 0.35, `${hessian} mean of ${draws} draws, half ${i}: ${relErr(g, exact.halves[i]!.G.dataSync())}`));
    for (const h of exact.halves) tf.dispose([h.A, h.G, h.grad]);
  }
  x.dispose();
  model.dispose();
});

/** A copy of a model (same fixed tensors and parameters), through host arrays. */
function copyModel(model: RevMLP): RevMLP {
  const host = new Map<string, Float32Array>();
  for (const [name, v] of paramsToHost(model.params)) host.set(name, Float32Array.from(v));
  model.fixed.forEach((b, l) => {
    host.set(`blocks.${l}.f.V`, Float32Array.from(b.f.V!.dataSync()));
    host.set(`blocks.${l}.g.V`, Float32Array.from(b.g.V!.dataSync()));
  });
  host.set('readout.U', Float32Array.from(model.U.dataSync()));
  return RevMLP.fromHost(model.config, host);
}

function paramBytes(p: Params): Float32Array[] {
  return p.flatMap((bp) => [bp.f.Wt, bp.f.b!, bp.g.Wt, bp.g.b!].map((t) => Float32Array.from(t.dataSync())));
}

for (const kfac of [{ split: 'pi' as const, invEvery: 4 }, { split: 'exact' as const, invEvery: 4, curvature: 'sampled' as const }]) {
  test(`K-FAC state round trip (${kfac.split}${kfac.curvature ? ', sampled' : ''}): a restored optimizer continues bit for bit, stale inverses included; no tensor leaks`, () => {
    const model = tinyModel(CFG, 0.3, 0.1);
    const opt = createOptimizer({ name: 'kfac', lr: 0.05, kfac });
    const batches = [1, 2, 3, 4, 5, 6].map((s) => randomBatch(4, CFG.inputDim, CFG.classes, 30 + s));
    opt.step(model, batches[0]!.x, batches[0]!.labels);
    opt.step(model, batches[1]!.x, batches[1]!.labels);
    const counts: number[] = [];
    for (let t = 2; t < 6; t++) {
      opt.step(model, batches[t]!.x, batches[t]!.labels);
      counts.push(tf.memory().numTensors);
    }
    assert.deepEqual(counts, counts.map(() => counts[0]), `tensor count flat across steps, refreshes included: ${counts}`);
    // Save after step 2 of a fresh run, then continue both.
    const m1 = tinyModel(CFG, 0.3, 0.1);
    const o1 = createOptimizer({ name: 'kfac', lr: 0.05, kfac });
    o1.step(m1, batches[0]!.x, batches[0]!.labels);
    o1.step(m1, batches[1]!.x, batches[1]!.labels);
    const st = o1.state();
    assert.equal(st.step, 2);
    assert.ok([...st.tensors.keys()].every((k) => k.startsWith('optim.kfac.blocks.')), [...st.tensors.keys()].join());
    const m2 = copyModel(m1);
    const o2 = createOptimizer({ name: 'kfac', lr: 0.05, kfac });
    o2.loadState(m2, { step: st.step, tensors: new Map([...st.tensors].map(([k, v]) => [k, { data: Float32Array.from(v.data), shape: [...v.shape] }])) });
    for (let t = 2; t < 6; t++) {
      o1.step(m1, batches[t]!.x, batches[t]!.labels);
      o2.step(m2, batches[t]!.x, batches[t]!.labels);
      assert.deepEqual(paramBytes(m2.params), paramBytes(m1.params), `step ${t + 1} identical after the restore`);
    }
    // A state from another config is refused with the project's error, naming the tensor.
    const bad = new Map(st.tensors);
    bad.delete('optim.kfac.blocks.0.f.A');
    const o3 = createOptimizer({ name: 'kfac', lr: 0.05, kfac });
    assert.throws(() => o3.loadState(m2, { step: 2, tensors: bad }), (e: unknown) => e instanceof ConfigError && /optim\.kfac\.blocks\.0\.f\.A is missing/.test(e.message));
    const before = tf.memory().numTensors;
    for (const o of [opt, o1, o2, o3]) o.dispose();
    for (const mm of [model, m1, m2]) mm.dispose();
    for (const b of batches) b.x.dispose();
    assert.ok(tf.memory().numTensors < before);
  });
}

test('K-FAC options are validated with the field path and the reason', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ dampin: 1 }, /optimizer\.kfac\.dampin: unknown key/],
    [{ damping: 0 }, /optimizer\.kfac\.damping: must be a finite number > 0/],
    [{ decay: 1 }, /optimizer\.kfac\.decay: must be a number in \[0, 1\)/],
    [{ invEvery: 0 }, /optimizer\.kfac\.invEvery: must be a positive integer/],
    [{ split: 'half' }, /optimizer\.kfac\.split: unknown value "half"; use one of pi, sqrt, exact/],
    [{ hessian: 'true' }, /optimizer\.kfac\.hessian: unknown value/],
    [{ curvature: 'mc' }, /optimizer\.kfac\.curvature: unknown value/],
  ];
  for (const [kfac, re] of bad) {
    assert.throws(() => optimizerConfig({ name: 'kfac', lr: 0.1, kfac: kfac as Partial<KFACOptions> }), (e: unknown) => e instanceof ConfigError && re.test(e.message), JSON.stringify(kfac));
  }
  assert.throws(() => optimizerConfig({ name: 'gn', lr: 0.1, kfac: {} }), /K-FAC options only apply to optimizer "kfac"/);
  assert.throws(() => optimizerConfig({ name: 'kfac', lr: 0.1, gn: {} }), /GN options only apply/);
  assert.deepEqual(optimizerConfig({ name: 'kfac', lr: 0.1 }).kfac, DEFAULT_KFAC);
});

test('K-FAC and damped GN on bad input: NaN inputs are a DataError naming row and column, bad labels a ConfigError; nothing changes, nothing leaks', () => {
  const model = tinyModel(CFG, 0.3, 0.1);
  const before = paramsToHost(model.params);
  const { xHost, labels } = randomBatch(4, CFG.inputDim, CFG.classes, 70);
  xHost[2 * CFG.inputDim + 5] = NaN;
  const x = tf.tensor2d(xHost, [4, CFG.inputDim]);
  const good = randomBatch(4, CFG.inputDim, CFG.classes, 71);
  for (const name of ['kfac', 'damped-gn'] as const) {
    const opt = createOptimizer({ name, lr: 0.1 });
    const count = tf.memory().numTensors;
    assert.throws(() => opt.step(model, x, labels), (e: unknown) => e instanceof DataError && /x holds NaN at row 2, column 5; inputs must be finite/.test(e.message));
    assert.throws(() => opt.step(model, good.x, new Int32Array([0, 1, 3, 0])), (e: unknown) => e instanceof ConfigError && /label 3 at row 2 is out of range/.test(e.message));
    assert.equal(tf.memory().numTensors, count, `${name}: the failed steps leaked no tensors`);
    assert.equal(opt.steps, 0);
    opt.dispose();
  }
  for (const [n, w] of paramsToHost(model.params)) assert.deepEqual(w, before.get(n), `${n} unchanged`);
  x.dispose();
  good.x.dispose();
  model.dispose();
});
