// The linear first block's fast paths (src/model/revmlp.ts linearHalf, src/linalg factoredPinvSolve)
// against the plain computation through the n x h features (the same model built with
// foldLinear: false): forward, gradients, every GN option, kept and rebuilt block inputs, and no
// tensor leaks. Runs on the suite's backend (EXACT_GN_BACKEND: wasm, cpu or blas).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf, tidy } from '../../src/backend/index.js';
import { gnUpdate, type GNOptions } from '../../src/gn/step.js';
import { lossAndGrad, createOptimizer } from '../../src/optim/optimizers.js';
import { disposeParams, foldSavesFlops, forEachParam, initHostTensors, RevMLP, type Params } from '../../src/model/revmlp.js';
import { modelConfig, type RevMLPConfigInput } from '../../src/model/config.js';
import { paramsToHost } from '../../src/model/reference.js';
import { Rng } from '../../src/util/rng.js';
import { setupBackend } from '../helpers/backend.js';
import { randomBatch, relErr } from '../helpers/nets.js';

before(async () => {
  await setupBackend();
});

/** The same model twice: block 1 through its linear algebra, and through its n x h features. */
function twins(input: RevMLPConfigInput, wStd = 0.3, bStd = 0.1): { fast: RevMLP; plain: RevMLP } {
  const cfg = modelConfig(input);
  const host = initHostTensors(cfg);
  const rng = new Rng(77 + cfg.seed);
  for (const [name, v] of host) if (/\.(W|b)$/.test(name)) host.set(name, rng.normalArray(v.length, name.endsWith('.W') ? wStd : bStd));
  const fast = RevMLP.fromHost(cfg, host, { foldLinear: true });
  const plain = RevMLP.fromHost(cfg, host, { foldLinear: false });
  assert.ok(fast.fixed[0]!.f.L && fast.fixed[0]!.g.L, 'the fast twin folds block 1');
  assert.ok(!plain.fixed[0]!.f.L && !plain.fixed[0]!.g.L, 'the plain twin does not');
  return { fast, plain };
}

function assertClose(a: Map<string, Float64Array>, b: Map<string, Float64Array>, tol: number, what: string): void {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, v] of a) {
    const e = relErr(v, b.get(name)!);
    assert.ok(e < tol, `${what}: ${name} differs by ${e.toExponential(2)} (tolerance ${tol})`);
  }
}

const CFG = { inputDim: 16, hidden: 40, blocks: 2, classes: 4, seed: 3 }; // half 8, rank of block 1 <= 9

test('forward, logits, inverse and gradients equal the plain computation', () => {
  const { fast, plain } = twins(CFG);
  const { x, labels } = randomBatch(12, 16, 4, 5);
  const lf = fast.logits(x).dataSync();
  const lp = plain.logits(x).dataSync();
  assert.ok(relErr(lf, lp) < 1e-5, `logits differ by ${relErr(lf, lp)}`);
  const inv = tidy(() => fast.inverse(fast.forward(x).z).dataSync());
  assert.ok(relErr(inv, x.dataSync()) < 1e-5, `inverse(forward(x)) differs from x by ${relErr(inv, x.dataSync())}`);
  const gf = lossAndGrad(fast, x, labels);
  const gp = lossAndGrad(plain, x, labels);
  assert.ok(Math.abs(gf.loss - gp.loss) < 1e-6 * gp.loss);
  assertClose(paramsToHost(gf.grads), paramsToHost(gp.grads), 1e-4, 'gradient');
  disposeParams(gf.grads);
  disposeParams(gp.grads);
  x.dispose();
  fast.dispose();
  plain.dispose();
});

test('GN updates equal the plain computation: factored solve (n > d/2 + 1), Gram solve (n <= d/2 + 1), every pinv method and rule, kept and rebuilt inputs', () => {
  const saved = process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
  const cases: [number, Partial<GNOptions>][] = [
    [12, {}],
    [12, { rule: 'half-coupling', residual: true }],
    [12, { pinv: 'damped', damping: 1e-2 }],
    [12, { pinv: 'transpose' }],
    [12, { spectrum: true, scaling: 'mean' }],
    [7, { residual: true }],
    [7, { pinv: 'none' }],
  ];
  try {
    for (const budget of ['1024', '0']) {
      process.env.EXACT_GN_KEEP_ACTIVATIONS_MB = budget;
      for (const [n, opts] of cases) {
        const { fast, plain } = twins(CFG);
        const { x, labels } = randomBatch(n, 16, 4, 9 + n);
        const what = `n = ${n}, ${JSON.stringify(opts)}, keep budget ${budget} MB`;
        const a = gnUpdate(fast, x, labels, opts);
        const b = gnUpdate(plain, x, labels, opts);
        const truncated = (opts.pinv ?? 'truncated') === 'truncated';
        assert.equal(a.blocks[0]!.f.method, truncated && n > 9 ? 'truncated/factored' : b.blocks[0]!.f.method, what);
        for (const l of [0, 1]) for (const side of ['f', 'g'] as const) assert.equal(a.blocks[l]![side].rank, b.blocks[l]![side].rank, `${what}: block ${l} ${side} rank`);
        if (truncated && n > 9) assert.equal(a.blocks[0]!.f.rank, 9, 'block 1 keeps d/2 + 1 directions');
        if (opts.spectrum) {
          const sa = a.blocks[0]!.f.spectrum!;
          const sb = b.blocks[0]!.f.spectrum!;
          assert.equal(sa.length, n);
          assert.ok(relErr(sa, sb) < 1e-4, `${what}: spectrum differs by ${relErr(sa, sb)}`);
        }
        if (opts.residual) for (const l of [0, 1]) assert.ok(Math.abs(a.blocks[l]!.residual! - b.blocks[l]!.residual!) < 1e-4, `${what}: residual of block ${l}`);
        assertClose(paramsToHost(a.update), paramsToHost(b.update), 2e-4, what);
        disposeParams(a.update);
        disposeParams(b.update);
        x.dispose();
        fast.dispose();
        plain.dispose();
      }
    }
  } finally {
    if (saved === undefined) delete process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
    else process.env.EXACT_GN_KEEP_ACTIVATIONS_MB = saved;
  }
});

test('training through the fast paths follows the plain one (5 steps of GN, Adam and SGD) and leaks no tensors', () => {
  for (const name of ['gn', 'adam', 'sgd'] as const) {
    const { fast, plain } = twins(CFG, 0.05, 0.02);
    const { x, labels } = randomBatch(12, 16, 4, 21);
    const lr = name === 'gn' ? 0.3 : name === 'adam' ? 1e-2 : 0.1;
    const oa = createOptimizer({ name, lr });
    const ob = createOptimizer({ name, lr });
    oa.step(fast, x, labels);
    ob.step(plain, x, labels);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) {
      const ra = oa.step(fast, x, labels);
      const rb = ob.step(plain, x, labels);
      assert.ok(Math.abs(ra.loss - rb.loss) < 1e-4 * rb.loss, `${name} step ${i}: loss ${ra.loss} vs ${rb.loss}`);
    }
    assert.equal(tf.memory().numTensors, before, `${name}: tensor count after 4 more steps`);
    assertClose(paramsToHost(fast.params), paramsToHost(plain.params), 1e-3, `${name} parameters after 5 steps`);
    // The cached M = V^T W^T follows the parameters: a fresh model from them gives the same logits.
    const again = RevMLP.fromHost(fast.config, hostOf(fast));
    tidy(() => assert.deepEqual(again.logits(x).dataSync(), fast.logits(x).dataSync()));
    again.dispose();
    oa.dispose();
    ob.dispose();
    x.dispose();
    fast.dispose();
    plain.dispose();
  }
});

test('foldSavesFlops: its FLOP counts, and the paper and small sizes on either side', () => {
  // The counts of its comment, by hand: MNIST and CIFAR-10 at the paper's sizes fold, a small model at a
  // small batch does not (the fixed 8 h d^2 of M = V^T W^T and V (X^T C) outweighs what it saves).
  assert.equal(foldSavesFlops(1024, 392, 8000), true);
  assert.equal(foldSavesFlops(1024, 1536, 8000), true);
  assert.equal(foldSavesFlops(128, 392, 1024), false);
  assert.equal(foldSavesFlops(64, 392, 8000), false);
  // Half width 8, h = 40 (CFG): plain 5120 n + 112 n^2, folded 896 n + 48 n^2 + 10240: plain at n = 2, folds from n = 3.
  assert.equal(foldSavesFlops(2, 8, 40), false);
  assert.equal(foldSavesFlops(3, 8, 40), true);
});

test("foldLinear 'auto' (the default) folds only where it saves FLOPs, and both of its paths equal the plain computation (GN, Adam, SGD)", () => {
  const cfg = modelConfig(CFG);
  const host = initHostTensors(cfg);
  const rng = new Rng(91);
  for (const [name, v] of host) if (/\.(W|b)$/.test(name)) host.set(name, rng.normalArray(v.length, name.endsWith('.W') ? 0.3 : 0.1));
  for (const n of [2, 12]) {
    const folds = n === 12;
    for (const name of ['gn', 'adam', 'sgd'] as const) {
      const auto = RevMLP.fromHost(cfg, host);
      const plain = RevMLP.fromHost(cfg, host, { foldLinear: false });
      assert.equal(auto.folds(0, 'f', n), folds, `n = ${n}: block 1 f folds`);
      assert.equal(auto.folds(0, 'g', n), folds, `n = ${n}: block 1 g folds`);
      assert.equal(auto.folds(1, 'f', n), false, 'a ReLU block never folds');
      const { x, labels } = randomBatch(n, 16, 4, 31 + n);
      if (name === 'gn') {
        const a = gnUpdate(auto, x, labels, { residual: true });
        const b = gnUpdate(plain, x, labels, { residual: true });
        assert.equal(a.blocks[0]!.f.method === 'truncated/factored', folds && n > 9, `n = ${n}: ${a.blocks[0]!.f.method}`);
        assertClose(paramsToHost(a.update), paramsToHost(b.update), 2e-4, `auto GN, n = ${n}`);
        disposeParams(a.update);
        disposeParams(b.update);
      }
      const lr = name === 'gn' ? 0.3 : name === 'adam' ? 1e-2 : 0.1;
      const oa = createOptimizer({ name, lr });
      const ob = createOptimizer({ name, lr });
      oa.step(auto, x, labels);
      ob.step(plain, x, labels);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) {
        const ra = oa.step(auto, x, labels);
        const rb = ob.step(plain, x, labels);
        assert.ok(Math.abs(ra.loss - rb.loss) < 1e-4 * rb.loss, `auto ${name}, n = ${n}, step ${i}: loss ${ra.loss} vs ${rb.loss}`);
      }
      assert.equal(tf.memory().numTensors, before, `auto ${name}, n = ${n}: tensor count after 2 more steps`);
      assertClose(paramsToHost(auto.params), paramsToHost(plain.params), 1e-3, `auto ${name}, n = ${n}: parameters after 3 steps`);
      tidy(() => {
        const la = auto.logits(x).dataSync();
        const lp = plain.logits(x).dataSync();
        assert.ok(relErr(la, lp) < 1e-4, `auto ${name}, n = ${n}: logits differ by ${relErr(la, lp)}`);
      });
      oa.dispose();
      ob.dispose();
      x.dispose();
      auto.dispose();
      plain.dispose();
    }
  }
});

/** Checkpoint-layout host tensors of a model (W as [d/2, h]). */
function hostOf(model: RevMLP): Map<string, Float32Array> {
  const out = initHostTensors(model.config);
  tidy(() => {
    forEachParam(model.params as Params, (name, t, _l, _s, kind) => {
      out.set(name, Float32Array.from((kind === 'W' ? tf.transpose(t) : t).dataSync() as Float32Array));
    });
  });
  return out;
}

test('explicit features narrower than the batch (no bottleneck, n > d/2 + 1) also take the factored solve, equal to the Gram solve', async () => {
  const { solveHalf, gnOptions } = await import('../../src/gn/step.js');
  const { gramPinvSolve } = await import('../../src/linalg/index.js');
  const rng = new Rng(4);
  const n = 14;
  const h = 6;
  const S = tf.tensor2d(rng.normalArray(n * h, 1), [n, h]);
  const t = tf.tensor2d(rng.normalArray(n * 5, 1), [n, 5]);
  const o = gnOptions({});
  const res = tidy(() => {
    const r = solveHalf(S, t, true, o);
    return { method: r.diag.method, rank: r.diag.rank, b: Float64Array.from(r.delta.b!.dataSync()) };
  });
  assert.equal(res.method, 'truncated/factored');
  // Reference: db = 1^T C with C from gramPinvSolve on G = S S^T + 1 1^T (float64 on the host).
  const s = S.dataSync();
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let v = 1;
    for (let k = 0; k < h; k++) v += s[i * h + k]! * s[j * h + k]!;
    g[i * n + j] = v;
  }
  const ref = gramPinvSolve(g, n, Float64Array.from(t.dataSync()), 5);
  assert.equal(res.rank, ref.rank);
  const db = new Float64Array(5);
  for (let i = 0; i < n; i++) for (let j = 0; j < 5; j++) db[j] = db[j]! + ref.solution[i * 5 + j]!;
  assert.ok(relErr(res.b, db) < 1e-4, `db differs by ${relErr(res.b, db)}`);
  tf.dispose([S, t]);
});
