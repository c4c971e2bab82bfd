// The optional `blas` backend (OpenBLAS addon in native/) and the native float64 linear algebra it
// installs. Everything that needs the addon skips with a message when it is not built
// (bash scripts/build-native.sh); the fallback behaviour is tested either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tf, useBackend, BACKEND_NAMES } from '../../src/backend/index.js';
import { blasAddon, blasAddonError, blasLinalg, fusedUpdates } from '../../src/backend/blas.js';
import { BufferPool } from '../../src/backend/blas-pool.js';
import { elementwiseKernels, type NativeElementwise } from '../../src/backend/blas-kernels.js';
import { cholesky, choleskySolve, gramPinvSolve, symEig, symEigvals, type GramPinvOptions } from '../../src/linalg/index.js';
import { setNativeLinalg, nativeLinalg } from '../../src/linalg/native.js';
import { gnUpdate } from '../../src/gn/step.js';
import { disposeParams, forEachParam, traceParamVjp, traceVjp } from '../../src/model/revmlp.js';
import { Rng } from '../../src/util/rng.js';
import { gramOf, matmul, randn, randomSymmetric, transposed } from '../linalg/helpers.js';
import { randomBatch, relErr, tinyModel } from '../helpers/nets.js';

// This file picks its backends itself (cpu vs blas), so the suite's EXACT_GN_BACKEND must not override them.
delete process.env.EXACT_GN_BACKEND;
const addon = blasAddon();
const SKIP = addon ? false : `blas addon not built: ${blasAddonError()} — run bash scripts/build-native.sh`;
if (SKIP) console.log(`# skipping native tests: ${SKIP}`);

/** Runs fn with the given backend active, returning host copies. */
async function on<T>(backend: 'cpu' | 'blas', fn: () => T): Promise<T> {
  await useBackend(backend);
  assert.equal(tf.getBackend(), backend);
  return tf.tidy(fn as () => tf.TensorContainer) as unknown as T;
}

function f32(rng: Rng, n: number): Float32Array {
  return rng.normalArray(n, 1);
}

/** max |a - b| / max |b|. */
function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-300);
}

test('blas is a known backend name; without the addon it is skipped with the reason', () => {
  assert.ok(BACKEND_NAMES.includes('blas'));
  // A child process with the addon disabled: `blas` fails with the reason, `auto` falls back.
  const script = `
    import { useBackend } from ${JSON.stringify(fileURLToPath(new URL('../../src/backend/index.ts', import.meta.url)))};
    try { await useBackend('blas'); console.log('LOADED'); } catch (e) { console.log('REJECTED ' + e.message); }
    const info = await useBackend('auto');
    console.log('AUTO ' + info.name + ' | ' + info.skipped.join(' ; '));`;
  const env: NodeJS.ProcessEnv = { ...process.env, EXACT_GN_BLAS: '0' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /REJECTED .*blas: disabled by EXACT_GN_BLAS=0/);
  assert.match(r.stdout, /AUTO (wasm|cpu|webgpu|tensorflow) \|.*blas: disabled/);
});

test('the buffer pool recycles only its own arrays, once unreferenced and never after they escaped', () => {
  const pool = new BufferPool(64 * 2 ** 20);
  const len = 1 << 17;
  const a = pool.acquire(len);
  pool.retain(a); // tensor entry 1
  const view = a.subarray(0, 10);
  pool.retain(view); // a slice view: entry 2 on the same buffer
  pool.release(a);
  assert.notEqual(pool.acquire(len), a, 'still referenced by the view');
  pool.release(view);
  assert.equal(pool.bytes, len * 4);
  const again = pool.acquire(len);
  assert.equal(again.buffer, a.buffer, 'recycled once unreferenced');
  pool.retain(again);
  pool.escape(again); // dataSync handed it to user code
  pool.release(again);
  assert.equal(pool.bytes, 0, 'escaped buffers are not recycled');
  const user = new Float32Array(len); // not allocated by the pool
  pool.retain(user);
  pool.release(user);
  assert.equal(pool.bytes, 0);
  assert.equal(pool.acquire(100).length, 100, 'small arrays are plain allocations');
  const capped = new BufferPool(len * 4);
  const x = capped.acquire(len);
  const y = capped.acquire(len);
  for (const t of [x, y]) {
    capped.retain(t);
    capped.release(t);
  }
  assert.equal(capped.bytes, len * 4, 'at most the capacity is kept');
});

test('matMul on blas equals a float64 reference and the cpu backend, with and without transposes', { skip: SKIP }, async () => {
  const rng = new Rng(1);
  const cases: [number, number, number, boolean, boolean][] = [
    [1, 1, 1, false, false],
    [7, 5, 3, false, false],
    [33, 17, 65, true, false],
    [16, 40, 9, false, true],
    [24, 31, 12, true, true],
    [130, 70, 260, false, true],
  ];
  for (const [m, n, k, ta, tb] of cases) {
    const aHost = f32(rng, m * k);
    const bHost = f32(rng, k * n);
    const aShape = ta ? [k, m] : [m, k];
    const bShape = tb ? [n, k] : [k, n];
    const run = (): Float32Array => tf.matMul(tf.tensor2d(aHost, aShape as [number, number]), tf.tensor2d(bHost, bShape as [number, number]), ta, tb).dataSync() as Float32Array;
    const blas = Float32Array.from(await on('blas', run));
    const cpu = Float32Array.from(await on('cpu', run));
    const a64 = ta ? transposed(Float64Array.from(aHost), k, m) : Float64Array.from(aHost);
    const b64 = tb ? transposed(Float64Array.from(bHost), n, k) : Float64Array.from(bHost);
    const ref = matmul(a64, b64, m, k, n);
    const tol = 1e-6 * Math.sqrt(k) * 4;
    assert.ok(maxRel(blas, ref) < tol, `blas ${m}x${k}x${n} ta=${ta} tb=${tb}: ${maxRel(blas, ref)}`);
    assert.ok(maxRel(blas, cpu) < tol, `blas vs cpu ${m}x${k}x${n}: ${maxRel(blas, cpu)}`);
  }
});

test('A A^T and A^T A of one tensor use the symmetric product and are exactly symmetric', { skip: SKIP }, async () => {
  const rng = new Rng(2);
  const [n, k] = [45, 300];
  const host = f32(rng, n * k);
  const ref = gramOf(Float64Array.from(host), n, k);
  const [g1, g2] = await on('blas', () => {
    const a = tf.tensor2d(host, [n, k]);
    const at = tf.transpose(a);
    return [tf.matMul(a, a, false, true).dataSync(), tf.matMul(at, at, true, false).dataSync()];
  });
  for (const g of [g1!, g2!]) {
    assert.ok(maxRel(g, ref) < 1e-5, `${maxRel(g, ref)}`);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(g[i * n + j], g[j * n + i]);
  }
});

test('batched, broadcast, int32 and fused products match the cpu backend', { skip: SKIP }, async () => {
  const rng = new Rng(3);
  const aHost = f32(rng, 3 * 4 * 5);
  const bHost = f32(rng, 5 * 6);
  const bias = f32(rng, 6);
  const run = (): Float32Array[] => {
    const a = tf.tensor3d(aHost, [3, 4, 5]);
    const b = tf.tensor3d(bHost, [1, 5, 6]);
    const ints = tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32'));
    const fused = tf.fused.matMul({ a: tf.reshape(a, [12, 5]) as tf.Tensor2D, b: tf.reshape(b, [5, 6]) as tf.Tensor2D, bias: tf.tensor1d(bias), activation: 'relu' });
    return [tf.matMul(a, b).dataSync() as Float32Array, Float32Array.from(ints.dataSync()), fused.dataSync() as Float32Array];
  };
  const blas = (await on('blas', run)).map((v) => Float32Array.from(v));
  const cpu = (await on('cpu', run)).map((v) => Float32Array.from(v));
  assert.ok(maxRel(blas[0]!, cpu[0]!) < 1e-5);
  assert.deepEqual(blas[1], cpu[1]);
  assert.deepEqual(Array.from(blas[1]!), [19, 22, 43, 50]);
  assert.ok(maxRel(blas[2]!, cpu[2]!) < 1e-5);
});

test('the rewritten elementwise kernels give exactly the cpu backend values', { skip: SKIP }, async () => {
  const rng = new Rng(4);
  const [r, c] = [37, 300]; // > 64K elements would also exercise the buffer pool; see the next test
  const a = f32(rng, r * c);
  const b = f32(rng, r * c);
  const row = f32(rng, c);
  a[5] = NaN;
  a[6] = -0;
  a[7] = 0;
  a[8] = -Infinity;
  a[9] = Infinity;
  const run = (): Float32Array[] => {
    const A = tf.tensor2d(a, [r, c]);
    const B = tf.tensor2d(b, [r, c]);
    const R = tf.tensor1d(row);
    const outs: tf.Tensor[] = [];
    for (const op of [tf.add, tf.sub, tf.mul, tf.div] as ((x: tf.Tensor, y: tf.Tensor | number) => tf.Tensor)[]) {
      outs.push(op(A, B), op(A, R), op(R, A), op(A, 0.75), op(tf.scalar(1.5), A));
    }
    outs.push(tf.relu(A), tf.step(A), tf.step(A, 0.3), tf.square(A), tf.sqrt(tf.abs(A)), tf.transpose(A));
    outs.push(tf.slice(A, [3, 10], [20, 100]), tf.slice(A, [2, 0], [5, -1]), tf.sum(A, 0), tf.sum(A, 1), tf.sum(A, 0, true), tf.sum(A));
    return outs.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  };
  const blas = await on('blas', run);
  const cpu = await on('cpu', run);
  assert.equal(blas.length, cpu.length);
  blas.forEach((v, i) => {
    const w = cpu[i]!;
    assert.equal(v.length, w.length, `output ${i} length`);
    for (let j = 0; j < v.length; j++) assert.ok(Object.is(v[j], w[j]), `output ${i} [${j}]: blas ${v[j]} vs cpu ${w[j]}`);
  });
});

test('the JS and the native elementwise loops both give exactly the cpu kernels values', async () => {
  await useBackend('cpu');
  const backend = tf.backend();
  const cpu = (name: string): tf.KernelFunc => tf.getKernel(name, 'cpu')!.kernelFunc;
  const rng = new Rng(9);
  const [r, c] = [9, 70];
  const a = f32(rng, r * c);
  const b = f32(rng, r * c);
  a.set([NaN, -0, 0, -Infinity, Infinity, 1e-40], 3);
  const infos = {
    A: backend.write(a, [r, c], 'float32'),
    B: backend.write(b, [r, c], 'float32'),
    R: backend.write(f32(rng, c), [c], 'float32'),
    S: backend.write(Float32Array.of(0.7), [], 'float32'),
  };
  const t = (k: keyof typeof infos, shape: number[]): tf.TensorInfo => ({ dataId: infos[k], shape, dtype: 'float32' });
  const A = t('A', [r, c]);
  const B = t('B', [r, c]);
  const R = t('R', [c]);
  const S = t('S', []);
  const calls: [string, tf.NamedTensorInfoMap, tf.NamedAttrMap][] = [];
  for (const op of [tf.Add, tf.Sub, tf.Multiply, tf.RealDiv]) {
    for (const [x, y] of [[A, B], [A, R], [R, A], [A, S], [S, A]] as const) calls.push([op, { a: x, b: y }, {}]);
  }
  calls.push([tf.Relu, { x: A }, {}], [tf.Step, { x: A }, { alpha: 0 }], [tf.Step, { x: A }, { alpha: 0.3 }], [tf.Square, { x: A }, {}], [tf.Sqrt, { x: B }, {}]);
  const read = (info: tf.TensorInfo): Float32Array => Float32Array.from(backend.readSync(info.dataId) as Float32Array);
  const variants: [string, NativeElementwise | null][] = [['js', null]];
  if (addon) variants.push(['native', addon]);
  for (const [label, nat] of variants) {
    const ours = elementwiseKernels(cpu, nat);
    for (const [name, inputs, attrs] of calls) {
      const want = read(cpu(name)({ inputs, backend, attrs }) as tf.TensorInfo);
      const got = read(ours[name]!({ inputs, backend, attrs }) as tf.TensorInfo);
      assert.equal(got.length, want.length);
      for (let i = 0; i < got.length; i++) assert.ok(Object.is(got[i], want[i]), `${label} ${name} [${i}]: ${got[i]} vs ${want[i]}`);
    }
  }
});

test('recycled buffers never change data a slice view or a dataSync result still holds', { skip: SKIP }, async () => {
  await useBackend('blas');
  const rng = new Rng(5);
  const [r, c] = [256, 512]; // 131072 elements: pooled
  const host = f32(rng, r * c);
  const A = tf.tensor2d(host, [r, c]);
  const X = tf.add(A, 1); // pooled output
  const view = tf.slice(X, [0, 0], [r / 2, c]); // contiguous: a view on X's buffer
  const Y = tf.mul(A, 2);
  const seen = Y.dataSync(); // escapes to user code
  const seenCopy = Float32Array.from(seen);
  X.dispose();
  Y.dispose();
  const churn: tf.Tensor[] = [];
  for (let i = 0; i < 6; i++) churn.push(tf.sub(A, i)); // would reuse X's / Y's buffers if released
  const v = view.dataSync();
  for (let i = 0; i < (r / 2) * c; i += 997) assert.equal(v[i], Math.fround(host[i]! + 1));
  assert.deepEqual(seen, seenCopy);
  view.dispose();
  // Now X's buffer is free: later outputs may reuse it, and stay correct.
  for (let i = 0; i < 3; i++) {
    const z = tf.add(A, 3);
    const d = z.dataSync();
    for (let j = 0; j < d.length; j += 1009) assert.equal(d[j], Math.fround(host[j]! + 3));
    z.dispose();
  }
  for (const t of churn) t.dispose();
  A.dispose();
});

test('native eigendecomposition and Cholesky equal the TypeScript ones', { skip: SKIP }, () => {
  const nat = blasLinalg(addon!);
  const rng = new Rng(6);
  for (const n of [1, 2, 17, 64]) {
    const a = randomSymmetric(rng, n);
    const ts = symEig(a, n);
    const { values, rows } = nat.symEigRows(a, n);
    assert.ok(maxRel(values, ts.values) < 1e-12, `eigenvalues n=${n}`);
    assert.ok(maxRel(nat.symEigvals(a, n), symEigvals(a, n)) < 1e-12);
    // A v = lambda v for every row, and the rows are orthonormal.
    for (let k = 0; k < n; k++) {
      const v = rows.subarray(k * n, k * n + n);
      const av = matmul(a, Float64Array.from(v), n, n, 1);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(av[i]! - values[k]! * v[i]!) < 1e-10 * n, `A v = lambda v, n=${n}`);
      for (let j = 0; j <= k; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += v[i]! * rows[j * n + i]!;
        assert.ok(Math.abs(dot - (j === k ? 1 : 0)) < 1e-12);
      }
    }
    const spd = gramOf(randn(rng, n, n + 3), n, n + 3);
    for (let i = 0; i < n; i++) spd[i * n + i] = spd[i * n + i]! + 1; // eigenvalues >= 1 > shift
    const lts = cholesky(spd, n, { shift: 0.5 })!;
    const lnat = nat.cholesky(spd, n, 0.5, 0)!;
    assert.ok(maxRel(lnat, lts) < 1e-10, `cholesky n=${n}`);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(lnat[i * n + j], 0);
    const rhs = randn(rng, n, 3);
    const x = Float64Array.from(rhs);
    nat.choleskySolveInPlace(lnat, n, x, 3);
    assert.ok(maxRel(x, choleskySolve(lts, n, rhs, 3)) < 1e-9);
    assert.equal(nat.cholesky(a, n, Math.max(...values) + 1, 0), null, 'not positive definite');
    assert.equal(nat.cholesky(spd, n, 0, 1e300), null, 'pivot below pivotTol');
  }
});

test('gramPinvSolve gives the same answer with the native provider as in pure TypeScript', { skip: SKIP }, () => {
  const rng = new Rng(7);
  const n = 40;
  const cases: [string, Float64Array, GramPinvOptions][] = [
    ['full rank (cholesky path)', gramOf(randn(rng, n, 3 * n), n, 3 * n), {}],
    ['rank 12 (truncated eig)', gramOf(randn(rng, n, 12), n, 12), {}],
    ['forced eig with spectrum', gramOf(randn(rng, n, 3 * n), n, 3 * n), { forceEig: true, wantSpectrum: true }],
    ['none', gramOf(randn(rng, n, 3 * n), n, 3 * n), { method: 'none' }],
    ['damped', gramOf(randn(rng, n, 12), n, 12), { method: 'damped', damping: 1e-2 }],
  ];
  const saved = nativeLinalg();
  try {
    for (const [label, g, opts] of cases) {
      const rhs = randn(rng, n, 5);
      setNativeLinalg(null);
      const ts = gramPinvSolve(g, n, rhs, 5, opts);
      setNativeLinalg(blasLinalg(addon!));
      const nat = gramPinvSolve(g, n, rhs, 5, opts);
      assert.equal(nat.method, ts.method, label);
      assert.equal(nat.rank, ts.rank, label);
      assert.ok(relErr(nat.solution, ts.solution) < 1e-8, `${label}: ${relErr(nat.solution, ts.solution)}`);
      if (ts.spectrum) assert.ok(maxRel(nat.spectrum!, ts.spectrum) < 1e-10, label);
    }
  } finally {
    setNativeLinalg(saved);
  }
});

test('GN exactness on blas: each block realizes T when every A has full row rank, and matches cpu', { skip: SKIP }, async () => {
  const n = 6;
  const cfg = { inputDim: 16, hidden: 32, blocks: 2, classes: 4, seed: 1 };
  const results: { residuals: number[]; exact: boolean[]; update: Float32Array[] }[] = [];
  for (const backend of ['blas', 'cpu'] as const) {
    await useBackend(backend);
    for (const keepMB of ['0', undefined]) {
      // rebuild the block inputs / keep the forward features
      if (keepMB === undefined) delete process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
      else process.env.EXACT_GN_KEEP_ACTIVATIONS_MB = keepMB;
      const model = tinyModel(cfg, 0.3, 0.1);
      const { x, labels } = randomBatch(n, cfg.inputDim, cfg.classes, 17);
      const { update, blocks } = gnUpdate(model, x, labels, { residual: true });
      const flat: Float32Array[] = [];
      forEachParam(update, (_name, t) => flat.push(Float32Array.from(t.dataSync() as Float32Array)));
      results.push({ residuals: blocks.map((b) => b.residual!), exact: blocks.map((b) => b.exact), update: flat });
      disposeParams(update);
      model.dispose();
      x.dispose();
    }
  }
  delete process.env.EXACT_GN_KEEP_ACTIVATIONS_MB;
  for (const r of results) {
    assert.deepEqual(r.exact, [true, true]);
    for (const res of r.residuals) assert.ok(res < 1e-4, `residual ${res}`);
  }
  const [blasRebuild, blasKeep, cpuRebuild] = results;
  blasRebuild!.update.forEach((u, i) => {
    assert.ok(relErr(u, cpuRebuild!.update[i]!) < 1e-3, `blas vs cpu tensor ${i}: ${relErr(u, cpuRebuild!.update[i]!)}`);
    assert.ok(relErr(blasKeep!.update[i]!, u) < 1e-3, `kept vs rebuilt features, tensor ${i}`);
  });
});

test('traceParamVjp gives the same parameter cotangents as traceVjp (it only skips the input cotangent)', async () => {
  await useBackend('cpu');
  const cfg = { inputDim: 12, hidden: 20, blocks: 3, classes: 3, seed: 4 };
  const model = tinyModel(cfg, 0.3, 0.1);
  const { x } = randomBatch(5, cfg.inputDim, cfg.classes, 3);
  const [full, part] = tf.tidy(() => {
    const tr = model.forwardTrace(x);
    const gz = tf.tensor2d(new Rng(8).normalArray(5 * cfg.inputDim, 1), [5, cfg.inputDim]);
    const a: Float32Array[] = [];
    const b: Float32Array[] = [];
    forEachParam(traceVjp(model, tr, gz, model.params).grads, (_n, t) => a.push(Float32Array.from(t.dataSync() as Float32Array)));
    forEachParam(traceParamVjp(model, tr, gz, model.params), (_n, t) => b.push(Float32Array.from(t.dataSync() as Float32Array)));
    return [a, b];
  });
  assert.equal(full.length, part.length);
  full.forEach((g, i) => assert.deepEqual(part[i], g));
  model.dispose();
  x.dispose();
});

test('the fused Adam and SGD updates give exactly the values of the tfjs ops they replace', { skip: SKIP }, async () => {
  await useBackend('blas');
  const fused = fusedUpdates();
  assert.ok(fused, 'fusedUpdates() on blas with a current addon');
  const rng = new Rng(5);
  const len = 70001; // not a multiple of the vector width
  const [w, g, m] = [0, 1, 2].map(() => tf.tensor1d(f32(rng, len)));
  const v = tf.tensor1d(f32(rng, len).map(Math.abs));
  for (const wd of [0, 0.01]) {
    const s = { lr: 1e-3, b1: 0.9, b2: 0.999, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3, eps: 1e-8, wd };
    tf.tidy(() => {
      const [w1, m1, v1] = fused.adam(w!, g!, m!, v, s);
      // The op sequence of src/optim/optimizers.ts (adamOps), written out independently.
      const gg = wd > 0 ? tf.add(g!, tf.mul(w!, wd)) : g!;
      const m2 = tf.add(tf.mul(m!, s.b1), tf.mul(gg, 1 - s.b1));
      const v2 = tf.add(tf.mul(v, s.b2), tf.mul(tf.square(gg), 1 - s.b2));
      const w2 = tf.sub(w!, tf.mul(tf.div(tf.div(m2, s.c1), tf.add(tf.sqrt(tf.div(v2, s.c2)), s.eps)), s.lr));
      assert.deepEqual(m1.dataSync(), m2.dataSync(), `adam m, wd ${wd}`);
      assert.deepEqual(v1.dataSync(), v2.dataSync(), `adam v, wd ${wd}`);
      assert.deepEqual(w1.dataSync(), w2.dataSync(), `adam w, wd ${wd}`);
      const sgd = fused.sgd(w!, g!, 0.1, wd);
      const ref = wd > 0 ? tf.sub(w!, tf.mul(tf.add(g!, tf.mul(w!, wd)), 0.1)) : tf.sub(w!, tf.mul(g!, 0.1));
      assert.deepEqual(sgd.dataSync(), ref.dataSync(), `sgd, wd ${wd}`);
    });
  }
  tf.dispose([w!, g!, m!, v]);
  await useBackend('cpu');
  assert.equal(fusedUpdates(), null, 'no fused updates off blas');
});
